"""`python manage.py evaluate_case` as the contract describes it.

The command runs as a real subprocess against its own SQLite file, migrated
and loaded (load_guidance) once per session (a subprocess cannot see the test database). Subprocesses are
started together and judged one by one, to keep the suite fast.
"""

import importlib.util
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from guidance.models import GuidanceVersion
from guidance.publishing import draft_create
from guidance.selectors import guidance_current_invalidate
from tests.conftest import SPEC

ROOT = Path(__file__).resolve().parent.parent.parent
# The worked cases the published guidance must hold (vignettes-v2 pin version 2; vignettes-v3: version 3
# and the subtype check).
VIGNETTE_FOLDERS = ("vignettes", "vignettes-v2", "vignettes-v3")
CHECKER = SPEC / "tools" / "check_vignettes.py"
CONTRACT_KEYS = {"paragraph", "kind", "summary", "rule", "reason"}
# From guidance version 2 on, each recommendation also carries its quote and the items to confirm.
CONTRACT_KEYS_V2 = CONTRACT_KEYS | {"quote", "confirm"}
# From guidance version 3 on, each line also says what it offers, what it is about, its effect and why.
CONTRACT_KEYS_V3 = CONTRACT_KEYS_V2 | {"offers", "about", "effect", "because"}


@pytest.fixture(scope="session")
def command_env(tmp_path_factory):
    """Environment for a subprocess: its own database, migrated and the guidance loaded (v3 published)."""
    database = tmp_path_factory.mktemp("evaluate-case") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CONN_MAX_AGE": "0"}
    for command in (["migrate", "--noinput"], ["load_guidance"]):
        subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return env


def run_all(env, runs):
    """Run several `evaluate_case` invocations at once: {name: (args, stdin bytes)} -> {name: process}."""

    def run(item):
        args, stdin = item
        return subprocess.run(  # noqa: S603 - our own command, our own arguments
            [sys.executable, "manage.py", "evaluate_case", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            timeout=120,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = dict(zip(runs, pool.map(run, runs.values()), strict=True))
    return {
        name: subprocess.CompletedProcess(p.args, p.returncode, p.stdout.decode(), p.stderr.decode())
        for name, p in done.items()
    }


# ------------------------------------------------------------------ vignettes


def _vignette_files():
    return [path for folder in VIGNETTE_FOLDERS for path in sorted((SPEC / folder).glob("*.json"))]


def _vignette_params():
    return [pytest.param(path, id=path.stem) for path in _vignette_files()]


@pytest.fixture(scope="module")
def checker():
    spec = importlib.util.spec_from_file_location("check_vignettes", CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vignette_runs(command_env, tmp_path_factory):
    """Every vignette through the command, once, with the case written to a file as the checker does."""
    folder = tmp_path_factory.mktemp("vignettes")
    runs, vignettes = {}, {}
    for path in _vignette_files():
        data = json.loads(path.read_text())
        for n, vignette in enumerate(data if isinstance(data, list) else [data]):
            case_file = folder / f"{path.stem}-{n}.json"
            case_file.write_text(vignette["raw"] if "raw" in vignette else json.dumps(vignette["case"]))
            pinned = ["--guidance-version", str(vignette["guidance_version"])] if "guidance_version" in vignette else []
            runs[(path, n)] = ([str(case_file), *pinned], None)
            vignettes[(path, n)] = vignette
    done = run_all(command_env, runs)
    return {key: (vignettes[key], done[key]) for key in runs}


@pytest.mark.parametrize("path", _vignette_params())
def test_every_worked_case_holds(vignette_runs, checker, path):
    results = [result for (file, _), result in vignette_runs.items() if file == path]

    assert results, f"{path.name} holds no vignette"
    for vignette, process in results:
        assert checker.judge(vignette, process) == [], f"{vignette['name']}: {process.stderr}"


# ------------------------------------------------------------- the command

GOOD_CASE = {"subtype": "ISM", "symptoms": ["flushing"], "antihistamine_response": "unresponsive"}

BAD_INPUT = {
    "unknown-subtype": ('{"subtype": "XYZ"}', "subtype"),
    "unknown-symptom": ('{"subtype": "ISM", "symptoms": ["sneezing"]}', "symptoms"),
    "tryptase-as-text": ('{"subtype": "ISM", "serum_tryptase_ng_ml": "high"}', "serum_tryptase_ng_ml"),
    "tryptase-nan": ('{"subtype": "ISM", "serum_tryptase_ng_ml": NaN}', "serum_tryptase_ng_ml"),
    "tryptase-huge": ('{"subtype": "ISM", "serum_tryptase_ng_ml": 1' + "0" * 400 + "}", "serum_tryptase_ng_ml"),
    "age-as-bool": ('{"subtype": "ISM", "age_years": true}', "age_years"),
    "age-out-of-range": ('{"subtype": "ISM", "age_years": 130}', "age_years"),
    "unknown-field": ('{"subtype": "ISM", "weight_kg": 70}', "weight_kg"),
    "missing-subtype": ('{"symptoms": []}', "subtype"),
    "not-json": ("{subtype: ISM}", "case"),
    "not-an-object": ('["ISM"]', "case"),
    "empty": ("", "case"),
}


@pytest.fixture(scope="module")
def runs(command_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cases")
    good = folder / "good.json"
    good.write_text(json.dumps(GOOD_CASE))
    return run_all(
        command_env,
        {
            "file": ([str(good)], None),
            "stdin": (["-"], json.dumps(GOOD_CASE).encode()),
            "missing-version": ([str(good), "--guidance-version", "7"], None),
            "not-utf8-stdin": (["-"], b"\xff\xfe{}"),
            "bad-tryptase": (["-"], b'{"subtype": "ISM", "serum_tryptase_ng_ml": 1' + b"0" * 400 + b"}"),
        },
    )


def assert_refused(process, *, naming):
    """Exit non-zero, nothing on stdout, no traceback, and a one-line error naming the field."""
    assert process.returncode != 0
    assert process.stdout == ""
    assert "Traceback" not in process.stderr
    errors = [line for line in process.stderr.splitlines() if line.startswith("CommandError: ")]
    assert len(errors) == 1, process.stderr
    assert naming in errors[0]


def test_it_prints_the_contracts_json_for_a_case_file(runs):
    process = runs["file"]

    assert process.returncode == 0, process.stderr
    output = json.loads(process.stdout)
    assert output["guidance"] == {"slug": "sm-management", "version": 3, "title": "Management of systemic mastocytosis"}
    assert all(set(item) == CONTRACT_KEYS_V3 for item in output["recommendations"])
    assert {(r["paragraph"], r["kind"]) for r in output["recommendations"]} == {
        ("flushing", "caution"),
        # From version 3 on, antihistamines that failed are not offered again (failed-is-not-started-again).
        ("antileukotrienes", "consider"),
    }


def test_it_reads_the_case_from_stdin_given_a_dash(runs):
    assert runs["stdin"].returncode == 0, runs["stdin"].stderr
    assert json.loads(runs["stdin"].stdout) == json.loads(runs["file"].stdout)


@pytest.mark.parametrize(
    ("scenario", "naming"),
    [
        ("missing-version", "--guidance-version"),
        ("not-utf8-stdin", "path"),
        ("bad-tryptase", "serum_tryptase_ng_ml"),
    ],
)
def test_it_refuses_bad_input_on_stderr_with_no_output_and_no_traceback(runs, scenario, naming):
    assert_refused(runs[scenario], naming=naming)


# ---------------------------------------------- in process, on the test database


def call(*args, stdin=None, monkeypatch=None):
    if stdin is not None:
        raw = stdin if isinstance(stdin, bytes) else stdin.encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    try:
        call_command("evaluate_case", *args, stdout=out)
    except CommandError:
        assert out.getvalue() == ""
        raise
    return json.loads(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), [(name, field) for name, (_, field) in BAD_INPUT.items()])
def test_it_refuses_bad_input_naming_the_field(monkeypatch, published_version, name, field):
    text, _ = BAD_INPUT[name]

    with pytest.raises(CommandError) as caught:
        call("-", stdin=text, monkeypatch=monkeypatch)

    message = str(caught.value)
    assert message.startswith("invalid case: ")
    assert f"{field}: " in message
    assert "\n" not in message


@pytest.mark.django_db
def test_it_refuses_a_path_it_cannot_read(tmp_path, published_version):
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"subtype": "ISM", "note": "é"}'.encode("latin-1"))

    for path in (tmp_path / "nowhere.json", tmp_path, latin1):
        with pytest.raises(CommandError, match=r"^path: "):
            call(str(path))


@pytest.mark.django_db
def test_it_reads_a_file_saved_with_a_byte_order_mark(tmp_path, published_version):
    case_file = tmp_path / "bom.json"
    case_file.write_bytes(b"\xef\xbb\xbf" + b'{"subtype": "SM-AHN"}')

    assert [r["paragraph"] for r in call(str(case_file))["recommendations"]] == ["aggressive-sm", "sm-ahn", "sm-ahn"]


@pytest.mark.django_db
def test_it_reads_the_current_published_version(monkeypatch, published_version):
    output = call("-", stdin='{"subtype": "MCL"}', monkeypatch=monkeypatch)

    assert output["guidance"]["version"] == published_version.number
    assert [r["rule"] for r in output["recommendations"]] == ["advanced-sm-goals", "mcl-no-standard-treatment"]


@pytest.mark.django_db
def test_it_evaluates_under_a_version_asked_for_by_number(tmp_path, published_version, version_one):
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(GOOD_CASE))

    assert call(str(case_file), "--guidance-version", str(published_version.number)) == call(str(case_file))
    # Version 1 is retired by version 2 and still answers exactly as it did (the subtype check,
    # which runs on every evaluation whatever the version, adds its own keys beside).
    assert version_one.status == GuidanceVersion.Status.RETIRED
    output = call(str(case_file), "--guidance-version", "1")
    assert output.pop("classification")["system"] == "WHO 2022"
    assert output.pop("notices") == []
    assert output == {
        "guidance": {"slug": "sm-management", "version": 1, "title": "Management of systemic mastocytosis"},
        "recommendations": [
            {
                "paragraph": "flushing",
                "kind": "caution",
                "summary": "Aspirin only if the patient is known to tolerate NSAIDs: tolerance is not established",
                "rule": "aspirin-needs-nsaid-tolerance",
                "reason": "flushing present; antihistamine_response = unresponsive; nsaid_tolerance = unknown",
            },
            {
                "paragraph": "antihistamines",
                "kind": "recommend",
                "summary": "H1 antihistamine for flushing and itching",
                "rule": "h1-for-cutaneous-symptoms",
                "reason": "flushing present",
            },
            {
                "paragraph": "antileukotrienes",
                "kind": "consider",
                "summary": "Antileukotriene for flushing, itching or cramping unresponsive to H1 and H2 antihistamines",
                "rule": "antileukotriene-after-antihistamines",
                "reason": "flushing present; antihistamine_response = unresponsive",
            },
        ],
    }


@pytest.mark.django_db
def test_it_says_so_when_no_version_is_published(monkeypatch, published_version):
    # By hand, as no service retires the only version; so the cache is told as publishing tells it.
    GuidanceVersion.objects.filter(pk=published_version.pk).update(status=GuidanceVersion.Status.RETIRED)
    guidance_current_invalidate()

    with pytest.raises(CommandError, match=r"^guidance: no published guidance version"):
        call("-", stdin='{"subtype": "MCL"}', monkeypatch=monkeypatch)


@pytest.mark.django_db
def test_it_does_not_evaluate_under_a_draft(monkeypatch, published_version, editor):
    draft = draft_create(guideline=published_version.guideline, user=editor)

    with pytest.raises(CommandError, match="--guidance-version"):
        call("-", "--guidance-version", str(draft.number), stdin='{"subtype": "MCL"}', monkeypatch=monkeypatch)


def test_it_says_how_to_set_up_a_database_that_was_never_migrated(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "CONN_MAX_AGE": "0"}
    process = subprocess.run(
        [sys.executable, "manage.py", "evaluate_case", "-"],
        cwd=ROOT,
        env=env,
        input='{"subtype": "ISM"}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert_refused(process, naming="manage.py migrate")
