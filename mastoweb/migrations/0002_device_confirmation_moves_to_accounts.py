"""DeviceConfirmation now belongs to the accounts app (accounts/0001), in the same table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("mastoweb", "0001_device_confirmation")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DeviceConfirmation")],
            database_operations=[],
        ),
    ]
