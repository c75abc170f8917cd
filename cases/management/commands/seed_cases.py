"""Synthetic cases with assessments, for benchmarks and load tests (never real patients).

    python manage.py seed_cases --count 1000000

Cases are spread over a few hundred synthetic clinicians (a few with many
cases, most with few), with facts drawn from distributions shaped like an SM
clinic's: mostly indolent disease, symptoms more common in advanced subtypes,
later-line treatments tried only after antihistamines failed. Each case gets
one to three assessments under the current guidance, evaluated by the engine
and stored as the clinician's pages store them. Rows go in with executemany,
one transaction per batch.
"""

import math
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import CLINICIAN
from cases import snapshot
from cases.display import lines_from_recommendations
from cases.models import Assessment, Case, CaseLine, label_sort_key
from cases.rollup import rollup_rebuild
from cases.services import case_line_kinds, caution_count, guidance_for_assessment
from guidance.engine import evaluate
from guidance.evaluation import guidance_compiled
from guidance.facts import FACTS, SUBTYPES, facts_to_json, validate_case
from guidance.selectors import paragraphs_by_slug

SEED_USER_PREFIX = "seed-clinician-"
# Labels are pseudonyms, as the form asks: "ISM clinic 14".
SUBTYPE_LABELS = {code: code if code != "unknown" else "Work-up" for code in SUBTYPES}

SUBTYPE_WEIGHTS = {"ISM": 66, "BMM": 8, "SSM": 5, "ASM": 6, "SM-AHN": 8, "MCL": 1, "unknown": 6}
ADVANCED = {"ASM", "SM-AHN", "MCL"}

# Chance of each symptom in indolent disease and in advanced disease.
SYMPTOM_CHANCES = {
    "flushing": (0.40, 0.30),
    "pruritus": (0.35, 0.25),
    "abdominal_pain": (0.25, 0.35),
    "heartburn": (0.20, 0.20),
    "cramping": (0.15, 0.20),
    "diarrhea": (0.25, 0.40),
    "recurrent_anaphylaxis": (0.10, 0.08),
    "hemodynamic_instability": (0.03, 0.08),
    "osteoporosis": (0.20, 0.30),
    "fracture": (0.05, 0.10),
    "malabsorption": (0.02, 0.30),
    "ascites": (0.01, 0.15),
}

NOTES = (
    "",
    "",
    "",
    "Follow-up in six months.",
    "Bone density scan requested.",
    "Discussed trigger avoidance; carries an epinephrine pen.",
    "Referred to haematology for bone marrow biopsy review.",
    "Tolerating current antihistamines; review symptoms at next visit.",
)


def _response(rng, tried_chance):
    if rng.random() >= tried_chance:
        return "not_tried"
    return "unresponsive" if rng.random() < 0.4 else "responsive"


def random_case_facts(rng):
    """Raw facts of one plausible SM case (valid for validate_case)."""
    subtype = rng.choices(list(SUBTYPE_WEIGHTS), weights=list(SUBTYPE_WEIGHTS.values()))[0]
    advanced = subtype in ADVANCED
    symptoms = [name for name, chances in SYMPTOM_CHANCES.items() if rng.random() < chances[advanced]]
    antihistamine = _response(rng, 0.75 if symptoms else 0.2)
    # Later lines are tried only once the first line has failed.
    later = antihistamine == "unresponsive"
    antileukotriene = _response(rng, 0.6) if later else "not_tried"
    omalizumab = _response(rng, 0.5) if later and antileukotriene == "unresponsive" else "not_tried"
    tryptase_median = 120 if advanced else 25
    facts = {
        "subtype": subtype,
        "symptoms": symptoms,
        "antihistamine_response": antihistamine,
        "antileukotriene_response": antileukotriene,
        "omalizumab_response": omalizumab,
        "nsaid_tolerance": rng.choices(["unknown", "tolerant", "intolerant"], weights=[55, 35, 10])[0],
        "venom_allergy": "yes" if rng.random() < 0.08 else rng.choice(("no", "unknown")),
        "kit_d816v": rng.choices(
            ["positive", "negative", "unknown"], weights=[85, 5, 10] if advanced else [65, 10, 25]
        )[0],
        "hct_eligible": (
            rng.choices(["yes", "no", "unknown"], weights=[30, 40, 30])[0]
            if advanced
            else rng.choices(["no", "unknown"], weights=[20, 80])[0]
        ),
    }
    if rng.random() < 0.85:
        facts["serum_tryptase_ng_ml"] = round(min(100000.0, rng.lognormvariate(math.log(tryptase_median), 0.8)), 1)
    if rng.random() < 0.9:
        facts["age_years"] = max(18, min(95, round(rng.gauss(52 if advanced else 47, 14))))
    return facts


def _earlier_facts(rng, facts):
    """What an earlier visit might have recorded: first-line treatment not yet judged."""
    earlier = dict(facts, antileukotriene_response="not_tried", omalizumab_response="not_tried")
    if rng.random() < 0.5:
        earlier["antihistamine_response"] = "not_tried"
    return earlier


class Progress:
    """A one-line progress bar on stderr, with rate and time left."""

    def __init__(self, total, *, stream=None, label="cases"):
        self.total, self.label, self.stream = total, label, stream or sys.stderr
        self.started = time.monotonic()

    def show(self, done):
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0.0
        filled = int(30 * done / self.total) if self.total else 30
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{self.total:,} {self.label}"
            f"  {rate:,.0f}/s  {timedelta(seconds=round(elapsed))} elapsed, {timedelta(seconds=round(left))} left "
        )
        self.stream.flush()

    def finish(self):
        self.stream.write("\n")
        self.stream.flush()


@dataclass(frozen=True)
class Profile:
    """One synthetic patient's facts and assessment history, ready for the database."""

    fact_values: tuple  # the case's fact columns, in FACTS order
    assessments: tuple  # (facts, recommendations) per visit, oldest first
    gaps_days: tuple  # days between visits
    latest_lines: tuple  # (rule, kind) of each line of the latest assessment


class _Table:
    """Rows straight into one table with executemany.

    At a million rows, building model instances and preparing every value
    through the ORM costs more than making the data; values that repeat (a
    profile's facts and recommendations) are prepared once instead.
    """

    def __init__(self, model, names):
        self.fields = [model._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - model names
        self.by_name = dict(zip(names, self.fields, strict=True))

    def prep(self, name, value):
        return self.by_name[name].get_db_prep_save(value, connection)

    def insert(self, rows):
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)


CASE_COLUMNS = (
    "id",
    "label",
    "notes",
    "created_by",
    "created_at",
    "updated_at",
    "lock_version",
    "assessed_version",
    "label_sort",
    "line_count",
    "caution_count",
    "feedback_status",
    *FACTS,
)
LINE_COLUMNS = ("case", "rule", "kind")
ASSESSMENT_COLUMNS = ("case", "guidance_version", "facts", "recommendations", "created_by", "created_at")

# Distinct synthetic patients; cases draw from them with their own ids, owners,
# labels, notes and dates, so a million cases need not run the engine a million times.
PROFILES = 20_000


class Command(BaseCommand):
    help = "Add N synthetic cases with assessments (DEBUG or the bench settings only)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many cases to add.")
        parser.add_argument("--clinicians", type=int, default=300, help="Synthetic clinicians to spread them over.")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for a repeatable data set.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, count, clinicians, batch_size, seed, no_progress, **options):
        if not (settings.DEBUG or getattr(settings, "SEED_CASES_ALLOWED", False)):
            raise CommandError("seed_cases adds synthetic patients: it runs only with DEBUG=true or bench settings.")
        if count < 0 or clinicians < 1 or batch_size < 1:
            raise CommandError("--count must be 0 or more, --clinicians and --batch-size at least 1.")
        started = time.monotonic()
        rng = random.Random(seed)
        version = guidance_for_assessment()
        cases, assessments = _Table(Case, CASE_COLUMNS), _Table(Assessment, ASSESSMENT_COLUMNS)
        case_lines = _Table(CaseLine, LINE_COLUMNS)
        profiles = self._profiles(rng, min(count, PROFILES), version, cases, assessments)
        owners = self._clinicians(clinicians)
        # A few clinicians hold many cases, most hold few (Zipf-like, exponent 1/2).
        weights = [1 / math.sqrt(rank + 1) for rank in range(len(owners))]
        now = timezone.now()
        progress = None if no_progress else Progress(count)
        made = assessed = 0
        while made < count:
            size = min(batch_size, count - made)
            case_rows, assessment_rows, line_rows = [], [], []
            for owner_id in rng.choices(owners, weights=weights, k=size):
                profile = rng.choice(profiles)
                case_id = uuid.uuid4()
                updated_at = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
                created_at = updated_at - timedelta(days=sum(profile.gaps_days))
                label = f"{SUBTYPE_LABELS[profile.fact_values[0]]} clinic {rng.randrange(1, 5000)}"
                line_rows.extend((case_lines.prep("case", case_id), rule, kind) for rule, kind in profile.latest_lines)
                case_rows.append(
                    (
                        cases.prep("id", case_id),
                        label,
                        rng.choice(NOTES),
                        owner_id,
                        cases.prep("created_at", created_at),
                        cases.prep("updated_at", updated_at),
                        len(profile.assessments) - 1,
                        version.number,
                        label_sort_key(label),
                        len(profile.latest_lines),
                        caution_count(kind for _, kind in profile.latest_lines),
                        "",  # no feedback yet
                        *profile.fact_values,
                    )
                )
                at = created_at
                for visit, (facts, recommendations) in enumerate(profile.assessments):
                    if visit:
                        at += timedelta(days=profile.gaps_days[visit - 1])
                    assessment_rows.append(
                        (
                            assessments.prep("case", case_id),
                            version.pk,
                            facts,
                            recommendations,
                            owner_id,
                            assessments.prep("created_at", at),
                        )
                    )
            with transaction.atomic():
                cases.insert(case_rows)
                assessments.insert(assessment_rows)
                if line_rows:
                    case_lines.insert(line_rows)
            made += size
            assessed += len(assessment_rows)
            if progress:
                progress.show(made)
        if progress:
            progress.finish()
        # Rows went in beside the services, so the dashboard's rollup is counted afresh from them.
        rollup_rebuild()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Added {made:,} cases and {assessed:,} assessments under guidance v{version.number} "
            f"in {elapsed:.1f} s ({made / elapsed if elapsed else 0:,.0f} cases/s), "
            f"drawn from {len(profiles):,} synthetic patients."
        )

    def _clinicians(self, count):
        User = get_user_model()  # noqa: N806
        names = [f"{SEED_USER_PREFIX}{number:04d}" for number in range(1, count + 1)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create(User(username=name, password=unusable) for name in names if name not in existing)
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        group = Group.objects.filter(name=CLINICIAN).first()
        if group:
            group.user_set.add(*users.values())
        return [users[name] for name in names]

    def _profiles(self, rng, count, version, cases, assessments):
        compiled = guidance_compiled(version)
        paragraphs = paragraphs_by_slug(version=version)
        profiles = []
        for _ in range(count):
            raw = random_case_facts(rng)
            facts = validate_case(raw)
            visits = rng.choices([1, 2, 3], weights=[78, 16, 6])[0]
            history = [validate_case(_earlier_facts(rng, raw)) for _ in range(visits - 1)] + [facts]
            as_json = facts_to_json(facts)
            profiles.append(
                Profile(
                    fact_values=tuple(cases.prep(name, as_json[name]) for name in FACTS),
                    assessments=tuple(
                        (
                            assessments.prep("facts", facts_to_json(visit_facts)),
                            assessments.prep("recommendations", self._snapshot(visit_facts, compiled, paragraphs)),
                        )
                        for visit_facts in history
                    ),
                    gaps_days=tuple(rng.randrange(30, 200) for _ in range(visits - 1)),
                    latest_lines=tuple(case_line_kinds(evaluate(facts, compiled)).items()),
                )
            )
        return profiles

    def _snapshot(self, facts, compiled, paragraphs):
        """The stored lines for these facts, as case_evaluate builds them (the paragraphs fetched once)."""
        return snapshot.to_dict(lines_from_recommendations(evaluate(facts, compiled), paragraphs=paragraphs))
