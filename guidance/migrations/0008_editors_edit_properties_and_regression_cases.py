"""Guidance editors edit safety properties and regression cases: refresh the role groups."""

from django.db import migrations

from accounts.roles import sync_roles


def refresh_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0007_publish_version_two"),
        ("audit", "0003_regression_case_added_action"),
        ("cases", "0006_assessment_lines_format"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
