"""venom_allergy is yes / no / unknown from guidance version 3: a code that set it to "true" now sets "yes"."""

from django.db import migrations


def to_words(apps, schema_editor):
    CodeMapping = apps.get_model("interop", "CodeMapping")
    CodeMapping.objects.filter(fact="venom_allergy", value="true").update(value="yes")
    CodeMapping.objects.filter(fact="venom_allergy", value="false").update(value="no")


def to_box(apps, schema_editor):
    CodeMapping = apps.get_model("interop", "CodeMapping")
    CodeMapping.objects.filter(fact="venom_allergy", value="yes").update(value="true")
    CodeMapping.objects.filter(fact="venom_allergy", value="no").update(value="false")


class Migration(migrations.Migration):
    dependencies = [("interop", "0002_seed_code_mapping")]

    operations = [migrations.RunPython(to_words, to_box)]
