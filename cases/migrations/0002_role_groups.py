"""Create the role groups (accounts/roles.py) with their permissions."""

from django.db import migrations

from accounts.roles import ROLE_PERMISSIONS, sync_roles


def create_roles(apps, schema_editor):
    sync_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("guidance", "0002_load_version_one"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Roles name audit's permission too (see audit/0002).
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
