"""The audit trail: append-only rows for each audited action, read-only everywhere."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.audit_names import AccountAction
from audit.append_only import AppendOnlyError
from audit.ip import client_ip
from audit.models import AuditEvent
from audit.selectors import PAGE_SIZE
from audit.services import audit_record
from audit.views import DAMAGED_CURSOR
from cases.audit_names import CaseAction
from guidance import publishing
from guidance.audit_names import GuidanceAction
from guidance.loading import SYSTEM_ACTOR
from guidance.models import GuidanceVersion, Paragraph, SafetyProperty
from mastoweb.paging import cursor_encode
from tests.review import approved

pytestmark = pytest.mark.django_db

# The events of load_guidance publishing guidance v2 and v3, then the reviewer's account, permission and
# login, newest first.
MIGRATED_EVENTS = [
    AccountAction.LOGIN,
    AccountAction.USER_PERMISSIONS_CHANGED,
    AccountAction.USER_CREATED,
    GuidanceAction.GUIDANCE_PUBLISHED,
    GuidanceAction.GUIDANCE_DRAFT_CREATED,
    GuidanceAction.GUIDANCE_PUBLISHED,
    GuidanceAction.GUIDANCE_DRAFT_CREATED,
]


def events(action):
    return list(AuditEvent.objects.filter(action=action))


# ---------------------------------------------------------------- append-only


@pytest.fixture
def event(clinician):
    return audit_record(actor=clinician, action=CaseAction.CASE_VIEWED, note_free="ids only")


def test_it_refuses_to_change_a_saved_event(event):
    event.action = AccountAction.LOGIN
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == CaseAction.CASE_VIEWED


def test_it_refuses_to_delete_an_event(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_bulk_changes_and_deletes(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AccountAction.LOGIN)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    event.action = AccountAction.LOGIN
    # bulk_update joins the surrounding transaction; give it a savepoint to spoil.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == CaseAction.CASE_VIEWED


def test_a_user_with_audit_history_cannot_be_deleted(event, clinician):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        clinician.delete()


def test_it_records_who_what_and_from_where(clinician, published_version):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.44")
    recorded = audit_record(
        actor=clinician, action=CaseAction.CASE_EXPORTED, obj=published_version, request=request, rows=3
    )
    recorded.refresh_from_db()
    assert recorded.actor == clinician
    assert recorded.actor_username == "clinician"
    assert (recorded.object_type, recorded.object_id) == ("guidance.guidanceversion", str(published_version.pk))
    assert recorded.details == {"rows": 3}
    assert recorded.ip_address == "192.0.2.44"
    assert timezone.now() - recorded.created_at < timedelta(seconds=5)


def test_it_refuses_an_unknown_action(clinician):
    with pytest.raises(ValueError):
        audit_record(actor=clinician, action="case_deleted")


# ---------------------------------------------------------------- client address


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "198.51.100.9", "192.0.2.1"),  # no proxy trusted: the header is ignored
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the proxy's entry, not the forged one
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.9, 10.0.0.1", "198.51.100.9"),
        (2, "10.0.0.2", "198.51.100.9", "10.0.0.2"),  # fewer hops than proxies: not trusted
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "6.6.6.6, 2001:db8::7", "2001:db8::7"),
    ],
)
def test_it_trusts_forwarded_addresses_only_from_our_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_it_reads_no_other_forwarding_header(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="6.6.6.6", HTTP_FORWARDED="for=6.6.6.6", HTTP_CLIENT_IP="6.6.6.6"
    )
    assert client_ip(request) == "10.0.0.2"


# ---------------------------------------------------------------- guidance


def test_it_records_a_draft_created_and_published_as_one_event_each(editor, published_version):
    # load_guidance, publishing v2 and then v3, recorded two events each, by the system.
    system_created = events(GuidanceAction.GUIDANCE_DRAFT_CREATED)
    system_published = events(GuidanceAction.GUIDANCE_PUBLISHED)
    two = GuidanceVersion.objects.get(guideline=published_version.guideline, number=2)
    assert [(e.actor, e.actor_username, e.object_id, e.details) for e in system_created + system_published] == [
        (None, SYSTEM_ACTOR, str(published_version.pk), {"number": 3, "based_on": 2}),
        (None, SYSTEM_ACTOR, str(two.pk), {"number": 2, "based_on": 1}),
        (None, SYSTEM_ACTOR, str(published_version.pk), {"number": 3, "replaced": 2}),
        (None, SYSTEM_ACTOR, str(two.pk), {"number": 2, "replaced": 1}),
    ]

    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    approved(draft)
    publishing.draft_publish(draft=draft, user=editor, change_note="Test publication.")

    (created,) = [e for e in events(GuidanceAction.GUIDANCE_DRAFT_CREATED) if e not in system_created]
    assert (created.actor, created.object_id, created.details) == (editor, str(draft.pk), {"number": 4, "based_on": 3})
    (published,) = [e for e in events(GuidanceAction.GUIDANCE_PUBLISHED) if e not in system_published]
    draft.refresh_from_db()
    assert (published.actor, published.object_id, published.details) == (
        editor,
        str(draft.pk),
        {
            "number": 4,
            "replaced": 3,
            "submitted_by": editor.pk,
            "last_changed_by": editor.pk,
            "approved_by": draft.approved_by_id,
            "fingerprint": draft.approved_fingerprint,
        },
    )
    assert draft.approved_by not in (None, editor)
    # Copying the text and retiring v3 are part of those two events, not edits.
    assert events(GuidanceAction.GUIDANCE_DRAFT_EDITED) == []


def test_it_records_an_edit_of_a_draft_with_the_fields_changed(editor, published_version):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    paragraph = Paragraph.objects.filter(version=draft).first()
    paragraph.text += "\n\nAn added sentence."
    paragraph._history_user = editor
    paragraph.save()

    (edited,) = events(GuidanceAction.GUIDANCE_DRAFT_EDITED)
    assert edited.actor == editor
    assert (edited.object_type, edited.object_id) == ("guidance.paragraph", str(paragraph.pk))
    assert edited.details["change"] == "changed"
    assert edited.details["fields"] == ["text"]
    assert edited.details["version_id"] == draft.pk
    # The edit points at the field-level history record.
    assert paragraph.history.get(history_id=edited.details["history_id"]).text.endswith("An added sentence.")


def test_it_records_an_edit_of_a_drafts_safety_property_like_any_content_edit(editor, published_version):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    assert events(GuidanceAction.GUIDANCE_DRAFT_EDITED) == []  # the copy is part of the draft's creation
    prop = SafetyProperty.objects.filter(version=draft).first()
    prop.statement = "Reworded: " + prop.statement
    prop._history_user = editor
    prop.save()

    (edited,) = events(GuidanceAction.GUIDANCE_DRAFT_EDITED)
    assert edited.actor == editor
    assert (edited.object_type, edited.object_id) == ("guidance.safetyproperty", str(prop.pk))
    assert (edited.details["change"], edited.details["fields"]) == ("changed", ["statement"])
    assert edited.details["version_id"] == draft.pk
    assert prop.history.get(history_id=edited.details["history_id"]).statement.startswith("Reworded: ")


def test_the_draft_copy_keeps_a_history_record_of_every_rule(editor, published_version):
    draft = publishing.draft_create(guideline=published_version.guideline, user=editor)
    rules = draft.rules.all()
    assert rules.exists()
    for rule in rules:
        assert rule.history.filter(history_type="+").exists()


# ---------------------------------------------------------------- admin


def test_the_audit_admin_allows_no_add_change_or_delete(rf, superuser):
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/")
    request.user = superuser
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_audit_admin_pages_refuse_changes(client, superuser, login_two_factor, event):
    login_two_factor(client, superuser)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"action": "login"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == CaseAction.CASE_VIEWED


# ---------------------------------------------------------------- the /audit/ view


def test_the_audit_view_requires_login(client):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_audit_view_is_refused_to_clinicians(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("audit:list")).status_code == 403


def test_reviewers_see_the_trail_newest_first(
    client, reviewer, clinician, published_version, django_assert_max_num_queries
):
    audit_record(actor=clinician, action=CaseAction.CASE_CREATED)
    audit_record(actor=clinician, action=CaseAction.CASE_EXPORTED)
    client.force_login(reviewer)
    # Session, user, permissions (2), the events, the footer's guidance version; the names of the
    # guidance versions the events are about (one query per kind of object, not per event).
    with django_assert_max_num_queries(7):
        response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    shown = [e.action for e in response.context["events"]]
    assert shown[:2] == [AccountAction.LOGIN, CaseAction.CASE_EXPORTED]  # the reviewer's own login comes last
    assert CaseAction.CASE_CREATED in shown


def test_the_audit_view_filters_by_action_user_and_dates(client, reviewer, clinician, outsider):
    now = timezone.now()
    audit_record(actor=clinician, action=CaseAction.CASE_VIEWED)
    AuditEvent.objects.create(
        actor=clinician, actor_username="clinician", action=CaseAction.CASE_VIEWED, created_at=now - timedelta(days=10)
    )
    audit_record(actor=outsider, action=CaseAction.CASE_VIEWED)
    audit_record(actor=clinician, action=CaseAction.CASE_CHANGED)
    client.force_login(reviewer)

    def shown(**query):
        response = client.get(reverse("audit:list"), query)
        assert response.status_code == 200
        return [(e.actor_username, e.action) for e in response.context["events"]]

    assert shown(action="case_viewed", actor="clinician") == [("clinician", "case_viewed")] * 2
    assert shown(action="case_viewed", actor="clinician", date_from=(now - timedelta(days=1)).date().isoformat()) == [
        ("clinician", "case_viewed")
    ]
    assert shown(actor="outsider") == [("outsider", "case_viewed")]
    assert shown(action="case_changed") == [("clinician", "case_changed")]
    ten_days_ago = (now - timedelta(days=10)).date().isoformat()
    assert shown(date_from=ten_days_ago, date_to=ten_days_ago) == [("clinician", "case_viewed")]


def test_the_audit_view_refuses_an_end_day_before_the_start_day(client, reviewer, clinician):
    audit_record(actor=clinician, action=CaseAction.CASE_VIEWED)
    client.force_login(reviewer)
    response = client.get(reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert response.context["form"].errors == {"date_to": ["The end date is before the start date."]}
    assert response.context["events"] == []
    assert client.get(reverse("audit:export"), {"date_from": "2026-03-02", "date_to": "2026-03-01"}).status_code == 302


def test_the_audit_view_finds_failed_logins_by_the_name_tried(client, reviewer):
    audit_record(actor=None, action=AccountAction.LOGIN_FAILED, username="clinician")
    client.force_login(reviewer)
    response = client.get(reverse("audit:list"), {"actor": "clinician"})
    assert [e.action for e in response.context["events"]] == [AccountAction.LOGIN_FAILED]


def test_the_audit_view_pages_without_gaps_or_repeats(
    client, reviewer, clinician, published_version, django_assert_max_num_queries
):
    for _ in range(PAGE_SIZE + 10):
        audit_record(actor=clinician, action=CaseAction.CASE_VIEWED)
    client.force_login(reviewer)
    with django_assert_max_num_queries(7):  # as for two events (with their objects' names): nothing per row
        first = client.get(reverse("audit:list"), {"action": "case_viewed"})
    assert len(first.context["events"]) == PAGE_SIZE
    assert first.context["next_query"]
    second = client.get(reverse("audit:list") + "?" + first.context["next_query"])
    assert len(second.context["events"]) == 10
    assert second.context["next_query"] is None
    seen = [e.pk for e in first.context["events"]] + [e.pk for e in second.context["events"]]
    assert sorted(seen, reverse=True) == seen
    assert len(set(seen)) == PAGE_SIZE + 10


def test_the_audit_view_ignores_a_forged_cursor(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("audit:list"), {"after": "2020-01-01_drop-table"})
    assert response.status_code == 200
    assert [e.action for e in response.context["events"]] == MIGRATED_EVENTS


@pytest.mark.parametrize(
    ("zone", "query", "field", "message"),
    [
        ("UTC", {"date_to": "9999-12-31"}, "date_to", "Enter a date from 0001-01-01 to 9999-12-30."),
        ("Etc/GMT-14", {"date_from": "0001-01-01"}, "date_from", "Enter a date from 0001-01-02 to 9999-12-30."),
    ],
)
def test_the_audit_view_refuses_days_at_the_edges_of_the_calendar_by_name(
    client, reviewer, settings, zone, query, field, message
):
    settings.TIME_ZONE = zone
    client.force_login(reviewer)
    response = client.get(reverse("audit:list"), query)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    assert message in html
    assert "Correct the filters above to see events." in html
    assert response.context["events"] == []


def test_the_audit_view_accepts_the_first_and_last_days_that_exist(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("audit:list"), {"date_from": "0001-01-01", "date_to": "9999-12-30"})
    assert [e.action for e in response.context["events"]] == MIGRATED_EVENTS


@pytest.mark.parametrize(
    "after",
    [
        cursor_encode(("0001-01-01T00:00:00+14:00", 5)),  # year 0 once moved to UTC
        cursor_encode(("9999-12-31T23:59:59-12:00", 5)),  # year 10000 once moved to UTC
        cursor_encode(("2026-01-01T00:00:00+00:00", 99999999999999999999)),  # beyond any id
        cursor_encode(("2026-01-01T00:00:00+00:00", 0)),
        cursor_encode(("2026-01-01T00:00:00+00:00", "٣")),  # a digit to int(), not an id
        cursor_encode(("2026-01-01T00:00:00", 5)),  # no time zone
        "2026-01-01T00:00:00+00:00_5",  # the trail's former cursor format
    ],
)
def test_the_audit_view_names_a_damaged_cursor_and_starts_from_the_newest(client, reviewer, after):
    client.force_login(reviewer)
    response = client.get(reverse("audit:list"), {"after": after})
    assert response.status_code == 200
    assert [e.action for e in response.context["events"]] == MIGRATED_EVENTS
    assert [str(message) for message in response.context["messages"]] == [DAMAGED_CURSOR]
    assert escape(DAMAGED_CURSOR) in response.content.decode()
