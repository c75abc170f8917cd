import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connections, transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import start_page, user_roles
from guidance.selectors import guidance_current_uncached

from .dberrors import database_error_code
from .models import Heartbeat


@login_required
def home(request):
    """Each role's own start page, as accounts.roles declares it."""
    return redirect(start_page(user_roles(request.user)))


logger = logging.getLogger(__name__)


def _free_disk_bytes(database):
    """Free bytes where a SQLite database file lives; None for a server database."""
    if database.vendor != "sqlite" or database.is_in_memory_db():
        return None
    return shutil.disk_usage(Path(database.settings_dict["NAME"]).resolve().parent).free


def _database_down(database, state, exc):
    code = database_error_code(exc)
    logger.error("healthz: database %s (%s)", state, code or exc.__class__.__name__)
    return JsonResponse({"status": "error", "database": state, **({"error": code} if code else {})}, status=503)


@never_cache
@require_GET
def healthz(request):
    """Ready when the database answers and takes a write, its disk has room, and guidance is published.

    The write is real: a heartbeat row inserted, then rolled back. A read-only
    database file, a full disk and a lost server all answer 503 here, as they
    make logins and saves fail. The guidance version is for signed-in callers.
    """
    database = connections["default"]
    try:
        database.ensure_connection()
    except DatabaseError as exc:
        return _database_down(database, "unreachable", exc)
    try:
        with transaction.atomic():
            Heartbeat.objects.create(beat_at=timezone.now())
            version = guidance_current_uncached()
            transaction.set_rollback(True)
    except DatabaseError as exc:
        return _database_down(database, "not writable", exc)
    answer = {"status": "ok", "database": "ok"}
    free = _free_disk_bytes(database)
    if free is not None:
        answer["disk_free_mb"] = free // 2**20
        if free < settings.HEALTH_MIN_FREE_DISK_MB * 2**20:
            logger.error("healthz: %d MB free beside the database", free // 2**20)
            return JsonResponse({**answer, "status": "error", "disk": "nearly full"}, status=503)
    if version is None:
        return JsonResponse({**answer, "status": "error", "guidance": "none published"}, status=503)
    if request.user.is_authenticated:
        answer["guidance_version"] = version.number
    return JsonResponse(answer)
