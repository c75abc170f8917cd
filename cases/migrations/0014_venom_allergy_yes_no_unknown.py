"""venom_allergy: a tick box (true/false) becomes yes / no / unknown (guidance version 3).

A ticked box was a yes and an unticked one a no; new cases default to unknown.
"""

from django.db import migrations, models


def to_words(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(venom_allergy_was=True).update(venom_allergy="yes")
    Case.objects.filter(venom_allergy_was=False).update(venom_allergy="no")


def to_box(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(venom_allergy="yes").update(venom_allergy_was=True)
    Case.objects.exclude(venom_allergy="yes").update(venom_allergy_was=False)


CHOICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Unknown / not asked")]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_assessments_and_feedback_append_only_in_the_database"),
    ]

    operations = [
        migrations.RenameField(model_name="case", old_name="venom_allergy", new_name="venom_allergy_was"),
        migrations.AddField(
            model_name="case",
            name="venom_allergy",
            field=models.CharField(
                choices=CHOICES,
                default="unknown",
                help_text="Allergy to insect (hymenoptera) venom.",
                max_length=10,
                verbose_name="Venom allergy",
            ),
        ),
        migrations.RunPython(to_words, to_box),
        migrations.RemoveField(model_name="case", name="venom_allergy_was"),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("venom_allergy__in", ["yes", "no", "unknown"])), name="case_venom_allergy_known"
            ),
        ),
    ]
