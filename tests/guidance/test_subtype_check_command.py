"""`evaluate_case` carries the subtype check: the worked cases 36-38 of ../shared/vignettes-v3.

The vignette tool also reads the version-3 line fields (offers) that the guidance-version-3 branch
adds; here only what the subtype check owns is judged: `classification` and the `subtype-check` notice.
"""

import io
import json

import pytest
from django.core.management import call_command

from tests.conftest import SPEC

CLASSIFICATION_KEYS = ("supports", "possible_includes", "possible_excludes", "c_findings", "b_findings")
VIGNETTES = [
    p
    for p in sorted((SPEC / "vignettes-v3").glob("*.json"))
    if any(key in json.loads(p.read_text())["expect"] for key in CLASSIFICATION_KEYS)
]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not VIGNETTES, reason="no subtype-check worked cases in tests/spec/vignettes-v3"),
]


def evaluate(case, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    out = io.StringIO()
    call_command("evaluate_case", str(path), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_the_subtype_check_answers_the_worked_case(published_version, path, tmp_path):
    vignette = json.loads(path.read_text())
    expect = vignette["expect"]

    output = evaluate(vignette["case"], tmp_path)

    check = output["classification"]
    notices = {n["id"] for n in output["notices"]}
    if "supports" in expect:
        assert check["supports"] == expect["supports"]
    assert set(expect.get("possible_includes", [])) <= set(check["possible"])
    assert not set(expect.get("possible_excludes", [])) & set(check["possible"])
    assert set(expect.get("c_findings", [])) <= set(check["c_findings"])
    assert set(expect.get("b_findings", [])) <= set(check["b_findings"])
    assert set(expect.get("notices", [])) & {"subtype-check"} <= notices
    assert not set(expect.get("no_notices", [])) & notices


def test_every_evaluation_carries_the_classification_with_the_contracts_keys(published_version, tmp_path):
    output = evaluate({"subtype": "ISM"}, tmp_path)

    assert list(output["classification"]) == [
        "system",
        "sm_criteria_met",
        "major",
        "minor",
        "b_findings",
        "c_findings",
        "possible",
        "supports",
        "undecided_by",
        "agrees_with_recorded",
    ]
    assert output["classification"]["system"] == "WHO 2022"
    assert output["notices"] == []


def test_a_stale_ism_gets_the_notice_naming_the_finding(published_version, tmp_path):
    output = evaluate(
        {"subtype": "ISM", "bm_mc_aggregates": "yes", "kit_d816v": "positive", "platelets_10e9_l": 62}, tmp_path
    )

    notice = next(n for n in output["notices"] if n["id"] == "subtype-check")
    assert "Platelets 62 \u00d7 10\u2079/L is a C-finding" in notice["text"]
    assert output["classification"]["agrees_with_recorded"] is False
