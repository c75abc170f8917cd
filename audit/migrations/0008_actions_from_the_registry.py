"""Actions are codes the apps register (audit.registry), no longer database choices: the last audit
migration a new action needs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_every_action")]

    operations = [
        migrations.AlterField(model_name="auditevent", name="action", field=models.CharField(max_length=40)),
    ]
