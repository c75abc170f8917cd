"""The case columns as the vocabulary builds them (cases.models.fact_column, fact_constraints).

Every enumerated fact gets the database's own check that its value is known
(the subtype had one already), the range checks take the fact's name, and the
age column its label.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_guidance_impact"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="case", name="case_age_in_range"),
        migrations.RemoveConstraint(model_name="case", name="case_tryptase_in_range"),
        migrations.AlterField(
            model_name="case",
            name="age_years",
            field=models.SmallIntegerField(
                blank=True, help_text="Whole years, 0 to 120. Optional.", null=True, verbose_name="Age"
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("antihistamine_response__in", ["not_tried", "responsive", "unresponsive"])),
                name="case_antihistamine_response_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("antileukotriene_response__in", ["not_tried", "responsive", "unresponsive"])),
                name="case_antileukotriene_response_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("omalizumab_response__in", ["not_tried", "responsive", "unresponsive"])),
                name="case_omalizumab_response_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("nsaid_tolerance__in", ["tolerant", "intolerant", "unknown"])),
                name="case_nsaid_tolerance_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("kit_d816v__in", ["positive", "negative", "unknown"])),
                name="case_kit_d816v_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("hct_eligible__in", ["yes", "no", "unknown"])),
                name="case_hct_eligible_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("serum_tryptase_ng_ml__isnull", True),
                    models.Q(("serum_tryptase_ng_ml__gte", 0), ("serum_tryptase_ng_ml__lte", 100000)),
                    _connector="OR",
                ),
                name="case_serum_tryptase_ng_ml_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("age_years__isnull", True),
                    models.Q(("age_years__gte", 0), ("age_years__lte", 120)),
                    _connector="OR",
                ),
                name="case_age_years_in_range",
            ),
        ),
    ]
