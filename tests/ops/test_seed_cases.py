"""seed_cases: synthetic cases whose assessments are what the pages would have stored."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases import snapshot
from cases.models import Assessment, Case
from cases.services import case_evaluate
from guidance.facts import facts_to_json


def seed(count, **options):
    out = StringIO()
    call_command("seed_cases", count=count, seed=7, no_progress=True, stdout=out, **options)
    return out.getvalue()


def as_stored(value):
    return json.loads(json.dumps(value))


def test_it_refuses_outside_development_and_bench(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=true"):
        seed(5)
    assert Case.objects.count() == 0


def test_its_assessments_hold_what_the_engine_says_for_the_case(settings, published_version):
    settings.DEBUG = True

    output = seed(40, clinicians=5, batch_size=15)

    assert "Added 40 cases" in output
    cases = list(Case.objects.all())
    assert len(cases) == 40
    for case in cases:
        history = list(Assessment.objects.filter(case=case).order_by("created_at", "pk"))
        latest = history[-1]
        assert 1 <= len(history) <= 3
        assert latest.guidance_version == published_version
        assert latest.facts == facts_to_json(case.facts)
        expected = snapshot.to_dict(case_evaluate(facts=case.facts, version=published_version))
        assert latest.recommendations == as_stored(expected)
        assert history[0].created_at == case.created_at
        assert latest.created_at == case.updated_at
        assert case.lock_version == len(history) - 1


def test_it_spreads_cases_over_clinicians_subtypes_and_dates(settings, published_version):
    settings.DEBUG = True

    seed(300, clinicians=20)

    owners = Case.objects.values("created_by").distinct().count()
    assert 5 < owners <= 20
    assert Case.objects.values("subtype").distinct().count() >= 4
    assert Case.objects.filter(subtype="ISM").count() > Case.objects.filter(subtype="ASM").count()
    assert Case.objects.values("updated_at").distinct().count() > 250
    assert Case.objects.exclude(symptoms=[]).exists()
    assert Case.objects.filter(created_by__username__startswith="seed-clinician-").count() == 300


def test_it_adds_to_what_is_there_and_reuses_its_clinicians(settings, published_version, django_user_model):
    settings.DEBUG = True

    seed(10, clinicians=3)
    seed(10, clinicians=3)

    assert Case.objects.count() == 20
    assert django_user_model.objects.filter(username__startswith="seed-clinician-").count() == 3
