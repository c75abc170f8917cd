"""The dashboard's rollup is kept by the services as they write, and always equals a count from scratch."""

import pytest
from django.core.management import call_command

from cases.models import DashboardCount
from cases.rollup import rollup_rebuild
from cases.services import case_reassess, case_update, cases_check_guidance, feedback_record

from .factories import make_case, publish_revision

pytestmark = pytest.mark.django_db


def kept():
    return {(r.day, r.subtype, r.metric, r.key): r.count for r in DashboardCount.objects.exclude(count=0)}


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
    assert counted[(aspirin.assessments.first().created_at.date(), "ISM", "cases", "")] >= 1
    assert counted == rebuilt()


def test_reassessing_and_checking_guidance_keep_the_rollup_equal_to_a_rebuild(clinician, editor, published_version):
    cases = [make_case(clinician, subtype="ISM", symptoms=["pruritus"]) for _ in range(2)]
    make_case(clinician, subtype="SSM", symptoms=["osteoporosis"])
    version = publish_revision(user=editor, revise=lambda draft: None)
    cases_check_guidance(version=version)
    assert kept() == rebuilt()
    case_reassess(case=cases[0], user=clinician)
    assert kept() == rebuilt()


def test_the_command_rebuilds_the_rollup(clinician, published_version):
    make_case(clinician, subtype="ISM", symptoms=["flushing"])
    before = kept()
    DashboardCount.objects.all().delete()
    call_command("rebuild_dashboard", stdout=__import__("io").StringIO())
    assert kept() == before
