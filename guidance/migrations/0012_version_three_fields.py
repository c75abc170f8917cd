from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0011_rule_kind_labels"),
    ]

    # Versions 1 and 2 were written to edition 2 of the case vocabulary (venom_allergy true/false, lines that
    # say nothing of what they offer); every version from now on is edition 3.
    operations = [
        # A v3 summary names what it offers and runs to 226 characters: widened here, before 0013 stores
        # version 3 (PostgreSQL enforces a varchar's length; SQLite does not).
        migrations.AlterField(
            model_name="historicalrule",
            name="summary",
            field=models.CharField(help_text="One line, as the clinician reads it.", max_length=300),
        ),
        migrations.AlterField(
            model_name="rule",
            name="summary",
            field=models.CharField(help_text="One line, as the clinician reads it.", max_length=300),
        ),
        migrations.AddField(
            model_name="guidanceversion",
            name="edition",
            field=models.PositiveSmallIntegerField(default=2, editable=False),
        ),
        migrations.AddField(
            model_name="historicalguidanceversion",
            name="edition",
            field=models.PositiveSmallIntegerField(default=2, editable=False),
        ),
        migrations.AddField(
            model_name="historicalrule",
            name="about",
            field=models.JSONField(
                blank=True, default=list, help_text="For a caution: the interventions or classes it concerns."
            ),
        ),
        migrations.AddField(
            model_name="historicalrule",
            name="effect",
            field=models.CharField(
                blank=True,
                choices=[("withhold", "withhold"), ("qualify", "qualify"), ("ensure", "ensure")],
                help_text="For a caution: withhold (do not start now), qualify (only under its condition) or ensure (must be in place).",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="historicalrule",
            name="offers",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="What the line offers: one intervention per line, with its intent (start, maximise or continue).",
            ),
        ),
        migrations.AddField(
            model_name="historicalsafetyproperty",
            name="each_intervention",
            field=models.BooleanField(
                default=False,
                help_text="Checked once for each intervention i (guidance version 3 on): the condition may read i and i_classes, and sees the lines about i and about the interventions it names.",
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="about",
            field=models.JSONField(
                blank=True, default=list, help_text="For a caution: the interventions or classes it concerns."
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="effect",
            field=models.CharField(
                blank=True,
                choices=[("withhold", "withhold"), ("qualify", "qualify"), ("ensure", "ensure")],
                help_text="For a caution: withhold (do not start now), qualify (only under its condition) or ensure (must be in place).",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="offers",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="What the line offers: one intervention per line, with its intent (start, maximise or continue).",
            ),
        ),
        migrations.AddField(
            model_name="safetyproperty",
            name="each_intervention",
            field=models.BooleanField(
                default=False,
                help_text="Checked once for each intervention i (guidance version 3 on): the condition may read i and i_classes, and sees the lines about i and about the interventions it names.",
            ),
        ),
        migrations.AlterField(
            model_name="guidanceversion",
            name="edition",
            field=models.PositiveSmallIntegerField(default=3, editable=False),
        ),
        migrations.AlterField(
            model_name="historicalguidanceversion",
            name="edition",
            field=models.PositiveSmallIntegerField(default=3, editable=False),
        ),
    ]
