"""Reviewers read the audit log: refresh the role groups on databases made before."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("cases", "0002_role_groups"),
    ]

    # Frozen: this migration once made the role groups from live role code. Migrations never
    # import it now; accounts.roles.ensure_roles keeps the groups right after every migrate.
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
