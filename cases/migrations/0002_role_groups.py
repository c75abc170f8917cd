"""Once created the role groups from live role code; now accounts.roles.ensure_roles does, after every migrate.

Frozen: migrations never import role code. Going back still removes the groups it made.
"""

from django.db import migrations

# The role groups as they were when this migration was written.
ROLE_NAMES = ["Clinician", "Reviewer", "Guidance editor"]


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("guidance", "0002_load_version_one"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Roles name audit's permission too (see audit/0002).
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, remove_roles)]
