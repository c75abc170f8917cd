"""Clinicians give feedback on their lines and reviewers read it: refresh the role groups."""

from django.db import migrations

from accounts.roles import sync_roles


def refresh_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_recommendation_feedback"),
        ("audit", "0004_feedback_given_action"),
        ("guidance", "0008_editors_edit_properties_and_regression_cases"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
