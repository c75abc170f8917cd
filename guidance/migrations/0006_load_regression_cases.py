"""The regression cases the publish screen re-runs, from data/regression-cases.json (editors add more in admin)."""

import json

from django.db import migrations

from guidance.loading import GUIDELINE_SLUG
from guidance.publishing import REGRESSION_CASES_FILE


def load(apps, schema_editor):
    Guideline = apps.get_model("guidance", "Guideline")
    RegressionCase = apps.get_model("guidance", "RegressionCase")
    guideline = Guideline.objects.get(slug=GUIDELINE_SLUG)
    data = json.loads(REGRESSION_CASES_FILE.read_text())
    RegressionCase.objects.bulk_create(
        RegressionCase(guideline=guideline, name=item["name"], case=item["case"], note=item.get("note", ""))
        for item in data["cases"]
    )


def unload(apps, schema_editor):
    apps.get_model("guidance", "RegressionCase").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("guidance", "0005_rule_quotes_properties_provenance")]

    operations = [migrations.RunPython(load, unload)]
