"""Fuzzing what people and programs send: the case form, `evaluate_case`, date filters and page cursors.

Whatever arrives, the answer is a save, a preview or a refusal that names the
field it refuses — never a server error or an uncaught exception. Example
counts stay modest so the suite stays fast; hypothesis keeps no example
database in the work tree.
"""

import io
import json
import re
import uuid
from base64 import urlsafe_b64encode
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts import roles
from audit.selectors import AUDIT_KEYSET
from audit.services import audit_record
from audit.views import DAMAGED_CURSOR as DAMAGED_AUDIT_CURSOR
from cases.audit_names import CaseAction
from cases.forms import CaseForm, CaseUpdateForm
from cases.models import Case
from cases.selectors import REVIEW_SORTS
from cases.views import DAMAGED_CURSOR as DAMAGED_REVIEW_CURSOR
from guidance.facts import FACTS, CaseValidationError, parse_case_json, validate_case
from mastoweb.paging import cursor_decode, cursor_encode
from tests.cases.factories import make_case

from .site_urls import role_user

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEWER = settings(FUZZ, max_examples=30)  # whole pages rendered per example
CURSORS = settings(FUZZ, max_examples=60)  # short pages; a crash needs a rarer draw

FORM_FIELDS = list(CaseUpdateForm.base_fields)
EXTRA_FIELDS = ["owner", "created_by", "status", "id", "pk", "csrfmiddlewaretoken", "symptoms[]", "label "]

# Text that browsers, scripts and attackers send; no lone surrogates (not encodable, never on the wire).
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e309",
        "-0",
        "0x10",
        "1_000",
        "12.",
        ".5",
        "٣",
        "true",
        "on",
        "null",
        "None",
        "\x00",
        "9" * 400,
        "9" * 5000,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "{{ 7*7 }}",
    ]
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
CHOICE = st.sampled_from(sorted({value for fact in FACTS.values() for value in fact.values}))


def _value(name):
    fact = FACTS.get(name)
    own = st.sampled_from(fact.values) if fact is not None and fact.values else st.nothing()
    return st.one_of(own, CHOICE, NUMBER_TEXT, TRICKY, TEXT)


@st.composite
def form_posts(draw, *, fields=FORM_FIELDS):
    """A POST body: some of the form's fields (and some it does not have), each with zero or more values."""
    names = draw(st.lists(st.sampled_from(fields + EXTRA_FIELDS), unique=True))
    return {name: draw(st.lists(_value(name), max_size=3)) for name in names}


def as_query_dict(data):
    query = QueryDict(mutable=True)
    for name, values in data.items():
        query.setlist(name, values)
    return query


def assert_refusal_names_fields(form):
    assert form.errors, "a refusal without a reason"
    assert set(form.errors) <= set(form.fields), f"errors not on a field: {dict(form.errors)}"
    assert all(message.strip() for messages in form.errors.values() for message in messages)


@pytest.fixture
def clinician_client(client, make_user):
    user = role_user(make_user, "fuzz-clinician", roles.CLINICIAN)
    client.force_login(user)
    return client, user


# ------------------------------------------------------------------ the case form


@FUZZ
@given(data=form_posts())
def test_the_form_accepts_only_valid_facts_and_names_every_refused_field(data):
    form = CaseUpdateForm(as_query_dict(data))
    if form.is_valid():
        assert validate_case(dict(form.facts)) == form.facts
        assert form.cleaned_data["lock_version"] >= 0
    else:
        assert_refusal_names_fields(form)


@FEWER
@given(data=form_posts(fields=list(CaseForm.base_fields)))
@example(data={})  # an empty POST once showed a blank form with no reason
def test_posting_anything_to_the_new_case_form_saves_or_refuses_by_field(clinician_client, published_version, data):
    client, user = clinician_client
    before = Case.objects.count()
    response = client.post(reverse("cases:create"), data)
    if response.status_code == 302:
        case = Case.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert case.created_by == user
        assert case.lock_version == 0
        assert validate_case({name: getattr(case, name) for name in FACTS}) == case.facts
    else:
        assert response.status_code == 200
        assert_refusal_names_fields(response.context["form"])
        assert Case.objects.count() == before


@FEWER
@given(data=form_posts(), keep_version=st.booleans())
@example(data={}, keep_version=False)
def test_posting_anything_to_the_edit_form_saves_refuses_or_reports_a_conflict(
    clinician_client, published_version, data, keep_version
):
    client, user = clinician_client
    case = Case.objects.filter(created_by=user).first() or make_case(user, subtype="ISM")
    if keep_version:
        data = {**data, "lock_version": [str(case.lock_version)]}
    response = client.post(reverse("cases:update", args=[case.pk]), data)
    saved = Case.objects.get(pk=case.pk)
    if response.status_code == 302:
        assert saved.lock_version == case.lock_version + 1
        assert saved.created_by == user
    elif response.status_code == 409:
        assert saved.lock_version == case.lock_version
        assert response.context["conflict"].saved.lock_version == saved.lock_version
    else:
        assert response.status_code == 200
        assert_refusal_names_fields(response.context["form"])
        assert saved.lock_version == case.lock_version


@FEWER
@given(data=form_posts(fields=list(CaseForm.base_fields)))
@example(data={"subtype": ["ISM"], "antihistamine_response": ["sometimes"], "symptoms": ["sneezing"]})  # radio, boxes
def test_the_live_preview_shows_lines_or_names_what_stops_them(clinician_client, published_version, data):
    client, _ = clinician_client
    response = client.post(reverse("cases:preview"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    refusal = re.search(r'<div class="alert alert-warning preview-errors".*?</ul>', html, re.S)
    if refusal:
        items = re.findall(r"<li>(.*?)</li>", refusal.group(0), re.S)
        assert items, "a preview refusal without a reason"
        unnamed = [item for item in items if not re.match(r'<a class="alert-link" href="#id_\w+">[^<]+</a>: ', item)]
        assert not unnamed, f"preview refusals that name no field: {unnamed}"
    else:
        assert "data-paragraph=" in html or "preview-empty" in html


# ------------------------------------------------------------------ evaluate_case and its parser

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    CHOICE,
)
JSON_ANY = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))
FACT_VALUE = st.one_of(JSON_ANY, CHOICE, st.lists(CHOICE, max_size=4), st.integers(-10, 200), st.floats(-10, 2e5))
# Mostly fact names, so the validator's every branch is reached, plus unknown names.
CASE_OBJECT = st.dictionaries(st.sampled_from(list(FACTS)) | TEXT, FACT_VALUE, max_size=len(FACTS) + 2)


@st.composite
def case_texts(draw):
    """What arrives on stdin: JSON of a case-like object or anything else, or text that is not JSON at all."""
    kind = draw(st.sampled_from(["object", "any", "text", "duplicate", "deep"]))
    if kind == "object":
        return json.dumps(draw(CASE_OBJECT))
    if kind == "any":
        return json.dumps(draw(JSON_ANY))
    if kind == "duplicate":
        name = draw(st.sampled_from(list(FACTS)))
        return f'{{"{name}": {json.dumps(draw(FACT_VALUE))}, "{name}": {json.dumps(draw(FACT_VALUE))}}}'
    if kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=50_000))
        return "[" * depth + "]" * draw(st.integers(min_value=0, max_value=depth))
    return draw(TEXT)


def _input_keys(text):
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return set()
    return set(data) if isinstance(data, dict) else set()


@FUZZ
@given(text=case_texts())
def test_parse_case_json_returns_every_fact_or_names_each_refused_field(text):
    try:
        facts = parse_case_json(text)
    except CaseValidationError as exc:
        assert exc.errors, "a refusal without a reason"
        named = set(FACTS) | {"case"} | _input_keys(text)
        assert set(exc.errors) <= named, f"refused fields that are not fields: {set(exc.errors) - named}"
        assert all(isinstance(message, str) and message.strip() for message in exc.errors.values())
    else:
        assert set(facts) == set(FACTS)
        assert validate_case(dict(facts)) == facts


# A CommandError names what it refuses first: a fact (or "case"), the path, or the version option.
COMMAND_REFUSALS = ("invalid case: ", "path: ", "guidance: ", "--guidance-version: ")


@FEWER
@given(
    raw=st.one_of(case_texts().map(lambda text: text.encode()), st.binary(max_size=64)),
    version=st.none() | st.integers(min_value=-5, max_value=10**12),
)
def test_evaluate_case_prints_recommendations_or_a_refusal_naming_the_field(tmp_path, published_version, raw, version):
    path = tmp_path / "case.json"
    path.write_bytes(raw)
    out = io.StringIO()
    options = {} if version is None else {"guidance_version": version}
    try:
        call_command("evaluate_case", str(path), stdout=out, **options)
    except CommandError as exc:
        message = str(exc)
        assert message.startswith(COMMAND_REFUSALS), f"a refusal that names no field: {message}"
        if message.startswith("invalid case: "):
            rest = message.removeprefix("invalid case: ")
            named = set(FACTS) | {"case"} | _input_keys(raw.decode("utf-8-sig"))
            assert any(rest.startswith(f"{name}: ") for name in named), message
    else:
        output = json.loads(out.getvalue())
        assert output["guidance"]["version"] == (version if version is not None else published_version.number)
        assert all({"paragraph", "kind", "rule"} <= set(line) for line in output["recommendations"])


# ------------------------------------------------------------------ dates and page cursors
# The reviewer's list, its CSV export and the audit trail read days and cursors
# from the query string. Any value, in any of these zones (the ends of the UTC
# offsets among them), gets a page: a refused day is an error on its field, a
# damaged cursor a message naming "after".

ZONES = st.sampled_from(["UTC", "Etc/GMT-14", "Etc/GMT+12", "Pacific/Kiritimati", "Asia/Tokyo", "America/St_Johns"])
EDGE_DAYS = st.dates(max_value=date.min + timedelta(days=2)) | st.dates(min_value=date.max - timedelta(days=2))
DAY_TEXT = st.one_of(
    st.dates().map(date.isoformat),
    EDGE_DAYS.map(date.isoformat),
    st.dates().map(lambda day: f"{day.day:02d}/{day.month:02d}/{day.year:04d}"),
    TRICKY,
    TEXT,
)
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(lambda m: dt_timezone(timedelta(minutes=m)))
# Every instant Python holds, and more often those within a day of its ends.
INSTANTS = st.one_of(
    st.datetimes(timezones=st.none() | OFFSETS | st.timezones()),
    st.datetimes(max_value=datetime(1, 1, 2), timezones=OFFSETS),
    st.datetimes(min_value=datetime(9999, 12, 30), timezones=OFFSETS),
)
RAW = st.one_of(TEXT, TRICKY, st.binary(max_size=80).map(lambda raw: urlsafe_b64encode(raw).decode()))


@st.composite
def review_cursors(draw):
    """What a reviewer's "after" can hold: real cursors at any instant, near misses, and noise."""
    kind = draw(st.sampled_from(["cursor", "near", "json", "raw", "bytes"]))
    if kind in ("cursor", "near"):
        if kind == "cursor":
            value = draw(INSTANTS.map(datetime.isoformat) | TEXT)
            pk = str(draw(st.uuids()))
        else:
            value, pk = draw(JSON_ANY), draw(JSON_ANY | TEXT)
        return _review_cursor(value, pk)
    if kind == "json":
        return urlsafe_b64encode(json.dumps(draw(JSON_ANY)).encode()).decode()
    if kind == "bytes":
        return draw(st.binary(max_size=120))
    return draw(RAW)


AUDIT_CURSORS = st.one_of(
    st.builds(
        lambda moment, pk: cursor_encode((moment.isoformat(), pk)),
        INSTANTS,
        st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(["٣", "1_000", " 7", ""]),
    ),
    RAW,
    st.binary(max_size=80),
)


def _query(params):
    """A query string of any text or bytes, percent-encoded as a browser or a script would send it."""
    return "&".join(
        f"{name}={quote(value if isinstance(value, bytes) else value.encode('utf-8', 'surrogatepass'))}"
        for name, value in params.items()
        if value is not None
    )


def _review_cursor(value, pk):
    return urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def assert_days_refused_by_name(response, params):
    """Every error is on a field and shown; a day that did not go through names its own field."""
    form, html = response.context["form"], response.content.decode()
    assert set(form.errors) <= set(form.fields), f"errors not on a field: {dict(form.errors)}"
    for name in ("date_from", "date_to"):
        if params.get(name) and name not in form.cleaned_data:
            assert name in form.errors, f"{name}={params[name]!r} refused without a reason"
    for messages in form.errors.values():
        assert all(escape(message) in html for message in messages)


@pytest.fixture
def reviewer_client(client, make_user, clinician, version_one):
    make_case(clinician, label="Fuzz case", subtype="ISM")
    client.force_login(role_user(make_user, "fuzz-reviewer", roles.REVIEWER))
    audit_record(actor=clinician, action=CaseAction.CASE_VIEWED)
    return client


@FEWER
@given(
    zone=ZONES, date_from=st.none() | DAY_TEXT, date_to=st.none() | DAY_TEXT, sort=st.sampled_from(list(REVIEW_SORTS))
)
@example(zone="UTC", date_from=None, date_to="9999-12-31", sort="changed_desc")
@example(zone="Etc/GMT-14", date_from="0001-01-01", date_to=None, sort="changed_desc")
def test_the_review_list_and_its_export_answer_any_dates(reviewer_client, zone, date_from, date_to, sort):
    params = {"date_from": date_from, "date_to": date_to, "sort": sort}
    with override_settings(TIME_ZONE=zone):
        response = reviewer_client.get(f"{reverse('cases:review')}?{_query(params)}")
        export = reviewer_client.get(f"{reverse('cases:review_export')}?{_query(params)}")
    assert response.status_code == 200
    assert_days_refused_by_name(response, params)
    if response.context["form"].is_valid():
        assert export.status_code == 200
        assert b"".join(export.streaming_content).startswith(b"case_id,")
    else:
        assert export.status_code == 302


@CURSORS
@given(zone=ZONES, sort=st.sampled_from(list(REVIEW_SORTS)), after=review_cursors())
@example(zone="UTC", sort="changed_asc", after=_review_cursor("0001-01-01T00:00:00+14:00", str(uuid.UUID(int=0))))
@example(zone="UTC", sort="label_asc", after=urlsafe_b64encode(b"[" * 5000).decode())
# An offset Python allows and PostgreSQL refuses (beyond 15:59): found by hypothesis on PostgreSQL.
@example(
    zone="UTC", sort="changed_asc", after=_review_cursor("9999-12-30T18:57:53.018173-18:36", str(uuid.UUID(int=0)))
)
def test_the_review_list_answers_any_cursor(reviewer_client, zone, sort, after):
    with override_settings(TIME_ZONE=zone):
        response = reviewer_client.get(f"{reverse('cases:review')}?{_query({'sort': sort, 'after': after})}")
    assert response.status_code == 200
    damaged = bool(after) and cursor_decode(response.wsgi_request.GET["after"], REVIEW_SORTS[sort].keyset) is None
    assert _messages(response) == ([DAMAGED_REVIEW_CURSOR] if damaged else [])
    assert (escape(DAMAGED_REVIEW_CURSOR) in response.content.decode()) == damaged


@CURSORS
@given(zone=ZONES, date_from=st.none() | DAY_TEXT, date_to=st.none() | DAY_TEXT, after=st.none() | AUDIT_CURSORS)
@example(zone="UTC", date_from=None, date_to="9999-12-31", after=None)
@example(zone="UTC", date_from=None, date_to=None, after=cursor_encode(("0001-01-01T00:00:00+14:00", 1)))
@example(zone="UTC", date_from=None, date_to=None, after=cursor_encode(("2026-01-01T00:00:00+00:00", 2**64)))
@example(zone="UTC", date_from=None, date_to=None, after=cursor_encode(("2026-06-01T10:00:00-18:36", 5)))
def test_the_audit_trail_answers_any_dates_and_cursor(reviewer_client, zone, date_from, date_to, after):
    params = {"date_from": date_from, "date_to": date_to, "after": after}
    with override_settings(TIME_ZONE=zone):
        response = reviewer_client.get(f"{reverse('audit:list')}?{_query(params)}")
    assert response.status_code == 200
    assert_days_refused_by_name(response, params)
    damaged = (
        response.context["form"].is_valid()
        and bool(after)
        and cursor_decode(response.wsgi_request.GET["after"], AUDIT_KEYSET) is None
    )
    assert _messages(response) == ([DAMAGED_AUDIT_CURSOR] if damaged else [])
    assert (escape(DAMAGED_AUDIT_CURSOR) in response.content.decode()) == damaged
