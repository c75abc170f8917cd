"""Guidance editors edit safety properties and regression cases: refresh the role groups."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0007_publish_version_two"),
        ("audit", "0003_regression_case_added_action"),
        ("cases", "0006_assessment_lines_format"),
    ]

    # Frozen: this migration once made the role groups from live role code. Migrations never
    # import it now; accounts.roles.ensure_roles keeps the groups right after every migrate.
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
