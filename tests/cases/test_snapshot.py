"""The stored assessment format: every format ever written reads back exactly as it was shown."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.urls import reverse

from cases import snapshot
from cases.models import Assessment, Case
from cases.services import case_evaluate

from .factories import make_case

FORMAT_1 = json.loads((Path(__file__).resolve().parent.parent / "data" / "assessment-format-1.json").read_text())


def test_a_format_1_assessment_reads_back_as_it_was_stored_with_no_quote_or_confirm_invented():
    lines = snapshot.from_dict(FORMAT_1["recommendations"])
    assert len(lines) == len(FORMAT_1["recommendations"]) == 10
    for line, stored in zip(lines, FORMAT_1["recommendations"], strict=True):
        for name, value in stored.items():
            assert getattr(line, name) == value
        # Not blank: absent, because format 1 never showed them.
        assert line.quote is None
        assert line.confirm is None
    # The v1 contradiction stays on record exactly as shown.
    rules = [line.rule for line in lines]
    assert "cytoreduction-only-when-options-exhausted" in rules and "second-line-after-omalizumab" in rules


@pytest.fixture
def version_two(db):
    """Guidance version 2, retired by version 3: its lines were stored in format 2."""
    from guidance.selectors import guidance_version_by_number

    return guidance_version_by_number(number=2)


def _facts(**given):
    from guidance.facts import validate_case

    return validate_case(
        {"subtype": "ISM", "symptoms": ["flushing"], "antihistamine_response": "unresponsive", **given}
    )


@pytest.mark.django_db
def test_format_4_round_trips_with_quote_confirm_offers_about_and_because(published_version):
    lines = case_evaluate(facts=_facts(nsaid_tolerance="tolerant", venom_allergy="yes"), version=published_version)
    stored = snapshot.to_dict(lines)
    assert stored["format"] == snapshot.FORMAT == 4
    assert json.loads(json.dumps(stored)) == stored  # plain JSON
    assert snapshot.from_dict(stored) == lines
    aspirin = next(line for line in lines if line.rule == "aspirin-for-refractory-flushing")
    assert aspirin.confirm == ("prominent flushing",)
    assert aspirin.quote == "aspirin may be helpful, provided the patient is known to tolerate NSAIDs"
    assert aspirin.offers == (("aspirin", "start"),)
    stored_aspirin = next(item for item in stored["lines"] if item["rule"] == "aspirin-for-refractory-flushing")
    assert stored_aspirin["offers"] == [{"intervention": "aspirin", "intent": "start"}]
    epinephrine = next(line for line in lines if line.rule == "epinephrine-for-venom-allergy")
    assert (epinephrine.about, epinephrine.effect) == (("epinephrine-autoinjector",), "ensure")
    # `because` is stored as the contract writes it, a list fact's value a list; read back, a tuple.
    assert stored_aspirin["because"] == [
        {"fact": "symptoms", "value": ["flushing"]},
        {"fact": "antihistamine_response", "value": "unresponsive"},
        {"fact": "nsaid_tolerance", "value": "tolerant"},
    ]
    assert aspirin.because[0] == ("symptoms", ("flushing",))


def stored_as(format_, fields, lines):
    """`lines` as a snapshot of an older format stored them (only its fields), read back through JSON."""
    stored = {
        "format": format_,
        "lines": [
            {name: value for name, value in line.items() if name in fields} for line in snapshot.to_dict(lines)["lines"]
        ],
    }
    return snapshot.from_dict(json.loads(json.dumps(stored)))


@pytest.mark.django_db
def test_format_3_reads_back_with_no_because_invented(published_version):
    lines = case_evaluate(facts=_facts(venom_allergy="yes"), version=published_version)
    read = stored_as(3, snapshot.FORMAT_3_FIELDS, lines)
    assert read == [replace(line, because=None) for line in lines]
    assert all(line.because_to_derive for line in read)


@pytest.mark.django_db
def test_format_2_reads_back_with_quote_and_confirm_and_nothing_offered_invented(version_two):
    lines = case_evaluate(facts=_facts(nsaid_tolerance="tolerant"), version=version_two)
    read = stored_as(2, snapshot.FORMAT_2_FIELDS, lines)
    assert read == [replace(line, because=None) for line in lines]
    assert all(line.offers == () and line.about == () and line.effect == "" for line in read)
    aspirin = next(line for line in read if line.rule == "aspirin-for-refractory-flushing")
    assert aspirin.confirm == ("prominent flushing",)
    assert aspirin.quote == "aspirin may be helpful, provided the patient is known to tolerate NSAIDs"


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ([{**FORMAT_1["recommendations"][0], "sumary": "x"}], "unknown sumary"),
        ([{k: v for k, v in FORMAT_1["recommendations"][0].items() if k != "summary"}], "missing summary"),
        ({"format": 2, "lines": [FORMAT_1["recommendations"][0]]}, "missing quote, confirm"),
        ({"format": 5, "lines": []}, "unknown format 5"),
        (
            {"format": 3, "lines": [{**FORMAT_1["recommendations"][0], "quote": "", "confirm": []}]},
            "missing offers, about, effect",
        ),
        (
            {
                "format": 4,
                "lines": [
                    {
                        **FORMAT_1["recommendations"][0],
                        "quote": "",
                        "confirm": [],
                        "offers": [],
                        "about": [],
                        "effect": "",
                    }
                ],
            },
            "missing because",
        ),
        ({"lines": []}, "neither a list"),
        ({"format": 2, "lines": [], "extra": 1}, "exactly 'format' and 'lines'"),
        (["not a line"], "not an object"),
    ],
)
def test_a_renamed_or_missing_field_fails_loudly(stored, message):
    with pytest.raises(snapshot.SnapshotFormatError, match=message):
        snapshot.from_dict(stored)


@pytest.mark.django_db
def test_an_old_assessment_shows_on_its_page_exactly_as_it_was_stored(
    client, clinician, published_version, version_one
):
    case = make_case(clinician, subtype="SSM")
    old = Assessment.objects.create(
        case=case,
        guidance_version=version_one,
        facts=FORMAT_1["facts"],
        recommendations=FORMAT_1["recommendations"],
        created_by=clinician,
    )
    client.force_login(clinician)
    response = client.get(reverse("cases:assessment", args=[case.pk, old.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    for stored in FORMAT_1["recommendations"]:
        assert f'data-rule="{stored["rule"]}"' in html
        assert stored["summary"] in html
        assert stored["reason"].replace("'", "&#x27;") in html
    assert "Check before acting" not in html
    assert "The source&rsquo;s words this line rests on" not in html
    assert 'href="/guidance/v/1/#flushing"' in html  # v1 lines still link to their paragraph
    # Stored when venom allergy was a tick box (false): read as the "no" it meant, not refused.
    assert FORMAT_1["facts"]["venom_allergy"] is False
    assert '<span class="fw-semibold">Venom allergy:</span> no</span>' in html
    assert Case.objects.get(pk=case.pk).assessments.count() == 2
