"""The dashboard's rollup is kept by the services as they write, and always equals a count from scratch."""

import pytest
from django.core.management import call_command

from cases.marking import cases_mark
from cases.models import DashboardCount
from cases.rollup import QUESTION_FILTERS, QUESTIONS, rollup_rebuild
from cases.selectors import REVIEW_CONDITIONS
from cases.services import case_reassess, case_update, feedback_record

from .factories import make_case, publish_revision

pytestmark = pytest.mark.django_db


def kept():
    return {(r.period, r.day, r.subtype, r.metric, r.key): r.count for r in DashboardCount.objects.exclude(count=0)}


def rebuilt():
    rollup_rebuild()
    return kept()


def test_the_rollup_kept_by_writes_equals_a_rebuild(clinician, outsider, editor, published_version):
    anaphylaxis = make_case(clinician, subtype="ISM", symptoms=["recurrent_anaphylaxis", "flushing"])
    aspirin = make_case(
        outsider,
        subtype="SSM",
        symptoms=["flushing"],
        antihistamine_response="unresponsive",
        nsaid_tolerance="tolerant",
    )
    make_case(clinician, subtype="ASM", symptoms=[])
    feedback_record(
        assessment=anaphylaxis.assessments.get(), rule="carry-epinephrine", user=clinician, outcome="accepted"
    )
    feedback_record(
        assessment=aspirin.assessments.get(),
        rule="aspirin-for-refractory-flushing",
        user=outsider,
        outcome="overridden",
        reason="patient_declined",
    )
    # A change of subtype, symptoms and NSAID tolerance moves the case's counts.
    case_update(
        case=aspirin,
        user=outsider,
        label=aspirin.label,
        facts={**aspirin.facts, "subtype": "ISM", "nsaid_tolerance": "unknown"},
    )
    counted = kept()
    assert counted[("D", aspirin.assessments.first().created_at.date(), "ISM", "cases", "")] >= 1
    assert counted == rebuilt()


def test_reassessing_and_checking_guidance_keep_the_rollup_equal_to_a_rebuild(clinician, editor, published_version):
    cases = [make_case(clinician, subtype="ISM", symptoms=["pruritus"]) for _ in range(2)]
    make_case(clinician, subtype="SSM", symptoms=["osteoporosis"])
    version = publish_revision(user=editor, revise=lambda draft: None)
    cases_mark(version=version)
    assert kept() == rebuilt()
    case_reassess(case=cases[0], user=clinician)
    assert kept() == rebuilt()


def test_the_command_rebuilds_the_rollup(clinician, published_version):
    make_case(clinician, subtype="ISM", symptoms=["flushing"])
    before = kept()
    DashboardCount.objects.all().delete()
    call_command("rebuild_dashboard", stdout=__import__("io").StringIO())
    assert kept() == before


def test_any_period_reads_the_same_counts_from_month_and_day_rows(clinician, published_version):
    from datetime import date, timedelta

    from django.db.models import Sum

    from cases.dashboard import dashboard_totals
    from cases.models import Case

    start = date(2025, 12, 20)
    for n in range(12):  # cases last changed across three months
        case = make_case(clinician, subtype=["ISM", "SSM"][n % 2], symptoms=["flushing"])
        day = start + timedelta(days=9 * n)
        Case.objects.filter(pk=case.pk).update(updated_at=f"{day.isoformat()}T12:00:00Z")
    rollup_rebuild()
    days = DashboardCount.objects.filter(period="D")
    edges = [None, date(2025, 12, 1), date(2025, 12, 20), date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 31)]
    edges += [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31)]
    for date_from in edges:
        for date_to in edges:
            if date_from and date_to and date_from > date_to:
                continue
            rows = days
            if date_from:
                rows = rows.filter(day__gte=date_from)
            if date_to:
                rows = rows.filter(day__lte=date_to)
            expected = {
                (r["metric"], r["key"]): r["n"] for r in rows.values("metric", "key").annotate(n=Sum("count")) if r["n"]
            }
            got = dashboard_totals(date_from=date_from, date_to=date_to)
            assert {k: n for k, n in got.by_key.items() if n} == expected, (date_from, date_to)
            assert sum(got.by_month.values()) == expected.get(("cases", ""), 0), (date_from, date_to)


def test_every_dashboard_question_filters_as_the_reviewer_list_and_the_kept_counts_both_do():
    for question in QUESTIONS:
        for name in (*question.base, *question.extra):
            assert name in QUESTION_FILTERS, (question.key, name)
            assert name in REVIEW_CONDITIONS, (question.key, name)
