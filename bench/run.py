"""`make bench`: engine speed, page server times and gunicorn under load, as one table.

    .venv/bin/python bench/run.py            # 10k and 1M cases, 30 s of load per page (about 30 min)
    .venv/bin/python bench/run.py --quick    # 1k and 10k cases, 5 s of load per page: a smoke run
    .venv/bin/python bench/run.py --profile trivial   # where one page's time and queries go
    .venv/bin/python bench/run.py --smoke    # every section at tiny sizes, in seconds: CI runs it

See bench/README.md.

Prints a Markdown table and writes it to bench/results/<date>-<host>.md. With
--profile it measures no table: it runs one page (a name from the table, or a
part of one) under cProfile at the first level and writes
bench/results/profiles/<page>.prof (for pstats or snakeviz) and <page>.txt (the
heaviest functions and the SQL of one request). The
database is bench/bench.sqlite3, rebuilt each run, or BENCH_DATABASE_URL (a
PostgreSQL database whose name contains "bench"; it is dropped and created
again). With --postgres URL (or BENCH_POSTGRES_URL) the load section runs on
that PostgreSQL database too, seeded to the same level, so one table has both.
The load section's gunicorn runs as `make serve` does: mastoweb.production,
mastoweb/gunicorn.conf.py, static files collected. Every step is bounded in time; the only server is on 127.0.0.1.
"""

import argparse
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from random import Random
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
SQLITE_FILE = BASE_DIR / "bench" / "bench.sqlite3"
VENV_BIN = Path(sys.executable).parent

ENGINE_TARGET = 50_000  # cases/s
STREAM_CASES = 100_000  # the realistic stream through the evaluation cache
PAGE_TARGET = 3.0  # x the trivial view
GROWTH_TARGET = 1.5  # reviewer list at the largest level ÷ at the smallest
IMPACT_TARGET_S = 60.0  # a draft's impact on 1,000,000 stored cases, on PostgreSQL
TRIVIAL_TARGET = 3.0  # x the bare HttpResponse
TRIVIAL_QUERIES = 3  # session, user, the current guidance version's token
# --smoke: every section, sizes small enough for seconds (CI runs it so a crash in the bench fails the build).
SMOKE = {"levels": (30, 60), "requests": 3, "load_seconds": 1, "engine_cases": 200, "stream_cases": 2000}
# Under load on PostgreSQL, as a share of /healthz's requests per second.
LOAD_TARGETS = {"trivial view (baseline)": 0.70, "management page": 0.50}


# ---------------------------------------------------------------- set-up


def fresh_database(*, keep):
    """The bench database, emptied unless `keep` (a PostgreSQL one is created if missing)."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url or url.startswith("sqlite:"):
        if not keep:
            file = url.removeprefix("sqlite:///") if url else SQLITE_FILE
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{file}{suffix}").unlink(missing_ok=True)
        return
    import dj_database_url

    from bench.postgres import postgres_admin_connect

    name = dj_database_url.parse(url)["NAME"]
    if "bench" not in name:
        sys.exit(f"BENCH_DATABASE_URL names database {name!r}; the bench drops it, so its name must contain 'bench'.")
    with postgres_admin_connect(url) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and keep:
            return
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(*, keep_db):
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # One key for this process, which signs the session cookies, and the gunicorn it starts.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    fresh_database(keep=keep_db)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_guidance", verbosity=0)


def machine():
    from django import get_version
    from django.db import connection

    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    if connection.vendor == "sqlite":
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        database = f"{connection.display_name} {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": get_version(),
        "database": database,
        "code": code_version(),
    }


def code_version():
    """The commit measured, and whether the work tree differed from it."""
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"

    def run(*args):
        return subprocess.run(  # noqa: S603
            [git, *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = run("rev-parse", "--short", "HEAD")
        changed = run("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")


def load_average():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# ---------------------------------------------------------------- (a) engine


@dataclass
class EngineResult:
    cases: int
    passes: list  # cases/s of each timed pass
    context_us: float
    execute_us: float
    string_us: float
    with_validation: float  # cases/s, validate_case + evaluate
    rules: int
    recommendations: float  # per case
    realistic: float = 0.0  # cases/s through the cache, a stream drawn like seed_cases, cold start
    realistic_hits: float = 0.0  # share of whole-case cache hits in that stream
    worst: float = 0.0  # cases/s through the cache when every case is distinct
    stream_cases: int = STREAM_CASES

    @property
    def rate(self):
        return statistics.median(self.passes)


def _timed(function, items):
    started = time.perf_counter()
    for item in items:
        function(item)
    return time.perf_counter() - started


def bench_engine(*, cases, passes, stream_cases=STREAM_CASES, seed=1):
    import cel

    from cases.management.commands.seed_cases import random_case_facts
    from guidance import engine
    from guidance.evaluation import EVALUATION_CACHE_SIZE, guidance_compiled
    from guidance.facts import validate_case
    from guidance.selectors import guidance_current

    rng = Random(seed)
    raw = [random_case_facts(rng) for _ in range(cases)]
    facts = [validate_case(item) for item in raw]
    version = guidance_current()
    # The engine itself: no evaluation cache, so each pass does all the work.
    compiled = engine.compile_guidance(slug="bench", version=version.number, title="", rules=version.rule_specs())
    stream = [validate_case(random_case_facts(rng)) for _ in range(stream_cases)]
    cached_like_production = guidance_compiled(version)  # as the app compiles a frozen version
    key_of = cached_like_production.key_facts
    distinct = list({tuple(f[n] for n in key_of): f for f in stream}.values())

    # One core: the engine is single-threaded, and pinning keeps the scheduler from moving it.
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if cpus:
        os.sched_setaffinity(0, {min(cpus)})
    try:
        _timed(lambda f: engine.evaluate(f, compiled), facts)  # warm-up
        rates = [cases / _timed(lambda f: engine.evaluate(f, compiled), facts) for _ in range(passes)]
        context = _timed(lambda f: engine._context(f, compiled.variables), facts) / cases
        contexts = [engine._context(f, compiled.variables) for f in facts]
        execute = _timed(lambda c: [rule.program.execute(c) for rule in compiled.rules], contexts) / cases
        strings = {f"v{i}": "unresponsive" for i in range(10)}
        rounds = range(5000)
        string = (_timed(lambda _: cel.Context(strings), rounds) - _timed(lambda _: cel.Context({}), rounds)) / (
            len(rounds) * len(strings)
        )
        validated = cases / _timed(lambda r: engine.evaluate(validate_case(r), compiled), raw)
        # Through the per-version cache, each from cold: a realistic stream, then every case distinct.
        size = EVALUATION_CACHE_SIZE
        realistic_guidance = engine.compile_guidance(
            slug="bench", version=version.number, title="", rules=version.rule_specs(), cache_size=size
        )
        realistic = len(stream) / _timed(lambda f: engine.evaluate(f, realistic_guidance), stream)
        hits = realistic_guidance.cache.hits / len(stream)
        worst_guidance = engine.compile_guidance(
            slug="bench", version=version.number, title="", rules=version.rule_specs(), cache_size=size
        )
        worst = len(distinct) / _timed(lambda f: engine.evaluate(f, worst_guidance), distinct)
    finally:
        if cpus:
            os.sched_setaffinity(0, cpus)
    fired = sum(len(engine.evaluate(f, compiled)) for f in facts)
    return EngineResult(
        cases=cases,
        passes=rates,
        context_us=context * 1e6,
        execute_us=execute * 1e6,
        string_us=string * 1e6,
        with_validation=validated,
        rules=len(compiled.rules),
        recommendations=fired / cases,
        realistic=realistic,
        realistic_hits=hits,
        worst=worst,
        stream_cases=stream_cases,
    )


# ---------------------------------------------------------------- (a2) safety properties

PROOF_TARGET_S = 2.0


@dataclass
class ProofResult:
    version: int
    rows: list  # (property id, cases, median ms)
    total_s: float  # median of the repeated whole checks
    repeats: int = 5
    jsonl_cases: int = 0  # evaluate_case --jsonl: cases in the batch
    jsonl_rate: float = 0.0  # ... and cases a second, one process, output written

    @property
    def met(self):
        return self.total_s <= PROOF_TARGET_S


def bench_properties(*, repeats=5):
    """The published version's safety proofs, as publishing runs them (compile + exhaustive proof)."""
    from guidance.publishing import guidance_prove
    from guidance.selectors import guidance_current

    version = guidance_current()
    totals, per_property = [], {}
    for _ in range(repeats):
        started = time.perf_counter()
        proofs = guidance_prove(version=version)
        totals.append(time.perf_counter() - started)
        for proof in proofs:
            assert proof.holds, f"{proof.property_id} fails on the published version"
            per_property.setdefault(proof.property_id, (proof.cases, []))[1].append(proof.seconds * 1000)
    rows = [(pid, cases, statistics.median(ms)) for pid, (cases, ms) in per_property.items()]
    jsonl_cases, jsonl_rate = bench_jsonl(cases=500 if repeats == 1 else 20_000)
    return ProofResult(
        version=version.number,
        rows=rows,
        total_s=statistics.median(totals),
        repeats=repeats,
        jsonl_cases=jsonl_cases,
        jsonl_rate=jsonl_rate,
    )


def bench_jsonl(*, cases, seed=7):
    """evaluate_case --jsonl on generated cases in one process: (cases, cases a second)."""
    import io
    import tempfile

    from django.core.management import call_command

    from cases.management.commands.seed_cases import random_case_facts

    rng = Random(seed)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for _ in range(cases):
            fh.write(json.dumps(random_case_facts(rng)) + "\n")
    out = io.StringIO()
    started = time.perf_counter()
    call_command("evaluate_case", fh.name, "--jsonl", stdout=out)
    seconds = time.perf_counter() - started
    os.unlink(fh.name)
    answered = out.getvalue().count("\n")
    assert answered == cases, f"evaluate_case --jsonl answered {answered} of {cases} lines"
    return cases, cases / seconds


# ---------------------------------------------------------------- (d) impact of a draft


@dataclass
class ImpactResult:
    cases: int
    combinations: int
    changed: int
    group_s: float  # grouping the cases in SQL (impact_start)
    evaluate_s: float  # every chunk, one after another, as one worker runs them
    per_case_us: float  # evaluating one case under both versions, no grouping: the work grouping saves
    mark_s: float = 0.0  # marking every case after the draft is published (cases.marking), one worker
    marked: int = 0
    mark_changed: int = 0
    mark_parts: dict = field(default_factory=dict)  # seconds reading, comparing, writing

    @property
    def total_s(self):
        return self.group_s + self.evaluate_s


def bench_impact():
    """The impact of a draft on every stored case, as the background job computes it, in this process.

    The draft narrows one rule (calcium and vitamin D only after a fracture);
    it is deleted afterwards. Chunks run one after another, as one worker runs them.
    Then the marking a publication starts (cases.marking) runs with the draft in
    the place of the new version, in one transaction rolled back afterwards (the
    marking's own transaction a savepoint there, not a commit), so nothing it writes stays.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from cases import impact, marking
    from cases.models import Case
    from guidance import engine
    from guidance.evaluation import guidance_compiled
    from guidance.models import GuidanceVersion, Rule
    from guidance.publishing import draft_create
    from guidance.selectors import guidance_current

    current = guidance_current()
    GuidanceVersion.objects.filter(guideline=current.guideline, status=GuidanceVersion.Status.DRAFT).delete()
    user, _ = get_user_model().objects.get_or_create(username="bench-editor")
    draft = draft_create(guideline=current.guideline, user=user)
    Rule.objects.filter(version=draft, rule_id="calcium-and-vitamin-d").update(condition='"fracture" in symptoms')
    try:
        started = time.perf_counter()
        with transaction.atomic():
            run = impact.impact_start(version=draft, user=user)
        group_s = time.perf_counter() - started
        started = time.perf_counter()
        while impact.impact_work(run.pk):
            pass
        evaluate_s = time.perf_counter() - started
        run.refresh_from_db()
        sample = [case.facts for case in Case.objects.order_by("pk")[:2000]]
        old, new = guidance_compiled(current), guidance_compiled(draft)
        started = time.perf_counter()
        for facts in sample:
            engine.evaluate(facts, old)
            engine.evaluate(facts, new)
        per_case_us = (time.perf_counter() - started) / max(len(sample), 1) * 1e6
        with transaction.atomic():
            started = time.perf_counter()
            comparison = marking.Comparison(draft)
            marked, mark_changed = marking.cases_mark(version=draft, comparison=comparison)
            mark_s = time.perf_counter() - started
            transaction.set_rollback(True)
        return ImpactResult(
            cases=run.cases_total,
            combinations=len(run.groups),
            changed=run.cases_changed,
            group_s=group_s,
            evaluate_s=evaluate_s,
            per_case_us=per_case_us,
            mark_s=mark_s,
            marked=marked,
            mark_changed=mark_changed,
            mark_parts=dict(comparison.seconds),
        )
    finally:
        draft.delete()


# ---------------------------------------------------------------- (b) pages


@dataclass
class Page:
    name: str
    path: object  # callable(people) -> URL path, or None when the page does not exist yet
    user: str | None = "clinician"  # whose session: "clinician", "reviewer" or None
    method: str = "get"
    htmx: bool = False
    data: object = None  # callable(people) -> POST data
    baseline: bool = False
    grows: bool = False  # may cost more with more cases
    load: bool = True  # included in the load test
    note: str = ""
    headers: object = None  # callable() -> headers of each request (a fresh CDS Hooks token)
    # Held to the page target: None, every signed-in page but the baseline; True or False, as said
    # (a CDS Hooks call is judged though no one is logged in; the bare response is never).
    judged: bool | None = None


@dataclass
class People:
    clinician: object
    reviewer: object
    case_id: object
    clinician_cases: int


PREVIEW_FORM = {
    "label": "ISM clinic 14",
    "subtype": "ISM",
    "age_years": "47",
    "symptoms": ["flushing", "pruritus", "diarrhea"],
    "antihistamine_response": "unresponsive",
    "antileukotriene_response": "not_tried",
    "omalizumab_response": "not_tried",
    "nsaid_tolerance": "unknown",
    "serum_tryptase_ng_ml": "32.5",
    "kit_d816v": "positive",
    "hct_eligible": "unknown",
    "notes": "",
}


def _reverse(name, **kwargs):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


BARE = "bare HttpResponse (no session)"
SIGNED_IN_BARE = "bare HttpResponse, signed in"
PAGES = [
    Page(BARE, lambda p: "/bench/hello/", user=None, load=False),
    # The floor of any signed-in page: the session and the user, read by the middleware; no template.
    Page(SIGNED_IN_BARE, lambda p: "/bench/hello/", load=False, judged=False),
    Page("trivial view (baseline)", lambda p: "/bench/trivial/", baseline=True),
    Page("/healthz", lambda p: "/healthz", user=None),
    Page("guidance page", lambda p: _reverse("guidance:current")),
    Page(
        "htmx preview",
        lambda p: _reverse("cases:preview"),
        method="post",
        htmx=True,
        data=lambda p: PREVIEW_FORM,
        load=False,  # a POST with a CSRF token: not a wrk target
    ),
    Page("management page", lambda p: _reverse("cases:detail", case_id=p.case_id), grows=True),
    Page("case list (busiest clinician)", lambda p: _reverse("cases:list"), grows=True),
    # TODO(issue 4): the reviewer list is not built yet. When it is, put its URL
    # name here; the row, its load test and the 1M ÷ 10k target follow.
    Page("reviewer list", lambda p: _reverse("cases:review"), user="reviewer", grows=True),
    Page(
        "CDS Hooks patient-view call",
        lambda p: _cds_client_registered() and _reverse("interop:cds_service"),
        user=None,  # an EHR: a signed token, no session
        method="post",
        data=lambda p: CDS_REQUEST,
        headers=lambda: {"Authorization": f"Bearer {_cds_token()}"},
        load=False,  # each call needs a new token: not a wrk target
        judged=True,
    ),
    Page("reviewer dashboard", lambda p: _reverse("cases:dashboard"), user="reviewer", grows=True),
]


# ---------------------------------------------------------------- CDS Hooks call

CDS_ISSUER = "https://bench-ehr.example/"
_cds_key = []


def _cds_private_key():
    if not _cds_key:
        from cryptography.hazmat.primitives.asymmetric import ec

        _cds_key.append(ec.generate_private_key(ec.SECP384R1()))
    return _cds_key[0]


def _cds_client_registered():
    """The bench EHR, registered with the public half of a key made for this run."""
    import json

    import jwt

    from interop.models import CdsClient

    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(_cds_private_key().public_key())) | {"kid": "bench"}
    CdsClient.objects.update_or_create(issuer=CDS_ISSUER, defaults={"name": "Bench EHR", "jwks": {"keys": [jwk]}})
    return True


def _cds_token():
    import uuid

    import jwt
    from django.conf import settings

    now = int(time.time())
    claims = {
        "iss": CDS_ISSUER,
        "aud": settings.PUBLIC_BASE_URL + _reverse("interop:cds_service"),
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, _cds_private_key(), algorithm="ES384", headers={"kid": "bench"})


def _coded(system, code):
    return {"coding": [{"system": system, "code": code}]}


def _entry(resource_type, code, **fields):
    return {
        "resource": {"resourceType": resource_type, "subject": {"reference": "Patient/bench"}, "code": code, **fields}
    }


# ASM with anaphylaxis, refractory flushing and malabsorption, tryptase and a KIT result: cautions and others.
_LOCAL = "urn:mastoweb:sm-case-facts"
_LOINC = "http://loinc.org"
CDS_REQUEST = {
    "hook": "patient-view",
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "context": {"userId": "Practitioner/example", "patientId": "bench"},
    "prefetch": {
        "patient": {"resourceType": "Patient", "id": "bench", "birthDate": "1970-05-01"},
        "conditions": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                _entry("Condition", _coded("http://hl7.org/fhir/sid/icd-10-cm", "C96.21")),
                *(_entry("Condition", _coded(_LOCAL, f"symptom-{s}")) for s in ("flushing", "recurrent_anaphylaxis")),
                _entry("Condition", _coded("http://snomed.info/sct", "62315008")),
            ],
        },
        "tryptase": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                _entry(
                    "Observation",
                    _coded(_LOINC, "21582-2"),
                    status="final",
                    valueQuantity={
                        "value": 85,
                        "unit": "ng/mL",
                        "system": "http://unitsofmeasure.org",
                        "code": "ng/mL",
                    },
                )
            ],
        },
        "kitVariant": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                _entry(
                    "Observation",
                    _coded(_LOINC, "69548-6"),
                    status="final",
                    valueCodeableConcept=_coded(_LOINC, "LA9633-4"),
                    component=[
                        {
                            "code": _coded(_LOINC, "48018-6"),
                            "valueCodeableConcept": _coded("http://www.genenames.org/geneId", "HGNC:6342"),
                        },
                        {
                            "code": _coded(_LOINC, "48005-3"),
                            "valueCodeableConcept": _coded("http://varnomen.hgvs.org", "p.Asp816Val"),
                        },
                    ],
                )
            ],
        },
        "caseFacts": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                _entry(
                    "Observation",
                    _coded(_LOCAL, "antihistamine-response"),
                    status="final",
                    valueCodeableConcept=_coded(_LOCAL, "unresponsive"),
                )
            ],
        },
    },
}


@dataclass
class PageResult:
    page: Page
    cases: int
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    status: int | None = None
    missing: str = ""
    cpu_ms: float | None = (
        None  # median CPU time of this process per request: what other processes' load inflates least
    )


def seed_to(level, *, seed, copy_above=None):
    """Seed the bench database up to `level` cases.

    With `copy_above`, seed_cases makes only that many; the rest are copies of
    them made in SQL (PostgreSQL or SQLite), with new ids, owners and dates kept:
    as varied as seed_cases' own (it draws every case from 20,000 synthetic
    patients), in a fraction of the time.
    """
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case

    have = Case.objects.count()
    if level > have:
        made = level if not copy_above else min(level, copy_above)
        if made > have:
            # Clinicians grow with the case count: about 500 cases each on average.
            call_command("seed_cases", count=made - have, clinicians=max(20, level // 500), seed=seed)
            have = made
        if have < level:
            from cases.rollup import rollup_rebuild

            while have < level:
                have += _copy_cases(min(level - have, have))
            rollup_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _copy_cases(count):
    """Copy `count` stored cases, with their assessments and lines, under new ids (PostgreSQL or SQLite)."""
    from django.db import connection, transaction

    from cases.models import Assessment, Case, CaseLine

    def columns(model, skip):
        return [f.column for f in model._meta.concrete_fields if f.column not in skip]

    case_columns = columns(Case, {"id"})
    assessment_columns = columns(Assessment, {"id", "case_id"})
    line_columns = columns(CaseLine, {"id", "case_id"})
    started = time.perf_counter()
    # A new id as each database stores a UUID: PostgreSQL's uuid; SQLite's 32 hex digits (Django's char(32)).
    new_id = "gen_random_uuid()" if connection.vendor == "postgresql" else "lower(hex(randomblob(16)))"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            f"CREATE TEMP TABLE bench_copy AS SELECT id AS old_id, {new_id} AS new_id"  # noqa: S608 - constant
            " FROM cases_case ORDER BY random() LIMIT %s",
            [count],
        )
        for table, names in (
            (Case._meta.db_table, case_columns),
            (Assessment._meta.db_table, assessment_columns),
            (CaseLine._meta.db_table, line_columns),
        ):
            key = "id" if table == Case._meta.db_table else "case_id"
            listed = ", ".join(f'"{name}"' for name in names)
            picked = ", ".join(f't."{name}"' for name in names)
            cursor.execute(
                f'INSERT INTO "{table}" ("{key}", {listed}) SELECT c.new_id, {picked}'  # noqa: S608 - model names
                f' FROM "{table}" t JOIN bench_copy c ON t."{key}" = c.old_id'
            )
        cursor.execute("DROP TABLE bench_copy")
    print(f"   copied {count:,} cases in SQL in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return count


def people():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import REVIEWER
    from cases.management.commands.seed_cases import SEED_USER_PREFIX
    from cases.models import Case

    User = get_user_model()  # noqa: N806
    clinician = User.objects.get(username=f"{SEED_USER_PREFIX}0001")
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    latest = Case.objects.filter(created_by=clinician).order_by("-updated_at").values_list("pk", flat=True).first()
    return People(
        clinician=clinician,
        reviewer=reviewer,
        case_id=latest,
        clinician_cases=Case.objects.filter(created_by=clinician).count(),
    )


def _client_for(user):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _request(client, page, path, data):
    headers = {"HX-Request": "true"} if page.htmx else {}
    if page.headers:
        headers.update(page.headers())
        return client.post(path, data, content_type="application/json", headers=headers)
    if page.method == "post":
        # Encoded as a browser sends a form without files (htmx too), not as the test client's
        # default multipart body, whose parsing would be timed as part of the page.
        return client.post(path, urlencode(data, doseq=True), "application/x-www-form-urlencoded", headers=headers)
    return client.get(path, headers=headers)


def bench_pages(level, *, requests, warmup=10):
    """Median and p95 server time and query count of each page.

    Requests go round-robin, one per page per round, so every page meets the
    same machine: a burst of other work slows them all alike and the ratios to
    the trivial view stay fair.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    who = people()
    results, runs = [], []
    for page in PAGES:
        path = page.path(who)
        result = PageResult(page=page, cases=level)
        results.append(result)
        if path is None:
            result.missing = "not built yet"
            continue
        client = _client_for(getattr(who, page.user) if page.user else None)
        data = page.data(who) if page.data else None
        for _ in range(warmup):
            response = _request(client, page, path, data)
        result.status = response.status_code
        if response.status_code != 200:
            result.missing = f"answered {response.status_code}"
            continue
        with CaptureQueriesContext(connection) as captured:
            _request(client, page, path, data)
        # Read now: the next request clears the connection's query log.
        result.queries = len(captured.captured_queries)
        runs.append((result, client, page, path, data, [], []))
    for _ in range(requests):
        for _result, client, page, path, data, times, cpu in runs:
            started, cpu_started = time.perf_counter(), time.process_time()
            _request(client, page, path, data)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    for result, _client, _page, _path, _data, times, cpu in runs:
        times.sort()
        result.median_ms = statistics.median(times) * 1000
        result.p95_ms = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)] * 1000
        result.cpu_ms = statistics.median(cpu) * 1000
    return results, who


# ---------------------------------------------------------------- profile


PROFILES_DIR = RESULTS_DIR / "profiles"


def page_named(name):
    """The one page whose name contains `name` ("trivial", "management")."""
    found = [page for page in PAGES if name.lower() in page.name.lower()]
    if len(found) != 1:
        names = ", ".join(repr(page.name) for page in PAGES)
        sys.exit(f"--profile {name!r} matches {len(found)} pages; pick one of {names}.")
    return found[0]


def _short_paths(text):
    """pstats prints absolute paths; the project's and the packages' prefixes only take room."""
    import sysconfig

    for prefix in (sysconfig.get_paths()["purelib"], str(BASE_DIR)):
        text = text.replace(prefix + os.sep, "")
    return text


@dataclass
class Breakdown:
    """Where one page's requests spend their time, as means per request (means add up; medians do not)."""

    requests: int
    whole_ms: float
    sql_ms: float  # at the database driver: the round trips and the database's work
    statements: float
    template_ms: float  # rendering the response's template, its own queries included
    audit_ms: float  # writing the audit event (AuditEvent.save), its own queries included

    @property
    def rest_ms(self):
        return self.whole_ms - self.sql_ms - self.template_ms - self.audit_ms


def breakdown(client, page, path, data, *, requests):
    """Time `requests` requests to one page, split into SQL, template, audit write and the rest.

    The template's and the audit write's own SQL is counted under SQL only, so the
    four parts add up to the whole.
    """
    from django.db import connection
    from django.template.backends.django import Template

    from audit.models import AuditEvent

    spent = {"sql": 0.0, "statements": 0, "template": 0.0, "audit": 0.0}
    inside = []  # the part being timed: its SQL is taken out of it

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            spent["sql"] += elapsed
            spent["statements"] += 1
            if inside:
                spent[inside[-1]] -= elapsed

    def timing(part, function):
        def timed(*args, **kwargs):
            if inside:  # an include, or an event written while rendering: counted once, by the outer part
                return function(*args, **kwargs)
            inside.append(part)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - started
                inside.pop()

        return timed

    render, record = Template.render, AuditEvent.save
    Template.render = timing("template", render)
    AuditEvent.save = timing("audit", record)
    try:
        with connection.execute_wrapper(timed_sql):
            started = time.perf_counter()
            for _ in range(requests):
                _request(client, page, path, data)
            whole = time.perf_counter() - started
    finally:
        Template.render, AuditEvent.save = render, record
    return Breakdown(
        requests=requests,
        whole_ms=whole * 1000 / requests,
        sql_ms=spent["sql"] * 1000 / requests,
        statements=spent["statements"] / requests,
        template_ms=spent["template"] * 1000 / requests,
        audit_ms=spent["audit"] * 1000 / requests,
    )


def _breakdown_mean(found):
    total = sum(b.requests for b in found)

    def mean(name):
        return sum(getattr(b, name) * b.requests for b in found) / total

    names = ("whole_ms", "sql_ms", "statements", "template_ms", "audit_ms")
    return Breakdown(requests=total, **{name: mean(name) for name in names})


def breakdown_lines(rows):
    """A Markdown table of breakdowns: (name, Breakdown) pairs, the trivial view's first."""
    baseline = rows[0][1].whole_ms
    lines = [
        "| page | whole ms | x trivial | SQL ms (statements) | template ms | audit write ms | the rest ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, b in rows:
        lines.append(
            f"| {name} | {b.whole_ms:.2f} | {b.whole_ms / baseline:.1f}x | {b.sql_ms:.2f} ({b.statements:g})"
            f" | {b.template_ms:.2f} | {b.audit_ms:.2f} | {b.rest_ms:.2f} |"
        )
    return lines


def profile_page(page, *, requests, warmup=10):
    """cProfile of `requests` requests to one page, and the SQL of one request.

    Writes <date>-<page>.prof (pstats, snakeviz) and <date>-<page>.txt under
    bench/results/profiles/ and returns the text file's path. The median is
    measured before the profiler starts: cProfile slows Python calls, not SQL,
    so times under it overstate the Python share.
    """
    import cProfile
    import io
    import pstats

    from django.db import connection

    who = people()
    path = page.path(who)
    if path is None:
        sys.exit(f"{page.name}: not built yet")
    client = _client_for(getattr(who, page.user) if page.user else None)
    data = page.data(who) if page.data else None
    for _ in range(warmup):
        response = _request(client, page, path, data)
    if response.status_code != 200:
        sys.exit(f"{page.name} answered {response.status_code}")
    queries = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql if params is None else sql % tuple(params or ())))

    with connection.execute_wrapper(timed):
        _request(client, page, path, data)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        _request(client, page, path, data)
        times.append(time.perf_counter() - started)
    trivial = next(candidate for candidate in PAGES if candidate.baseline)
    trivial_client = _client_for(getattr(who, trivial.user) if trivial.user else None)
    for _ in range(warmup):
        _request(trivial_client, trivial, trivial.path(who), None)
    # Alternated in rounds, so that both meet the same machine.
    rounds, parts = 5, {trivial.name: [], page.name: []}
    for _ in range(rounds):
        parts[trivial.name].append(
            breakdown(trivial_client, trivial, trivial.path(who), None, requests=requests // rounds or 1)
        )
        parts[page.name].append(breakdown(client, page, path, data, requests=requests // rounds or 1))
    split = [(name, _breakdown_mean(found)) for name, found in parts.items()]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _request(client, page, path, data)
    profiler.disable()

    PROFILES_DIR.mkdir(parents=True, exist_ok=True)
    stem = PROFILES_DIR / f"{datetime.now(UTC):%Y-%m-%d}-{re.sub(r'[^a-z0-9]+', '-', page.name.lower()).strip('-')}"
    profiler.dump_stats(stem.with_suffix(".prof"))
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    report.write("Heaviest by cumulative time (the call and everything under it):\n")
    stats.sort_stats("cumulative").print_stats(45)
    report.write("Heaviest by own time:\n")
    stats.sort_stats("tottime").print_stats(30)
    m = machine()
    lines = [
        f"# Profile of {page.name}: {path}",
        "",
        f"{m['code']}; {m['database']}; Python {m['python']}, Django {m['django']}; load average {load_average()}.",
        f"Median {statistics.median(times) * 1000:.2f} ms over {requests} requests without the profiler;"
        f" {requests} more under cProfile below.",
        "",
        "## Where a request's time goes",
        "",
        f"Means per request over {requests} requests of each, alternated with the trivial view's, without the"
        " profiler. SQL is the time at the database driver (round trip and the database's work); the template's"
        " and the audit write's own SQL counts under SQL only, so the parts add up to the whole. The rest is the"
        " middleware, the session and user, the ORM building queries and reading rows, and the view's own Python."
        + (
            " On SQLite a query does much of its work as its rows are fetched, which counts under the rest."
            if connection.vendor == "sqlite"
            else ""
        ),
        "",
        *breakdown_lines(split),
        "",
        f"## {len(queries)} queries in one request",
        "",
        "Times are the database driver's execute only; building each query in the ORM is in the profile below.",
        "",
        *(f"{n}. ({seconds * 1e6:.0f} µs) {sql}" for n, (seconds, sql) in enumerate(queries, 1)),
        "",
        "## cProfile",
        "",
        _short_paths(report.getvalue()),
    ]
    stem.with_suffix(".txt").write_text("\n".join(lines))
    return stem.with_suffix(".txt")


# ---------------------------------------------------------------- (c) load


@dataclass
class LoadResult:
    page: Page
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    errors: int | None = None
    missing: str = ""


def ensure_wrk():
    if shutil.which("wrk"):
        return True
    if os.geteuid() != 0:
        return False
    print("installing wrk (Debian package)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, env=env, check=False, timeout=600, stdout=subprocess.DEVNULL)  # noqa: S603
    return bool(shutil.which("wrk"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port, path, cookie, timeout=10):
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        return connection.getresponse().status
    finally:
        connection.close()


def _wait_until_up(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if _get(port, "/healthz", None, timeout=2) == 200:
                return True
        except OSError:
            time.sleep(0.3)
    return False


_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    found = {
        "rps": re.search(r"Requests/sec:\s+([\d.]+)", output),
        "total": re.search(r"(\d+) requests in", output),
        "non2xx": re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output),
        "socket": re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output),
    }
    latency = {pct: float(value) * _UNITS[unit] for pct, value, unit in _LATENCY.findall(output)}
    errors = int(found["non2xx"].group(1)) if found["non2xx"] else 0
    if found["socket"]:
        errors += sum(int(n) for n in found["socket"].groups())
    return {
        "requests_per_s": float(found["rps"].group(1)) if found["rps"] else None,
        "requests": int(found["total"].group(1)) if found["total"] else None,
        "errors": errors,
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
    }


def _session_cookie(user):
    from django.conf import settings

    client = _client_for(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


WRK_WARMUP = 2  # seconds of load per page before the measured run


def bench_load(who, *, seconds, connections, workers=2, warmup=WRK_WARMUP):
    """gunicorn as `make serve` runs it (mastoweb.production, its config, static files collected), under wrk."""
    results = []
    pages = [page for page in PAGES if page.load]
    if not ensure_wrk():
        return [LoadResult(page=page, missing="wrk not installed (apt-get install wrk)") for page in pages]
    port = free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.production",
        SECURE_SSL_REDIRECT="false",
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        PYTHONPATH=str(BASE_DIR),
    )
    env.pop("BIND", None)
    collected = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(BASE_DIR / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if collected.returncode != 0:
        return [LoadResult(page=page, missing="collectstatic failed") for page in pages]
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn and config
        [str(VENV_BIN / "gunicorn"), "-c", str(BASE_DIR / "mastoweb" / "gunicorn.conf.py")],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if not _wait_until_up(port, server):
            return [LoadResult(page=page, missing="gunicorn did not start") for page in pages]
        cookies = {name: _session_cookie(getattr(who, name)) for name in ("clinician", "reviewer")}
        for page in pages:
            path = page.path(who)
            if path is None:
                results.append(LoadResult(page=page, missing="not built yet"))
                continue
            cookie = cookies[page.user] if page.user else None
            status = _get(port, path, cookie)
            if status != 200:
                results.append(LoadResult(page=page, missing=f"answered {status} before the run"))
                continue

            def wrk(duration, path=path, cookie=cookie):
                command = [
                    "wrk",
                    f"-t{min(2, connections)}",
                    f"-c{connections}",
                    f"-d{duration}s",
                    "--timeout",
                    "10s",
                    "--latency",
                    *(["-H", f"Cookie: {cookie}"] if cookie else []),
                    f"http://127.0.0.1:{port}{path}",
                ]
                return subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)  # noqa: S603

            wrk(warmup)  # each worker's first requests of a page compile its templates and fill its caches
            results.append(LoadResult(page=page, **parse_wrk(wrk(seconds).stdout)))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    return results


# ---------------------------------------------------------------- report


def _without_passwords(text):
    return re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:…@", text)


def _ms(value):
    return "—" if value is None else f"{value:.2f}"


def _x(value):
    return "—" if value is None else f"{value:.1f}x"


def _verdict(ok):
    return "meets" if ok else "**misses**"


@dataclass
class Report:
    started: datetime
    machine: dict
    args: argparse.Namespace
    load_before: str
    engine: EngineResult | None = None
    proofs: ProofResult | None = None
    pages: dict = field(default_factory=dict)  # level -> [PageResult]
    clinician_cases: dict = field(default_factory=dict)  # level -> n
    load: dict = field(default_factory=dict)  # database -> [LoadResult]
    load_level: int | None = None
    load_after: str = ""
    missed: list = field(default_factory=list)
    impact: dict = field(default_factory=dict)  # level -> ImpactResult

    def _judge_trivial(self, trivial, bare, level):
        ratio = trivial.median_ms / bare.median_ms
        fast, few = ratio <= TRIVIAL_TARGET, trivial.queries <= TRIVIAL_QUERIES
        if not fast:
            self.missed.append(f"trivial view at {level:,} cases: {ratio:.1f}x the bare HttpResponse")
        if not few:
            self.missed.append(f"trivial view at {level:,} cases: {trivial.queries} queries")
        return (
            f"{ratio:.1f}x bare, ≤ {TRIVIAL_TARGET:g}x: {_verdict(fast)}; ≤ {TRIVIAL_QUERIES} queries: {_verdict(few)}"
        )

    def _load_table(self, database, results):
        a = self.args
        judged = database.startswith("PostgreSQL")
        healthz = next((r.requests_per_s for r in results if r.page.name == "/healthz" and not r.missing), None)
        out = [
            f"## (c) Under load on {database}: gunicorn as `make serve` runs it (mastoweb.production), 2 sync"
            f" workers, wrk -c{a.load_connections}, {a.load_seconds} s per page, loopback, {self.load_level:,} cases",
            "",
            "Share of /healthz: requests per second as a share of /healthz's in the same run; the targets"
            " (trivial page ≥ 70%, management page ≥ 50%) are judged on PostgreSQL.",
            "",
            "| page | requests/s | share of /healthz | p50 ms | p99 ms | requests | errors | target |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in results:
            if r.missing:
                out.append(f"| {r.page.name} | {r.missing} | | | | | | |")
                continue
            share = r.requests_per_s / healthz if healthz and r.requests_per_s is not None else None
            targets = [f"0 errors: {_verdict(not r.errors)}"]
            if r.errors:
                self.missed.append(f"{r.page.name} under load on {database}: {r.errors} errors")
            wanted = LOAD_TARGETS.get(r.page.name)
            if judged and wanted is not None and share is not None:
                targets.append(f"≥ {wanted:.0%} of /healthz: {_verdict(share >= wanted)}")
                if share < wanted:
                    self.missed.append(f"{r.page.name} under load on {database}: {share:.0%} of /healthz's throughput")
            out.append(
                f"| {r.page.name} | {r.requests_per_s:,.1f} | {'—' if share is None else f'{share:.0%}'}"
                f" | {_ms(r.p50_ms)} | {_ms(r.p99_ms)} | {r.requests:,} | {r.errors} | {'; '.join(targets)} |"
            )
        out.append("")
        return out

    def _impact_table(self, *, postgres):
        out = [
            "## (d) Impact of a draft on every stored case (grouped by the facts the rules read; one worker)",
            "",
            f"Target: {1_000_000:,} cases in ≤ {IMPACT_TARGET_S:g} s on PostgreSQL."
            " Without grouping, each case would cost the per-case time below.",
            "",
            "| cases | fact combinations | cases changed | grouping s | evaluating s | total s"
            " | µs per case, ungrouped | ungrouped estimate s | target"
            " | marking after publish s (cases marked, would change; s reading / comparing / writing) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for level, r in self.impact.items():
            target = ""
            if level >= 1_000_000 and postgres:
                target = f"≤ {IMPACT_TARGET_S:g} s: {_verdict(r.total_s <= IMPACT_TARGET_S)}"
                if r.total_s > IMPACT_TARGET_S:
                    self.missed.append(f"impact at {level:,} cases: {r.total_s:.1f} s")
            elif level >= 1_000_000:
                target = "applies on PostgreSQL"
            out.append(
                f"| {r.cases:,} | {r.combinations:,} | {r.changed:,} | {r.group_s:.2f} | {r.evaluate_s:.2f}"
                f" | {r.total_s:.2f} | {r.per_case_us:.0f} | {r.per_case_us * r.cases / 1e6:.1f} | {target}"
                f" | {r.mark_s:.2f} ({r.marked:,}, {r.mark_changed:,};"
                f" {' / '.join(f'{r.mark_parts.get(part, 0):.1f}' for part in ('reading', 'comparing', 'writing'))}) |"
            )
        out.append("")
        return out

    def markdown(self):
        m = self.machine
        out = [
            f"# Mastoweb benchmark, {self.started:%Y-%m-%d %H:%M} UTC, {m['host']}",
            "",
            f"- Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, Django {m['django']}, {m['database']}.",
            f"- Code: {m['code']}.",
            f"- Load average (1/5/15 min) before: {self.load_before}; after: {self.load_after}."
            " Other work on the machine slows every figure; compare runs with similar load.",
            f"- Command: `{_without_passwords(' '.join(['bench/run.py', *sys.argv[1:]]))}`.",
            "",
        ]
        if self.engine:
            e = self.engine
            out += [
                f"## (a) Engine: the published version's rules ({e.rules}), one core, {e.cases:,} synthetic cases",
                "",
                "| measure | value | target |",
                "|---|---|---|",
                f"| **realistic**: cases/s through the per-version evaluation cache, {e.stream_cases:,} cases drawn"
                f" like seed_cases, cold start ({e.realistic_hits:.0%} whole-case hits) | {e.realistic:,.0f}"
                f" | ≥ {ENGINE_TARGET:,}: {_verdict(e.realistic >= ENGINE_TARGET)} |",
                f"| **worst case**: cases/s through the cache, every case distinct | {e.worst:,.0f} | reported |",
                f"| `engine.evaluate` without the cache, cases/s (median of {len(e.passes)} passes) | {e.rate:,.0f}"
                " | |",
                f"| … best and worst pass | {max(e.passes):,.0f} / {min(e.passes):,.0f} | |",
                f"| … µs per case | {1e6 / e.rate:.1f} | ≤ {1e6 / ENGINE_TARGET:.0f} |",
                f"| of which: building the CEL context (µs per case) | {e.context_us:.1f} | |",
                f"| of which: executing the {e.rules} programs (µs per case) | {e.execute_us:.1f} | |",
                f"| CEL cost of one string value in a context (µs) | {e.string_us:.2f} | |",
                f"| `validate_case` + `evaluate`, cases/s | {e.with_validation:,.0f} | |",
                f"| recommendations per case (mean) | {e.recommendations:.1f} | |",
                "",
            ]
        if self.proofs:
            r = self.proofs
            out += [
                f"## (a2) Safety properties of guidance v{r.version}: exhaustive proofs (median of {r.repeats} runs)",
                "",
                "| property | cases | ms |",
                "|---|---|---|",
                *(f"| `{pid}` | {cases:,} | {ms:.1f} |" for pid, cases, ms in r.rows),
                f"| **all {len(r.rows)}** | {sum(c for _, c, _ in r.rows):,} | {r.total_s * 1000:.0f}"
                f" (target ≤ {PROOF_TARGET_S * 1000:.0f}: {_verdict(r.met)}) |",
                "",
                f"`evaluate_case --jsonl`: {r.jsonl_cases:,} generated cases at {r.jsonl_rate:,.0f} cases/s"
                " (one process, output written; the contract asks for thousands a second).",
                "",
            ]
        if self.pages:
            trivial_name = next(p.name for p in PAGES if p.baseline)
            out += [
                f"## (b) Server time per page (Django test client, in-process, {self.args.requests} requests each)",
                "",
                "Ratios are to the trivial view (logged in, base template, one sentence) measured in the same run;"
                f" target: each page ≤ {PAGE_TARGET:g}x the trivial view.",
                "",
                "CPU ms is this process's CPU time per request (the server's own work, which other processes'"
                " load inflates least; the database's work on PostgreSQL is outside it): on a busy machine its"
                " ratio is the steadier figure.",
                "",
                "| page | cases | median ms | p95 ms | queries | median x trivial | p95 x trivial"
                " | queries x trivial | CPU ms | CPU x trivial | target |",
                "|---|---|---|---|---|---|---|---|---|---|---|",
            ]
            for level, results in self.pages.items():
                trivial = next(r for r in results if r.page.name == trivial_name)
                bare = next((r for r in results if r.page.name == BARE and not r.missing), None)
                for r in results:
                    if r.missing:
                        out.append(f"| {r.page.name} | {level:,} | {r.missing} | | | | | | | | |")
                        continue
                    ratio = r.median_ms / trivial.median_ms
                    cpu_ratio = r.cpu_ms / trivial.cpu_ms if r.cpu_ms is not None and trivial.cpu_ms else None
                    p95_ratio = r.p95_ms / trivial.p95_ms
                    q_ratio = r.queries / trivial.queries if trivial.queries else None
                    judged = (
                        r.page.judged if r.page.judged is not None else not (r.page.baseline or r.page.user is None)
                    )
                    verdict = _verdict(ratio <= PAGE_TARGET) if judged else ""
                    if judged and ratio > PAGE_TARGET:
                        self.missed.append(f"{r.page.name} at {level:,} cases: {ratio:.1f}x the trivial view")
                    if r.page.baseline and bare is not None:
                        verdict = self._judge_trivial(r, bare, level)
                    if r.page.name == SIGNED_IN_BARE and bare is not None:
                        verdict = f"{r.median_ms / bare.median_ms:.1f}x bare: the floor of a signed-in page"
                    out.append(
                        f"| {r.page.name} | {level:,} | {_ms(r.median_ms)} | {_ms(r.p95_ms)} | {r.queries}"
                        f" | {_x(ratio)} | {_x(p95_ratio)} | {_x(q_ratio)} | {_ms(r.cpu_ms)} | {_x(cpu_ratio)}"
                        f" | {verdict} |"
                    )
            out.append("")
            out.append(
                "Busiest clinician's cases (the case list shows theirs): "
                + ", ".join(f"{n:,} at {level:,}" for level, n in self.clinician_cases.items())
                + "."
            )
            out.append("")
            levels = list(self.pages)
            if len(levels) > 1:
                low, high = levels[0], levels[-1]
                trivial_low = next(r for r in self.pages[low] if r.page.baseline).median_ms
                trivial_high = next(r for r in self.pages[high] if r.page.baseline).median_ms
                out += [
                    f"### Growth from {low:,} to {high:,} cases",
                    "",
                    "The two levels are measured minutes apart, when other work on the machine may differ;"
                    " the ratio in units of the trivial view, measured alongside, is the fairer figure.",
                    "",
                    f"| page | median ms at {low:,} | at {high:,} | ratio | ratio in trivial-view units | queries"
                    " | target |",
                    "|---|---|---|---|---|---|---|",
                ]
                for before, after in zip(self.pages[low], self.pages[high], strict=True):
                    if not before.page.grows:
                        continue
                    if before.missing or after.missing:
                        out.append(f"| {before.page.name} | {before.missing or after.missing} | | | | | |")
                        continue
                    raw = after.median_ms / before.median_ms
                    ratio = (after.median_ms / trivial_high) / (before.median_ms / trivial_low)
                    target = ""
                    if before.page.name == "reviewer list":
                        target = f"≤ {GROWTH_TARGET:g}x: {_verdict(ratio <= GROWTH_TARGET)}"
                        if ratio > GROWTH_TARGET:
                            self.missed.append(f"reviewer list grows {ratio:.1f}x from {low:,} to {high:,} cases")
                    out.append(
                        f"| {before.page.name} | {_ms(before.median_ms)} | {_ms(after.median_ms)} | {_x(raw)}"
                        f" | {_x(ratio)} | {before.queries} → {after.queries} | {target} |"
                    )
                out.append("")
        if self.impact:
            out += self._impact_table(postgres=not self.machine["database"].startswith("SQLite"))
        if self.engine and self.engine.realistic < ENGINE_TARGET:
            self.missed.insert(
                0, f"engine (realistic, cached): {self.engine.realistic:,.0f} cases/s (target {ENGINE_TARGET:,})"
            )
        if self.proofs and not self.proofs.met:
            self.missed.insert(0, f"safety proofs: {self.proofs.total_s:.2f} s (target {PROOF_TARGET_S:g} s)")
        for database, results in self.load.items():
            out += self._load_table(database, results)
        if self.engine and self.engine.rate < ENGINE_TARGET:
            self.missed.insert(0, f"engine: {self.engine.rate:,.0f} cases/s (target {ENGINE_TARGET:,})")
        out += ["## Targets missed", ""]
        out += [f"- {item}" for item in self.missed] or ["- none"]
        return "\n".join(out) + "\n"


def save_load(path, database, results):
    rows = [{**{k: v for k, v in vars(r).items() if k != "page"}, "page": r.page.name} for r in results]
    path.write_text(json.dumps({"database": database, "results": rows}))


def load_on_postgres(args):
    """The load section again, in a process of its own on the PostgreSQL database, seeded to the same level."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "load.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            *("--levels", str(args.levels[-1]), "--skip", "engine", "--skip", "pages"),
            *("--load-seconds", str(args.load_seconds), "--load-connections", str(args.load_connections)),
            *("--load-json", str(out)),
            *(["--keep-db"] if args.keep_db else []),
        ]
        env = dict(os.environ, BENCH_DATABASE_URL=args.postgres)
        run = subprocess.run(command, env=env, timeout=6 * 3600, check=False)  # noqa: S603 - this script
        if run.returncode != 0 or not out.exists():
            pages = [page for page in PAGES if page.load]
            return {"PostgreSQL": [LoadResult(page=page, missing="the PostgreSQL run failed") for page in pages]}
        data = json.loads(out.read_text())
    by_name = {page.name: page for page in PAGES}
    results = [LoadResult(**{**row, "page": by_name[row["page"]]}) for row in data["results"]]
    return {data["database"]: results}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k and 10k cases, 50 requests, 5 s of load")
    parser.add_argument("--levels", help="comma-separated case counts (default 10000,1000000)")
    parser.add_argument("--engine-cases", type=int, default=5000)
    parser.add_argument("--engine-passes", type=int, default=7)
    parser.add_argument("--requests", type=int, help="requests per page and level (default 200)")
    parser.add_argument("--load-seconds", type=int, help="wrk duration per page (default 30)")
    parser.add_argument("--load-connections", type=int, default=8)
    parser.add_argument(
        "--skip", action="append", default=[], choices=["engine", "properties", "pages", "load", "impact"]
    )
    parser.add_argument("--keep-db", action="store_true", help="reuse the bench database (and its cases)")
    parser.add_argument(
        "--copy-above",
        type=int,
        metavar="N",
        help="seed N cases with seed_cases and copy them in SQL up to each level (fast 1M seeding)",
    )
    parser.add_argument("--out", type=Path, help="where to write the table (default bench/results/<date>-<host>.md)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("BENCH_POSTGRES_URL"),
        help="run the load section on this PostgreSQL database too, after SQLite (default $BENCH_POSTGRES_URL);"
        " its name must contain 'bench': it is dropped and created again",
    )
    parser.add_argument("--load-json", type=Path, help=argparse.SUPPRESS)  # where the PostgreSQL run reports
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        help="instead of the table, profile one page (its name or part of it) at the first level",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="every section at tiny sizes, in seconds, on a throw-away SQLite database: fails on any crash"
        " or a page that does not answer 200 (CI runs it; its times mean nothing)",
    )
    args = parser.parse_args()
    default_levels = "1000,10000" if args.quick else "10000,1000000"
    sizes = {"requests": 50 if args.quick else 200, "load_seconds": 5 if args.quick else 30}
    smoke_dir = None
    if args.smoke:
        default_levels = f"{SMOKE['levels'][0]},{SMOKE['levels'][1]}"
        sizes = {"requests": SMOKE["requests"], "load_seconds": SMOKE["load_seconds"]}
        args.engine_cases, args.engine_passes = SMOKE["engine_cases"], 1
        args.load_connections = min(args.load_connections, 2)
        smoke_dir = Path(tempfile.mkdtemp(prefix="mastoweb-bench-smoke-"))
        if not os.environ.get("BENCH_DATABASE_URL"):
            os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{smoke_dir / 'bench-smoke.sqlite3'}"
        args.out = args.out or smoke_dir / "smoke.md"
    args.levels = [int(n) for n in (args.levels or default_levels).split(",")]
    args.requests = args.requests or sizes["requests"]
    args.load_seconds = args.load_seconds or sizes["load_seconds"]
    try:
        run(args)
    finally:
        if smoke_dir is not None:
            shutil.rmtree(smoke_dir, ignore_errors=True)


def run(args):
    started = datetime.now(UTC)
    load_before = load_average()
    setup_django(keep_db=args.keep_db)
    if args.profile:
        page = page_named(args.profile)
        print(f"== seeding to {args.levels[0]:,} cases", file=sys.stderr)
        seed_to(args.levels[0], seed=args.levels[0])
        print(f"== profiling {page.name}", file=sys.stderr)
        written = profile_page(page, requests=args.requests)
        print(written.read_text())
        print(f"written to {written.relative_to(BASE_DIR)} and its .prof", file=sys.stderr)
        return
    report = Report(started=started, machine=machine(), args=args, load_before=load_before)

    if "engine" not in args.skip:
        print("== (a) engine", file=sys.stderr)
        stream = SMOKE["stream_cases"] if args.smoke else STREAM_CASES
        report.engine = bench_engine(cases=args.engine_cases, passes=args.engine_passes, stream_cases=stream)
    if "properties" not in args.skip:
        print("== (a2) safety properties", file=sys.stderr)
        report.proofs = bench_properties(repeats=1 if args.smoke else 5)
    who = None
    for level in args.levels:
        print(f"== seeding to {level:,} cases", file=sys.stderr)
        seed_to(level, seed=level, copy_above=args.copy_above)
        if "pages" not in args.skip:
            print(f"== (b) pages at {level:,} cases", file=sys.stderr)
            report.pages[level], who = bench_pages(level, requests=args.requests, warmup=2 if args.smoke else 10)
            report.clinician_cases[level] = who.clinician_cases
        if "impact" not in args.skip:
            print(f"== (d) impact of a draft at {level:,} cases", file=sys.stderr)
            report.impact[level] = bench_impact()
    if "load" not in args.skip:
        report.load_level = args.levels[-1]
        database = report.machine["database"]
        print(f"== (c) gunicorn under load on {database} at {report.load_level:,} cases", file=sys.stderr)
        results = bench_load(
            who or people(),
            seconds=args.load_seconds,
            connections=args.load_connections,
            warmup=1 if args.smoke else WRK_WARMUP,
        )
        if args.load_json:
            save_load(args.load_json, database, results)
            return
        report.load[database] = results
        if args.postgres and not database.startswith("PostgreSQL"):
            report.load.update(load_on_postgres(args))
    report.load_after = load_average()

    text = report.markdown()
    print(text)
    out = args.out or RESULTS_DIR / f"{started:%Y-%m-%d}-{report.machine['host']}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"written to {out.relative_to(BASE_DIR) if out.is_relative_to(BASE_DIR) else out}", file=sys.stderr)
    if args.smoke:
        failures = smoke_failures(report)
        if failures:
            sys.exit("bench --smoke failed:\n" + "\n".join(f"- {failure}" for failure in failures))
        print("bench --smoke: every section ran", file=sys.stderr)


def smoke_failures(report):
    """What makes a smoke run fail: a section that ran nothing, a page or a load run that went wrong.

    Times are never judged here: a smoke run is seconds on a busy CI machine.
    """
    failures = []
    if report.engine is None or report.engine.rate <= 0:
        failures.append("the engine section measured nothing")
    if report.proofs is None or not report.proofs.rows:
        failures.append("the safety-property section proved nothing")
    for level in report.args.levels:
        results = report.pages.get(level)
        if not results:
            failures.append(f"no pages measured at {level:,} cases")
            continue
        failures += [f"{r.page.name} at {level:,} cases: {r.missing}" for r in results if r.missing]
        impact = report.impact.get(level)
        if impact is None or impact.cases != level or impact.marked != level:
            failures.append(f"the impact and the marking at {level:,} cases did not cover every case")
    for database, results in report.load.items():
        for r in results:
            if r.missing and not r.missing.startswith("wrk not installed"):
                failures.append(f"{r.page.name} under load on {database}: {r.missing}")
            elif r.errors:
                failures.append(f"{r.page.name} under load on {database}: {r.errors} errors")
    return failures


if __name__ == "__main__":
    main()
