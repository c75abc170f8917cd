"""Which TOTP devices count for two-factor login."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice


class DeviceConfirmation(models.Model):
    """A TOTP device that counts for two-factor login, and who said so.

    A device counts when its user set it up while they needed two-factor
    (staff or superuser, at the setup page; `confirmed_by` is the user), or
    when an administrator confirmed it in the admin (`confirmed_by` is the
    administrator). A device set up while its user needed none, before they
    became staff, has no confirmation: it proves only that someone once knew
    a clinician's password. `confirmed_by` is empty for devices that staff
    already used when confirmations began to be recorded (mastoweb's migration 0001).
    """

    device = models.OneToOneField(TOTPDevice, on_delete=models.CASCADE, related_name="login_confirmation")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Made by mastoweb's migration 0001, before the accounts app existed.
        db_table = "mastoweb_deviceconfirmation"

    def __str__(self):
        return f"{self.device} confirmed for login"
