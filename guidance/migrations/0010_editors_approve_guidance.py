"""Editors approve each other's drafts (two people to publish): refresh the role groups."""

from django.db import migrations

from accounts.roles import sync_roles


def refresh_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0009_two_people_to_publish"),
        ("audit", "0005_guidance_review_actions"),
        ("cases", "0008_feedback_roles"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
