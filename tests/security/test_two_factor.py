"""Two-factor login (TOTP) for staff and superusers."""

import importlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit_names import AccountAction
from accounts.models import DeviceConfirmation
from audit.models import AuditEvent

from .conftest import PASSWORD, current_code, wrong_code

pytestmark = pytest.mark.django_db

ADMIN = "admin:index"


def session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_it_is_required_by_default():
    assert settings.OTP_REQUIRED is True


def test_staff_without_a_device_cannot_reach_the_admin(client, editor):
    client.force_login(editor)
    response = client.get(reverse(ADMIN), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
    assert response.templates[0].name == "registration/two_factor_setup.html"


def test_staff_with_an_unverified_session_cannot_reach_the_admin(client, editor, totp_device):
    totp_device(editor)
    client.force_login(editor)
    response = client.get(reverse(ADMIN), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    assert "Two-factor login" in response.content.decode()
    assert 'id="site-name"' not in response.content.decode()


def test_verified_staff_reach_the_admin(client, editor, login_two_factor):
    login_two_factor(client, editor)
    assert client.get(reverse(ADMIN)).status_code == 200


def test_an_unconfirmed_device_does_not_count(client, editor, totp_device):
    from django_otp import DEVICE_ID_SESSION_KEY

    device = totp_device(editor, confirmed=False)
    client.force_login(editor)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(reverse(ADMIN)).status_code == 302


def test_the_admin_can_do_without_it_only_when_switched_off(client, editor, settings):
    settings.OTP_REQUIRED = False
    client.force_login(editor)
    assert client.get(reverse(ADMIN)).status_code == 200


def test_clinicians_are_not_asked_for_a_code(client, clinician, published_version):
    response = client.post(reverse("login"), {"username": "clinician", "password": PASSWORD})
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.get(reverse("guidance:current")).status_code == 200


def test_superusers_pass_the_step_before_any_page(client, superuser, published_version):
    client.force_login(superuser)
    response = client.get(reverse("guidance:current"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?next=%2Fguidance%2F"


def test_login_leads_staff_to_the_code_then_where_they_were_going(client, editor, totp_device):
    device = totp_device(editor)
    admin_index = reverse(ADMIN)
    response = client.post(
        reverse("login") + f"?next={admin_index}",
        {"username": "editor", "password": PASSWORD, "next": admin_index},
    )
    verify_url = response["Location"]
    assert verify_url.startswith(reverse("two_factor_verify"))

    refused = client.post(verify_url, {"token": wrong_code(device), "next": admin_index})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert client.get(admin_index).status_code == 302

    before = session_key(client)  # the right code straight after a wrong one
    accepted = client.post(verify_url, {"token": current_code(device), "next": admin_index})
    assert accepted["Location"] == admin_index
    assert session_key(client) != before
    assert client.get(admin_index).status_code == 200
    assert [e.action for e in AuditEvent.objects.filter(actor=editor).order_by("pk")] == [
        AccountAction.LOGIN,
        AccountAction.TWO_FACTOR_FAILED,
        AccountAction.TWO_FACTOR_VERIFIED,
    ]


@pytest.mark.parametrize("page", ["two_factor_verify", "two_factor_setup"])
def test_both_pages_of_the_step_ask_for_a_login_take_get_and_post_only_and_are_never_cached(
    client, editor, totp_device, page
):
    assert client.get(reverse(page))["Location"].startswith(reverse("login"))
    totp_device(editor, confirmed=page == "two_factor_verify")
    client.force_login(editor)
    assert client.put(reverse(page)).status_code == 405
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_setting_up_a_device_gives_a_new_session_id_as_the_code_does(client, editor):
    client.force_login(editor)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=editor)
    before = session_key(client)
    client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    assert session_key(client) != before


def test_it_refuses_a_next_address_on_another_site(client, editor, totp_device):
    device = totp_device(editor)
    client.force_login(editor)
    response = client.post(
        reverse("two_factor_verify"), {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_setting_up_shows_a_qr_code_drawn_on_the_server(client, editor):
    client.force_login(editor)
    response = client.get(reverse("two_factor_setup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<svg [^>]*role="img"', html)
    assert "<script" not in html.split("<main", 1)[1]
    assert "style=" not in html
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed
    # Reloading shows the same key rather than making another device.
    client.get(reverse("two_factor_setup"))
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def test_setting_up_confirms_the_device_with_a_valid_code(client, editor):
    client.force_login(editor)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=editor)

    refused = client.post(reverse("two_factor_setup"), {"token": wrong_code(device)})
    assert "That code is not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(reverse("two_factor_setup"), {"token": current_code(device), "next": reverse(ADMIN)})
    assert response["Location"] == reverse(ADMIN)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse(ADMIN)).status_code == 200
    assert AuditEvent.objects.filter(actor=editor, action=AccountAction.TWO_FACTOR_ENROLLED).exists()


def test_a_password_alone_cannot_replace_a_device(client, editor, totp_device):
    totp_device(editor)
    client.force_login(editor)
    response = client.get(reverse("two_factor_setup"))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def test_one_wrong_code_does_not_hold_up_the_right_one(client, editor, totp_device):
    device = totp_device(editor)
    client.force_login(editor)
    refused = client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    assert "Enter the current code from your app." in refused.content.decode()
    response = client.post(reverse("two_factor_verify"), {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse(ADMIN)).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def _wait_in(response):
    """The seconds the code form says to wait."""
    [error] = response.context["form"].errors["token"]
    match = re.search(r"Wait (\d+) seconds?, then enter the current code", error)
    assert match, error
    assert error in response.content.decode()
    return int(match.group(1))


def test_after_a_few_wrong_codes_the_page_says_how_long_to_wait(client, editor, totp_device, settings):
    settings.OTP_BACKOFF_SECONDS = 60  # long enough that a slow test run cannot outlast it
    device = totp_device(editor)
    client.force_login(editor)
    for _ in range(settings.OTP_FREE_FAILURES - 1):
        response = client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
        assert "Enter the current code from your app." in response.content.decode()
    last = client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    assert 55 <= _wait_in(last) <= 60

    # While it lasts even the right code waits, and says for how long; the wait does not grow.
    held = client.post(reverse("two_factor_verify"), {"token": current_code(device)})
    assert "Too many wrong codes." in held.content.decode()
    assert 55 <= _wait_in(held) <= 60
    device.refresh_from_db()
    assert device.throttling_failure_count == settings.OTP_FREE_FAILURES
    assert client.get(reverse(ADMIN)).status_code == 302


def test_each_further_wrong_code_doubles_the_wait(client, editor, totp_device, settings):
    settings.OTP_BACKOFF_SECONDS = 60
    device = totp_device(editor)
    device.throttling_failure_count = settings.OTP_FREE_FAILURES + 2
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    client.force_login(editor)
    assert 235 <= _wait_in(client.post(reverse("two_factor_verify"), {"token": current_code(device)})) <= 240


def test_once_the_wait_is_over_the_right_code_is_accepted(client, editor, totp_device, settings):
    settings.OTP_BACKOFF_SECONDS = 60
    device = totp_device(editor)
    device.throttling_failure_count = settings.OTP_FREE_FAILURES
    device.throttling_failure_timestamp = timezone.now() - timedelta(seconds=61)
    device.save()
    client.force_login(editor)
    assert client.post(reverse("two_factor_verify"), {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


# ---------------------------------------------------------------- unpublished guidance


@pytest.fixture
def draft(editor, version_one):
    from guidance.publishing import draft_create

    return draft_create(guideline=version_one.guideline, user=editor)


def test_a_password_alone_shows_no_draft_guidance(client, editor, totp_device, draft):
    assert settings.OTP_REQUIRED
    totp_device(editor)
    client.force_login(editor)  # the password step only
    assert client.get(reverse("guidance:version", args=[draft.number])).status_code == 404
    assert client.get(reverse("guidance:diff", args=[1, draft.number])).status_code == 404
    versions = client.get(reverse("guidance:versions"))
    assert versions.status_code == 200
    assert reverse("guidance:version", args=[draft.number]) not in versions.content.decode()
    # Published guidance stays readable, as for any signed-in user.
    assert client.get(reverse("guidance:version", args=[1])).status_code == 200


def test_after_the_second_factor_staff_preview_drafts(client, editor, totp_device, draft):
    device = totp_device(editor)
    client.force_login(editor)
    client.post(reverse("two_factor_verify"), {"token": current_code(device)})
    response = client.get(reverse("guidance:version", args=[draft.number]))
    assert response.status_code == 200
    assert "Draft preview" in response.content.decode()
    assert client.get(reverse("guidance:diff", args=[1, draft.number])).status_code == 200
    assert reverse("guidance:version", args=[draft.number]) in client.get(reverse("guidance:versions")).content.decode()


# ---------------------------------------------------------------- who may set up a device


def test_accounts_that_need_no_second_factor_cannot_set_up_a_device(client, clinician, reviewer):
    for user in (clinician, reviewer):
        client.force_login(user)
        assert client.get(reverse("two_factor_setup")).status_code == 403
        assert client.post(reverse("two_factor_setup"), {"token": "123456"}).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_with_the_step_switched_off_nobody_sets_up_a_device(client, editor, settings):
    settings.OTP_REQUIRED = False
    client.force_login(editor)
    assert client.get(reverse("two_factor_setup")).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_a_device_set_up_by_staff_counts_for_login(client, editor):
    client.force_login(editor)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=editor)
    client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    confirmation = DeviceConfirmation.objects.get(device=device)
    assert confirmation.confirmed_by == editor


@pytest.fixture
def promoted(clinician, totp_device):
    """A clinician who set up a device before this change, then became staff: the device has no confirmation."""
    device = totp_device(clinician, for_login=False)
    clinician.is_staff = True
    clinician.save()
    return clinician, device


def test_a_device_set_up_before_becoming_staff_does_not_count(client, promoted):
    user, device = promoted
    client.force_login(user)
    response = client.get(reverse("two_factor_verify"))
    assert response.status_code == 403
    assert "Ask an administrator to confirm your device." in response.content.decode()

    refused = client.post(reverse("two_factor_verify"), {"token": current_code(device)})
    assert refused.status_code == 403
    assert client.get(reverse(ADMIN)).status_code == 302
    # Nor can the password set up another one in its place.
    assert client.get(reverse("two_factor_setup"))["Location"].startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_an_administrator_confirms_such_a_device_and_then_it_counts(client, promoted, superuser, login_two_factor):
    user, device = promoted
    admin_client = Client()
    login_two_factor(admin_client, superuser)
    changelist = reverse("admin:otp_totp_totpdevice_changelist")
    assert "Confirmed for login" in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist, {"action": "confirm_for_login", "_selected_action": [device.pk]}, follow=True
    )
    assert "Devices confirmed for two-factor login: 1." in response.content.decode()
    assert DeviceConfirmation.objects.get(device=device).confirmed_by == superuser
    assert AuditEvent.objects.filter(actor=superuser, action=AccountAction.TWO_FACTOR_ENROLLED).exists()

    client.force_login(user)
    response = client.post(reverse("two_factor_verify"), {"token": current_code(device), "next": reverse(ADMIN)})
    assert response["Location"] == reverse(ADMIN)
    assert client.get(reverse(ADMIN)).status_code == 200


def test_the_administrator_leaves_devices_that_never_produced_a_code(
    client, editor, superuser, totp_device, login_two_factor
):
    unconfirmed = totp_device(editor, confirmed=False)
    login_two_factor(client, superuser)
    response = client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "confirm_for_login", "_selected_action": [unconfirmed.pk]},
        follow=True,
    )
    assert "Left as they were: 1" in response.content.decode()
    assert not DeviceConfirmation.objects.filter(device=unconfirmed).exists()


def test_upgrading_keeps_the_devices_of_staff_only(clinician, editor, superuser, totp_device):
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("mastoweb.migrations.0001_device_confirmation")
    # The models as that migration saw them: the confirmations were mastoweb's then.
    apps = MigrationLoader(connection).project_state(("mastoweb", "0001_device_confirmation")).apps
    devices = {user: totp_device(user, for_login=False) for user in (clinician, editor, superuser)}
    totp_device(editor, confirmed=False, for_login=False)
    migration.carry_over_staff_devices(apps, None)
    assert set(DeviceConfirmation.objects.values_list("device", flat=True)) == {
        devices[editor].pk,
        devices[superuser].pk,
    }


def test_the_wait_after_wrong_codes_is_capped(client, editor, totp_device, settings):
    """Someone holding a stolen password cannot keep the real user out for long (issue 24)."""
    device = totp_device(editor)
    device.throttling_failure_count = settings.OTP_FREE_FAILURES + 40
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    client.force_login(editor)
    wait = _wait_in(client.post(reverse("two_factor_verify"), {"token": current_code(device)}))
    assert settings.OTP_BACKOFF_MAX_SECONDS - 5 <= wait <= settings.OTP_BACKOFF_MAX_SECONDS == 300


def test_many_wrong_codes_alert_staff_in_the_trail_and_the_log(client, editor, totp_device, settings, caplog):
    device = totp_device(editor)
    device.throttling_failure_count = settings.OTP_ALERT_FAILURES - 1
    device.save()
    client.force_login(editor)
    client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    alert = AuditEvent.objects.get(action=AccountAction.TWO_FACTOR_ALERT)
    assert alert.actor == editor
    assert alert.details == {"failures": settings.OTP_ALERT_FAILURES}
    assert any("two_factor_alert" in record.getMessage() for record in caplog.records)
    # Once per run of wrong codes, not once per code.
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(days=1)
    device.save()
    client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    assert AuditEvent.objects.filter(action=AccountAction.TWO_FACTOR_ALERT).count() == 1
