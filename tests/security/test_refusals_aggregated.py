"""Anonymous refusals do not grow the append-only trail a row each (issue 24)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from accounts.audit_names import AccountAction
from audit.models import AuditEvent
from audit.services import MAX_DETAIL_CHARS, audit_record
from interop.audit_names import InteropAction

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def spray(client, settings, count):
    for n in range(count):
        client.post(
            reverse("login"), {"username": "clinician", "password": f"guess-{n}"}, REMOTE_ADDR=f"198.51.100.{n % 250}"
        )


def test_a_flood_of_refused_logins_writes_one_row_a_window_with_the_count(client, clinician, settings):
    with freeze_time("2026-01-05 09:00:05") as clock:
        spray(client, settings, settings.LOGIN_USERNAME_FAILURE_LIMIT + 300)  # 300 refused while it cools off
        refused = AuditEvent.objects.filter(action=AccountAction.LOCKED_OUT)
        assert refused.count() == 1
        assert refused.get().details["window_seconds"] == settings.AUDIT_REFUSAL_WINDOW_SECONDS

        clock.tick(settings.AUDIT_REFUSAL_WINDOW_SECONDS)
        spray(client, settings, 2)  # past the cool-off: one guess checked, the next refused
    assert refused.count() == 2
    assert refused.first().details["refused_again"] == 299  # the window before: 300, one of them recorded
    failed = AuditEvent.objects.filter(action=AccountAction.LOGIN_FAILED)
    assert failed.count() == settings.LOGIN_USERNAME_FAILURE_LIMIT + 1  # each checked guess stays its own row
    assert PASSWORD not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_forged_cds_tokens_write_one_row_a_window(client, db):
    for _ in range(40):
        client.post("/cds-services/sm-management", "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer x")
    assert AuditEvent.objects.filter(action=InteropAction.CDS_REQUEST_REFUSED).count() == 1


def test_a_long_detail_is_cut(db):
    event = audit_record(actor=None, action=AccountAction.LOCKED_OUT, username="u" * 5000)
    assert len(event.details["username"]) == MAX_DETAIL_CHARS
    assert event.details["username"].endswith("\u2026")
    assert event.created_at <= timezone.now()
