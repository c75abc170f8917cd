"""DeviceConfirmation, moved here from the mastoweb app: its table (made by mastoweb/0001) stays as it is."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _relabel(old, new):
    def relabel(apps, schema_editor):
        # The admin's history and the permissions point at the model through its content type.
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=new, model="deviceconfirmation").exists():
            ContentType.objects.filter(app_label=old, model="deviceconfirmation").update(app_label=new)

    return relabel


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("mastoweb", "0002_device_confirmation_moves_to_accounts"),
        ("otp_totp", "0003_add_timestamps"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DeviceConfirmation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
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
                    options={"db_table": "mastoweb_deviceconfirmation"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_relabel("mastoweb", "accounts"), _relabel("accounts", "mastoweb")),
    ]
