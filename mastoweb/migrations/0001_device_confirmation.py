"""Confirmations of TOTP devices for two-factor login (mastoweb.models.DeviceConfirmation).

Devices confirmed before this migration carry over if their user is staff or
a superuser now: the database does not say whether they were when the device
was set up, and refusing every existing device would lock out the
administrators who confirm the others. README's security section says so.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


def carry_over_staff_devices(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    DeviceConfirmation = apps.get_model("mastoweb", "DeviceConfirmation")
    devices = TOTPDevice.objects.filter(Q(user__is_staff=True) | Q(user__is_superuser=True), confirmed=True)
    DeviceConfirmation.objects.bulk_create(DeviceConfirmation(device=device) for device in devices)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("otp_totp", "0003_add_timestamps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeviceConfirmation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("confirmed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "device",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="login_confirmation",
                        to="otp_totp.totpdevice",
                    ),
                ),
            ],
        ),
        migrations.RunPython(carry_over_staff_devices, migrations.RunPython.noop),
    ]
