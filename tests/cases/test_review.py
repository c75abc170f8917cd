"""The reviewer's pages: every case filtered, searched, sorted and paged; a case's full history; the CSV export."""

import csv
import io
import json
import uuid
from base64 import urlsafe_b64encode
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from cases import selectors
from cases.export import COLUMNS, csv_cell
from cases.marking import cases_mark
from cases.models import Case
from cases.services import case_evaluate, case_reassess, case_update
from cases.views import DAMAGED_CURSOR
from guidance.facts import FACTS
from guidance.lines import lines_compare
from guidance.models import Rule
from mastoweb import paging

from .factories import AUDIT_LOCK_QUERIES, make_case, publish_revision, shown_recommendations

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _stamp(case, *, created=None, updated=None):
    """Set a case's dates as if it had been made and changed then (update() leaves auto_now alone)."""
    times = {"created_at": created, "updated_at": updated}
    Case.objects.filter(pk=case.pk).update(**{name: value for name, value in times.items() if value})
    case.refresh_from_db()
    return case


def _labels(response):
    """The case labels on a review page, in page order."""
    return [case.label for case in response.context["cases"]]


def _review(client, **params):
    response = client.get(reverse("cases:review"), params)
    assert response.status_code == 200
    return response


def _revise_for_some(draft):
    """v4: a new line for pruritus, and the osteoporosis paragraph's text revised; nothing else."""
    Rule.objects.create(
        version=draft,
        rule_id="pruritus-emollients",
        paragraph=draft.paragraphs.get(slug="antihistamines"),
        kind="info",
        summary="Emollients help itching",
        condition='"pruritus" in symptoms',
        quote="prevent flushing and itching",
        order=99,
    )
    paragraph = draft.paragraphs.get(slug="osteoporosis")
    paragraph.text += " Revised in v4."
    paragraph.save()


@pytest.fixture
def other_clinician(make_user):
    from accounts.roles import CLINICIAN

    return make_user("dr-other", groups=[CLINICIAN])


@pytest.fixture
def cases(clinician, other_clinician, published_version):
    """Four cases of two clinicians, a day apart: a (oldest) to d (newest)."""
    made = {
        "a": make_case(clinician, label="Alpha ISM", subtype="ISM", symptoms=["flushing"], notes="Bone scan due"),
        "b": make_case(clinician, label="Bravo ASM", subtype="ASM", symptoms=["osteoporosis"]),
        "c": make_case(other_clinician, label="Charlie SSM", subtype="SSM", symptoms=["pruritus", "flushing"]),
        "d": make_case(other_clinician, label="Delta ISM", subtype="ISM", symptoms=[], notes="bone marrow review"),
    }
    for day, case in enumerate(made.values()):
        _stamp(case, created=T0 + timedelta(days=day), updated=T0 + timedelta(days=day, hours=1))
    return made


# ---------------------------------------------------------------- the list


def test_it_lists_every_clinicians_cases_last_changed_first(client, reviewer, cases):
    client.force_login(reviewer)
    response = _review(client)
    assert _labels(response) == ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]
    html = response.content.decode()
    assert "dr-other" in html and "clinician" in html
    assert reverse("cases:review_detail", args=[cases["a"].pk]) in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"subtype": "ISM"}, ["Delta ISM", "Alpha ISM"]),
        ({"subtype": "MCL"}, []),
        ({"symptom": "flushing"}, ["Charlie SSM", "Alpha ISM"]),
        ({"symptom": "pruritus"}, ["Charlie SSM"]),
        ({"clinician": "dr-other"}, ["Delta ISM", "Charlie SSM"]),
        ({"clinician": "nobody"}, []),
        ({"version": "3"}, ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]),
        ({"version": "2"}, []),
        ({"version": "1"}, []),
        ({"date_from": "2026-03-02", "date_to": "2026-03-03"}, ["Charlie SSM", "Bravo ASM"]),
        ({"date_from": "2026-03-04"}, ["Delta ISM"]),
        ({"date_to": "2026-03-01"}, ["Alpha ISM"]),
        ({"subtype": "ISM", "symptom": "flushing"}, ["Alpha ISM"]),
    ],
    ids=lambda value: str(value),
)
def test_each_filter_narrows_the_list(client, reviewer, cases, params, expected):
    client.force_login(reviewer)
    assert _labels(_review(client, **params)) == expected


def test_a_symptom_filter_matches_the_whole_code_only(client, reviewer, clinician, published_version):
    make_case(clinician, label="Fracture", subtype="ISM", symptoms=["fracture"])
    make_case(clinician, label="Ascites", subtype="ASM", symptoms=["ascites"])
    client.force_login(reviewer)
    assert _labels(_review(client, symptom="fracture")) == ["Fracture"]


def test_the_version_filter_uses_the_latest_assessment(client, reviewer, editor, clinician, cases):
    publish_revision(user=editor, revise=_revise_for_some)
    case_reassess(case=cases["b"], user=clinician)
    client.force_login(reviewer)
    assert _labels(_review(client, version="4")) == ["Bravo ASM"]
    assert "Bravo ASM" not in _labels(_review(client, version="3"))


def test_search_matches_label_and_notes_in_any_case(client, reviewer, cases):
    client.force_login(reviewer)
    assert _labels(_review(client, q="bone")) == ["Delta ISM", "Alpha ISM"]
    assert _labels(_review(client, q="charlie")) == ["Charlie SSM"]
    # Facts are filtered, not searched.
    assert _labels(_review(client, q="pruritus")) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("changed_desc", ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]),
        ("changed_asc", ["Alpha ISM", "Bravo ASM", "Charlie SSM", "Delta ISM"]),
        ("created_desc", ["Charlie SSM", "Delta ISM", "Bravo ASM", "Alpha ISM"]),
        ("created_asc", ["Alpha ISM", "Bravo ASM", "Delta ISM", "Charlie SSM"]),
        ("label_asc", ["Alpha ISM", "Bravo ASM", "Charlie SSM", "Delta ISM"]),
        ("label_desc", ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]),
    ],
)
def test_it_sorts(client, reviewer, cases, sort, expected):
    # Created order differs from changed order: Charlie was made after Delta.
    _stamp(cases["c"], created=T0 + timedelta(days=10))
    client.force_login(reviewer)
    assert _labels(_review(client, sort=sort)) == expected


def test_refused_filters_are_explained_and_list_nothing(client, reviewer, cases):
    client.force_login(reviewer)
    response = _review(client, date_from="2026-03-04", date_to="2026-03-01", subtype="XYZ")
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert "Select a valid choice" in html
    assert _labels(response) == []
    assert reverse("cases:review_export") not in html


# Zones at the ends of the offsets: midnight on 0001-01-01 at +14:00 is in year 0 in UTC.
EAST, WEST = "Etc/GMT-14", "Etc/GMT+12"


@pytest.mark.parametrize(
    ("zone", "params", "field", "message"),
    [
        ("UTC", {"date_to": "9999-12-31"}, "date_to", "Enter a date from 0001-01-01 to 9999-12-30."),
        ("UTC", {"date_from": "9999-12-31"}, "date_from", "Enter a date from 0001-01-01 to 9999-12-30."),
        (EAST, {"date_from": "0001-01-01"}, "date_from", "Enter a date from 0001-01-02 to 9999-12-30."),
        (EAST, {"date_to": "0001-01-01"}, "date_to", "Enter a date from 0001-01-02 to 9999-12-30."),
        (WEST, {"date_to": "31/12/9999"}, "date_to", "Enter a date from 0001-01-01 to 9999-12-30."),
    ],
    ids=lambda value: str(value),
)
def test_days_at_the_edges_of_the_calendar_are_refused_by_name(
    client, reviewer, cases, settings, zone, params, field, message
):
    settings.TIME_ZONE = zone
    client.force_login(reviewer)
    response = _review(client, **params)
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert _labels(response) == []

    export = client.get(reverse("cases:review_export"), params)
    assert export.status_code == 302
    assert export["Location"] == f"{reverse('cases:review')}?{urlencode(params)}"


@pytest.mark.parametrize("zone", ["UTC", EAST, WEST])
def test_the_first_and_last_days_that_exist_are_accepted(client, reviewer, cases, settings, zone):
    settings.TIME_ZONE = zone
    first = "0001-01-02" if zone == EAST else "0001-01-01"
    client.force_login(reviewer)
    everything = ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]
    assert _labels(_review(client, date_from=first, date_to="9999-12-30")) == everything
    _, rows = _export(client, date_from=first, date_to="9999-12-30")
    assert [row["label"] for row in rows] == everything


# ---------------------------------------------------------------- keyset pages


def _walk_pages(client, params):
    """Follow the Next links from the first page: the (label, id) of each page's cases, page by page."""
    pages, url = [], f"{reverse('cases:review')}?{urlencode(params)}"
    while True:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([(case.label, case.pk) for case in response.context["cases"]])
        if response.context["next_query"] is None:
            return pages
        assert f'href="?{escape(response.context["next_query"])}"' in response.content.decode()
        url = f"{reverse('cases:review')}?{response.context['next_query']}"


@pytest.mark.parametrize("sort", list(selectors.REVIEW_SORTS))
def test_pages_cover_every_case_once_in_order(client, reviewer, clinician, published_version, monkeypatch, sort):
    monkeypatch.setattr(selectors, "REVIEW_PAGE_SIZE", 3)
    made = [make_case(clinician, label=f"Case {n % 4}", subtype="ISM") for n in range(11)]
    for n, case in enumerate(made):
        # Ties on every sort field: the id must order them, or a page boundary would lose or repeat a case.
        _stamp(case, created=T0 + timedelta(days=n // 3), updated=T0 + timedelta(days=n // 4))
    expected = list(Case.objects.order_by(*selectors.REVIEW_SORTS[sort].order).values_list("label", "pk"))
    client.force_login(reviewer)
    pages = _walk_pages(client, {"sort": sort})
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert [case for page in pages for case in page] == expected


def test_pages_keep_the_filters(client, reviewer, clinician, other_clinician, published_version, monkeypatch):
    monkeypatch.setattr(selectors, "REVIEW_PAGE_SIZE", 2)
    for n in range(5):
        make_case(clinician, label=f"Mine {n}", subtype="ISM")
        make_case(other_clinician, label=f"Theirs {n}", subtype="ISM")
    client.force_login(reviewer)
    pages = _walk_pages(client, {"clinician": "dr-other"})
    assert len(pages) == 3
    assert sorted(label for page in pages for label, _ in page) == [f"Theirs {n}" for n in range(5)]


def test_a_damaged_cursor_starts_from_the_first_page(client, reviewer, cases):
    client.force_login(reviewer)
    for damaged in ("not-a-cursor", "W10", "WyIyMDI2IiwieCJd", "!!"):
        assert _labels(_review(client, after=damaged)) == ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]


def _cursor(value, pk):
    return urlsafe_b64encode(json.dumps([value, pk]).encode()).decode()


# The id of no case; fixed, so that each pytest-xdist worker collects the same test ids.
NO_CASE_ID = "6f1d3c9e-2b7a-4c55-9e0f-8a4b2d1c0e37"


@pytest.mark.parametrize(
    ("sort", "after"),
    [
        # Instants that exist where they were written but not in UTC.
        ("changed_asc", _cursor("0001-01-01T00:00:00+14:00", NO_CASE_ID)),
        ("changed_desc", _cursor("9999-12-31T23:59:59-12:00", NO_CASE_ID)),
        ("created_desc", _cursor("0001-01-01T00:00:00+00:01", NO_CASE_ID)),
        # Not what a cursor holds.
        ("changed_desc", _cursor("2026-03-01T09:00:00", NO_CASE_ID)),
        ("label_asc", _cursor("Alpha\x00", NO_CASE_ID)),
        ("label_asc", _cursor("\ud800", NO_CASE_ID)),
        ("label_asc", _cursor(["Alpha"], NO_CASE_ID)),
        ("label_asc", urlsafe_b64encode(b"[" * 5000).decode()),
        ("label_asc", "\u00e9t\u00e9"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_damaged_cursor_is_named_and_the_first_page_shown(client, reviewer, cases, sort, after):
    client.force_login(reviewer)
    response = _review(client, sort=sort, after=after)
    assert _labels(response) == list(
        Case.objects.order_by(*selectors.REVIEW_SORTS[sort].order).values_list("label", flat=True)
    )
    assert [str(message) for message in response.context["messages"]] == [DAMAGED_CURSOR]
    assert escape(DAMAGED_CURSOR) in response.content.decode()


def test_a_cursor_at_the_first_instant_in_utc_is_followed(client, reviewer, cases):
    client.force_login(reviewer)
    after = _cursor("0001-01-01T00:00:00+00:00", str(uuid.UUID(int=0)))
    response = _review(client, sort="changed_asc", after=after)
    assert _labels(response) == ["Alpha ISM", "Bravo ASM", "Charlie SSM", "Delta ISM"]
    assert not list(response.context["messages"])


def test_a_cursor_round_trips_for_every_sort(cases):
    case = cases["a"]
    for spec in selectors.REVIEW_SORTS.values():
        cursor = (getattr(case, spec.field), case.pk)
        assert paging.cursor_decode(paging.cursor_encode(cursor), spec.keyset) == cursor


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        if isinstance(response, StreamingHttpResponse):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params", [{}, {"outlook": "would_change", "q": "case", "symptom": "flushing"}, {"sort": "label_asc"}]
)
def test_the_list_query_count_does_not_grow_with_the_cases(client, reviewer, clinician, published_version, params):
    client.force_login(reviewer)
    make_case(clinician, subtype="ISM", symptoms=["flushing"])
    _queries(client, reverse("cases:review"), params)  # the versions and rules for the filters, read once per token
    few = _queries(client, reverse("cases:review"), params)
    for _ in range(15):
        make_case(clinician, subtype="SSM", symptoms=["flushing"])
    assert _queries(client, reverse("cases:review"), params) == few
    # Session, user, role permissions (2), current guidance, the page, the result count; and whether some
    # cases are still to be compared, when filtering on "would change". The versions and rules for the
    # filters are read once per guidance token (guidance.selectors), not per request.
    assert few <= 7 + (params.get("outlook") == "would_change")


# ---------------------------------------------------------------- would change


def test_it_marks_the_cases_newer_guidance_would_change_as_the_reassess_page_shows(client, reviewer, editor, cases):
    version = publish_revision(user=editor, revise=_revise_for_some)
    assert cases_mark(version=version) == (4, 2)
    client.force_login(reviewer)
    # Bravo cites the revised osteoporosis text; Charlie's pruritus gains a line.
    assert _labels(_review(client, outlook="would_change")) == ["Charlie SSM", "Bravo ASM"]
    assert _labels(_review(client, outlook="unchanged")) == ["Delta ISM", "Alpha ISM"]
    # The same answer as the re-evaluation page, case by case.
    for case in selectors.marks_annotate(Case.objects.all()):
        latest = selectors.assessment_latest(case=case)
        changes = lines_compare(latest.lines, case_evaluate(facts=case.facts, version=version))
        assert case.would_change is changes.changes, case.label
    assert cases_mark(version=version) == (0, 0)  # nothing left to compare


def test_publishing_compares_the_cases_once_committed(
    client, reviewer, editor, cases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_revision(user=editor, revise=_revise_for_some)
    client.force_login(reviewer)
    assert _labels(_review(client, outlook="would_change")) == ["Charlie SSM", "Bravo ASM"]
    assert _labels(_review(client, outlook="unchecked")) == []


def test_until_compared_the_page_says_the_cases_are_not_yet_checked(client, reviewer, editor, clinician, cases):
    publish_revision(user=editor, revise=_revise_for_some)  # no commit in a test: nothing compared yet
    client.force_login(reviewer)
    response = _review(client, outlook="would_change")
    assert _labels(response) == []
    assert "not yet been compared with version 4" in response.content.decode()
    assert len(_labels(_review(client, outlook="unchecked"))) == 4
    assert len(_labels(_review(client, outlook="older"))) == 4
    call_command("check_cases_against_guidance", stdout=io.StringIO())
    response = _review(client, outlook="would_change")
    assert _labels(response) == ["Charlie SSM", "Bravo ASM"]
    assert "not yet been compared" not in response.content.decode()


def test_a_case_reassessed_under_the_current_version_would_not_change(client, reviewer, editor, clinician, cases):
    with_new = publish_revision(user=editor, revise=_revise_for_some)
    cases_mark(version=with_new)
    case_reassess(case=Case.objects.get(pk=cases["c"].pk), user=clinician)
    case_update(case=Case.objects.get(pk=cases["b"].pk), user=clinician, label="Bravo ASM", facts={"subtype": "ASM"})
    client.force_login(reviewer)
    assert _labels(_review(client, outlook="would_change")) == []
    assert _labels(_review(client, outlook="current")) == ["Bravo ASM", "Charlie SSM"]


# ---------------------------------------------------------------- the case, in full


def test_the_review_detail_shows_every_assessment_exactly_as_shown(client, reviewer, editor, clinician, cases):
    case = cases["c"]
    publish_revision(user=editor, revise=_revise_for_some)
    case_reassess(case=Case.objects.get(pk=case.pk), user=clinician)
    client.force_login(reviewer)
    response = client.get(reverse("cases:review_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    history = list(selectors.case_assessments(case=case))
    assert [a.guidance_version.number for a in history] == [4, 3]
    # Each assessment's stored lines, newest assessment first, grouped as the clinician saw them.
    shown = shown_recommendations(html)
    assert Counter(shown) == Counter((line.paragraph, line.kind) for a in history for line in a.lines)
    first = history[0].lines
    assert Counter(shown[: len(first)]) == Counter((line.paragraph, line.kind) for line in first)
    assert "Emollients help itching" in html  # only in the v4 assessment
    # Each line links to the sentence it quotes, in the version that produced it.
    assert reverse("guidance:version", args=[3]) + "#antihistamines--s2" in html
    assert reverse("guidance:version", args=[4]) + "#antihistamines--s2" in html
    assert "Pruritus" in html  # the facts as assessed, in words


def test_the_review_detail_query_count_does_not_grow_with_the_assessments(
    client, reviewer, clinician, cases, django_assert_max_num_queries
):
    case = cases["a"]
    client.force_login(reviewer)
    url = reverse("cases:review_detail", args=[case.pk])
    one = _queries(client, url)
    for n in range(5):
        case_update(case=Case.objects.get(pk=case.pk), user=clinician, label=f"Alpha {n}", facts={"subtype": "ISM"})
    assert _queries(client, url) == one
    # Besides the page's 9: the assessments' feedback, the access log, and the names of the objects it
    # shows (cases and assessments: one query per kind, whatever the number of events).
    assert one <= 13 + AUDIT_LOCK_QUERIES


# ---------------------------------------------------------------- export


def _export(client, **params):
    response = client.get(reverse("cases:review_export"), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.DictReader(io.StringIO(text)))


def test_the_export_streams_csv_with_facts_lines_and_versions(client, reviewer, clinician, cases):
    client.force_login(reviewer)
    response, rows = _export(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mastoweb-cases-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert "no-store" in response["Cache-Control"]
    assert [row["label"] for row in rows] == ["Delta ISM", "Charlie SSM", "Bravo ASM", "Alpha ISM"]
    charlie = rows[1]
    case = cases["c"]
    assessment = case.assessments.get()
    assert charlie["case_id"] == str(case.pk)
    assert charlie["clinician"] == "dr-other"
    assert charlie["subtype"] == "SSM"
    assert charlie["symptoms"] == "flushing pruritus"  # vocabulary order
    assert charlie["venom_allergy"] == "unknown"  # not recorded: v3's default
    assert charlie["assessed_guidance_version"] == charlie["current_guidance_version"] == "3"
    assert charlie["would_change_under_current"] == "no (assessed under it)"
    assert charlie["assessed_at"] == assessment.created_at.isoformat()
    assert charlie["recommendation_rules"].split() == [line.rule for line in assessment.lines]
    assert int(charlie["recommendation_count"]) == len(assessment.lines)
    assert assessment.lines[0].summary in charlie["recommendations"]
    assert "notes" not in charlie


def test_the_header_names_every_fact(client, reviewer, cases):
    client.force_login(reviewer)
    response = client.get(reverse("cases:review_export"))
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert header == COLUMNS
    assert set(FACTS) <= set(header)


def test_the_export_has_the_lists_filters_and_sort(client, reviewer, cases):
    client.force_login(reviewer)
    _, rows = _export(client, subtype="ISM", sort="label_asc")
    assert [row["label"] for row in rows] == ["Alpha ISM", "Delta ISM"]
    _, rows = _export(client, q="bone", clinician="dr-other")
    assert [row["label"] for row in rows] == ["Delta ISM"]


def test_the_export_reports_would_change(client, reviewer, editor, cases):
    version = publish_revision(user=editor, revise=_revise_for_some)
    cases_mark(version=version)
    client.force_login(reviewer)
    _, rows = _export(client, sort="label_asc")
    assert [row["would_change_under_current"] for row in rows] == ["no", "yes", "yes", "no"]
    assert {row["current_guidance_version"] for row in rows} == {"4"}


def test_refused_filters_send_the_export_back_to_the_list(client, reviewer, cases):
    client.force_login(reviewer)
    response = client.get(reverse("cases:review_export"), {"subtype": "XYZ"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:review") + "?subtype=XYZ"


@pytest.mark.parametrize("label", ['=HYPERLINK("http://x")', "+SUM(A1)", "-2+3", "@cmd", "\tTab", "\rReturn"])
def test_the_export_defuses_spreadsheet_formulas(client, reviewer, clinician, published_version, label):
    make_case(clinician, label=label, subtype="ISM")
    client.force_login(reviewer)
    _, [row] = _export(client)
    assert row["label"] == f"'{label}"


def test_plain_cells_are_left_alone():
    assert csv_cell("ISM clinic 14") == "ISM clinic 14"
    assert csv_cell("a=b") == "a=b"
    assert csv_cell(12.5) == 12.5
    assert csv_cell(None) == ""
    assert csv_cell(["flushing", "pruritus"]) == "flushing pruritus"


def test_the_export_query_count_does_not_grow_with_the_cases(client, reviewer, clinician, published_version):
    client.force_login(reviewer)
    make_case(clinician, subtype="ISM", symptoms=["flushing"])
    _queries(client, reverse("cases:review_export"))  # the versions and rules for the filters, read once per token
    few = _queries(client, reverse("cases:review_export"))
    for _ in range(15):
        make_case(clinician, subtype="ASM", symptoms=["osteoporosis"])
    assert _queries(client, reverse("cases:review_export")) == few
