"""Editors approve each other's drafts (two people to publish): refresh the role groups."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0009_two_people_to_publish"),
        ("audit", "0005_guidance_review_actions"),
        ("cases", "0008_feedback_roles"),
    ]

    # Frozen: this migration once made the role groups from live role code. Migrations never
    # import it now; accounts.roles.ensure_roles keeps the groups right after every migrate.
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
