"""Reviewers read the audit log: refresh the role groups on databases made before."""

from django.db import migrations

from accounts.roles import sync_roles


def refresh_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("cases", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
