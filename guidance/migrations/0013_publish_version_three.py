"""Once published guidance version 3 here. The content is data now: `manage.py load_guidance` publishes
data/version-3.json after migrate (guidance.loading). Kept, doing nothing, so that databases that applied it
keep a valid history; no migration imports app code."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0012_version_three_fields"),
        ("cases", "0014_venom_allergy_yes_no_unknown"),
        ("audit", "0009_append_only_in_the_database_and_hash_chain"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
