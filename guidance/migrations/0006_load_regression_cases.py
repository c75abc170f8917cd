"""Once loaded data/regression-cases.json here. The content is data now: `manage.py load_guidance` loads the
regression cases with guidance version 1 after migrate (guidance.loading). Kept, doing nothing, so that
databases that applied it keep a valid history; no migration imports app code."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("guidance", "0005_rule_quotes_properties_provenance")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
