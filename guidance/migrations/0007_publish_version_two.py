"""Once published guidance version 2 here. The content is data now: `manage.py load_guidance` publishes
data/version-2.json after migrate (guidance.loading). Kept, doing nothing, so that databases that applied it
keep a valid history; no migration imports app code."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0006_load_regression_cases"),
        ("audit", "0002_reviewers_read_the_audit_log"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
