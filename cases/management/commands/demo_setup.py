"""Development only: demo users (and their passwords, printed) for `make run`."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

DEMO_PASSWORD = "mastoweb-demo"  # noqa: S105 - development only, refused when DEBUG is off

DEMO_USERS = {
    "clinician": {"is_staff": False, "is_superuser": False},
    "reviewer": {"is_staff": False, "is_superuser": False},
    "editor": {"is_staff": True, "is_superuser": False},
    "admin": {"is_staff": True, "is_superuser": True},
}


class Command(BaseCommand):
    help = "Create demo users for development (refused unless DEBUG is on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_setup creates well-known passwords: it runs only with DEBUG=true.")
        User = get_user_model()  # noqa: N806
        for username, flags in DEMO_USERS.items():
            user, created = User.objects.get_or_create(username=username, defaults=flags)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if username == "editor":
                user.user_permissions.set(Permission.objects.filter(content_type__app_label="guidance"))
        self.stdout.write("Demo users (development only), password for each: " + DEMO_PASSWORD)
        for username in DEMO_USERS:
            self.stdout.write(f"  {username}")
