"""A line's card is drawn once per process and reused (case_display.card_key), and the subtype check's
answer once per facts (guidance.classification.check.classify): the page must read exactly the same."""

import dataclasses
import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from cases.display import findings_panel, recommendation_groups
from cases.templatetags.case_display import card_key
from guidance.classification import classifier_for
from guidance.classification.check import classify
from guidance.facts import validate_case

from .factories import make_case

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(client, case):
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    # Each response masks the CSRF token afresh, and the print header carries the minute: neither is a card's.
    html = CSRF.sub('name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r"<span data-printed-at>[^<]*</span>", "", html)


def _a_line(case):
    assessment = case.assessments.order_by("-created_at").first()
    return assessment, recommendation_groups(assessment.lines)[0].lines[0]


def test_the_page_reads_the_same_with_the_cards_drawn_or_reused(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing", "fracture"], venom_allergy="yes")
    client.force_login(clinician)
    fragments = caches["fragments"]
    fragments.clear()
    drawn = _page(client, case)
    kept = len(fragments._cache)  # LocMemCache's own store: how many cards (and the findings panel) were kept
    assessment, _ = _a_line(case)
    assert kept == len(assessment.lines) + 1
    assert _page(client, case) == drawn


def test_a_card_key_follows_every_field_of_the_line_and_the_version(clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    assessment, line = _a_line(case)
    version = assessment.guidance_version
    key = card_key(line, version)
    assert key and key == card_key(dataclasses.replace(line), version)
    for change in (
        {"summary": line.summary + "!"},
        {"quote": "other words"},
        {"confirm": ("something else",)},
        {"facts": {**line.facts, "nsaid_tolerance": "tolerant"}},
        {"paragraph_text": line.paragraph_text + " More."},
    ):
        assert card_key(dataclasses.replace(line, **change), version) != key, change
    other = type(version).objects.get(pk=version.pk)
    other.number += 1  # the source link names the version
    assert card_key(line, other) != key


def test_a_drafts_cards_are_drawn_each_time(clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    _, line = _a_line(case)
    draft = type(published_version)(guideline=published_version.guideline, number=99)
    assert card_key(line, draft) == ""
    assert card_key(line, None) == ""


def test_the_subtype_check_answers_the_same_facts_once(published_version):
    classifier = classifier_for()
    facts = validate_case({"subtype": "ISM", "symptoms": ["flushing"], "serum_tryptase_ng_ml": 30})
    first = classify(facts, classifier)
    assert classify(dict(facts), classifier) is first
    other = classify({**facts, "serum_tryptase_ng_ml": 10}, classifier)
    assert other is not first
    assert other == classify(validate_case({**facts, "serum_tryptase_ng_ml": 10}), classifier)


def test_a_findings_panel_key_follows_the_check(published_version):
    classifier = classifier_for()
    facts = validate_case({"subtype": "ISM", "symptoms": ["flushing"], "serum_tryptase_ng_ml": 30})
    key = findings_panel(classify(facts, classifier)).cache_key
    assert key == findings_panel(classify(dict(facts), classifier)).cache_key
    for change in ({"serum_tryptase_ng_ml": 10}, {"kit_d816v": "detected"}, {"subtype": "SSM"}):
        assert findings_panel(classify({**facts, **change}, classifier)).cache_key != key, change
