"""Clinicians give feedback on their lines and reviewers read it: refresh the role groups."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_recommendation_feedback"),
        ("audit", "0004_feedback_given_action"),
        ("guidance", "0008_editors_edit_properties_and_regression_cases"),
    ]

    # Frozen: this migration once made the role groups from live role code. Migrations never
    # import it now; accounts.roles.ensure_roles keeps the groups right after every migrate.
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
