"""`manage.py load_guidance`: the shipped guidance is data, loaded after migrate, once.

Migrations hold no guidance (tests/ops/test_migrations_hold_no_app_code.py): a database migrated from
empty has none until the command runs; it then has versions 1 to 3 as their files say, with a whole
audit chain, and a second run changes nothing. A stored version that differs from its file is refused.
"""

import io
import json
import os
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent
from guidance.loading import SHIPPED, SYSTEM_ACTOR
from guidance.models import GuidanceVersion, Paragraph, RegressionCase, Rule, SafetyProperty, Section
from guidance.publishing import draft_fingerprint
from tests.conftest import MANAGE, manage

pytestmark = pytest.mark.django_db

CONTENT = (GuidanceVersion, Section, Paragraph, Rule, SafetyProperty)


def guidance_state():
    """The guidance in the database, as comparable data (ids and times left out, but the audit hashes)."""
    return {
        "versions": [
            {
                "number": version.number,
                "status": version.status,
                "edition": version.edition,
                "based_on": version.based_on.number if version.based_on else None,
                "change_note": version.change_note,
                "rules": list(version.rules.order_by("order").values_list("rule_id", flat=True)),
                "properties": list(version.safety_properties.order_by("order").values_list("property_id", flat=True)),
                "fingerprint": draft_fingerprint(version),
            }
            for version in GuidanceVersion.objects.select_related("based_on").order_by("number")
        ],
        "regression_cases": list(RegressionCase.objects.order_by("pk").values_list("name", flat=True)),
        "history": {model.__name__: model.history.count() for model in CONTENT},
        "events": [list(event) for event in AuditEvent.objects.order_by("pk").values_list("action", "actor_username")],
        "hashes": list(AuditEvent.objects.order_by("pk").values_list("hash", flat=True)),
    }


STATE = "import json; from tests.guidance.test_load_guidance import guidance_state; print(json.dumps(guidance_state()))"


def scratch_state(url):
    return json.loads(manage(url, "shell", "--no-imports", "-c", STATE).strip().splitlines()[-1])


def shipped_rule_ids():
    return {shipped.number: [spec.rule_id for spec in shipped.read()[0]] for shipped in SHIPPED}


def test_a_database_migrated_from_empty_has_no_guidance_until_the_command_loads_it_once(scratch_database_url):
    manage(scratch_database_url, "migrate", "--noinput", "-v0")
    migrated = scratch_state(scratch_database_url)
    assert (migrated["versions"], migrated["regression_cases"], migrated["events"]) == ([], [], [])
    refused = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [*MANAGE, "evaluate_case", "-"],
        env={**os.environ, "DATABASE_URL": scratch_database_url},
        input='{"subtype": "ISM"}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "manage.py load_guidance" in refused.stderr

    out = manage(scratch_database_url, "load_guidance")
    assert out.splitlines() == [
        "Guidance v1 published from rules-v1.json.",
        "Guidance v2 published from version-2.json.",
        "Guidance v3 published from version-3.json.",
    ]
    loaded = scratch_state(scratch_database_url)
    assert [(v["number"], v["status"], v["edition"], v["based_on"]) for v in loaded["versions"]] == [
        (1, "retired", 2, None),
        (2, "retired", 2, 1),
        (3, "published", 3, 2),
    ]
    assert {v["number"]: v["rules"] for v in loaded["versions"]} == shipped_rule_ids()
    assert [len(v["properties"]) for v in loaded["versions"]] == [0, 6, 12]
    assert len(loaded["regression_cases"]) == 33
    assert loaded["events"] == [
        ["guidance_draft_created", SYSTEM_ACTOR],
        ["guidance_published", SYSTEM_ACTOR],
        ["guidance_draft_created", SYSTEM_ACTOR],
        ["guidance_published", SYSTEM_ACTOR],
    ]
    assert "Audit trail whole: 4 events" in manage(scratch_database_url, "verify_audit")
    # The same guidance as the suite's own database, which the same command filled (tests/conftest.py).
    suite = guidance_state()
    assert loaded["versions"] == suite["versions"]
    assert loaded["regression_cases"] == suite["regression_cases"]
    assert loaded["history"] == suite["history"]

    again = manage(scratch_database_url, "load_guidance")
    assert again.strip() == "Guidance v1 to v3 are in the database, as their files have them."
    assert scratch_state(scratch_database_url) == loaded


def test_a_second_run_writes_nothing(published_version):
    before = guidance_state()
    out = io.StringIO()
    call_command("load_guidance", verbosity=2, stdout=out)
    assert guidance_state() == before
    assert out.getvalue().splitlines() == [
        "Guidance v1 is in the database, as rules-v1.json has it.",
        "Guidance v2 is in the database, as version-2.json has it.",
        "Guidance v3 is in the database, as version-3.json has it.",
        "Guidance v1 to v3 are in the database, as their files have them.",
    ]


@pytest.mark.parametrize(
    ("table", "column", "number", "named"),
    [
        ("guidance_rule", "summary", 2, "v2 (version-2.json, source-sm-management.md): rules "),
        ("guidance_paragraph", "text", 1, "v1 (rules-v1.json, source-sm-management.md): paragraphs "),
        ("guidance_safetyproperty", "statement", 3, "v3 (version-3.json, source-sm-management.md): properties "),
    ],
)
def test_it_refuses_a_stored_version_that_differs_from_its_file(published_version, table, column, number, named):
    row = (
        {"guidance_rule": Rule, "guidance_paragraph": Paragraph, "guidance_safetyproperty": SafetyProperty}[table]
        .objects.filter(version__number=number)
        .order_by("pk")
        .first()
    )
    ident = getattr(row, "rule_id", None) or getattr(row, "property_id", None) or row.slug
    # Past the model, which refuses any change to a frozen version: as a hand-edited database would be.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} || ' (changed)' WHERE id = %s", [row.pk])  # noqa: S608
    before = guidance_state()

    with pytest.raises(CommandError, match="differ from the files") as refused:
        call_command("load_guidance")
    assert f"{named}{ident}" in str(refused.value)
    assert guidance_state() == before
