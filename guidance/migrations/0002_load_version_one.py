"""Once published guidance version 1 here. The content is data now: `manage.py load_guidance` publishes the
versions of guidance/data after migrate (guidance.loading). Kept, doing nothing, so that databases that
applied it keep a valid history; no migration imports app code."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
