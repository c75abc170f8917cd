"""Logins, logouts, failed logins and lockouts; accounts, roles, permissions and two-factor devices: audit events."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.context import request_served, request_user
from audit.services import audit_record

from .audit_names import AccountAction
from .login_throttling import USERNAME_MAX_LENGTH

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=AccountAction.LOGIN, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "logout_reason", "")
    details = {"reason": reason} if reason else {}
    audit_record(actor=user, action=AccountAction.LOGOUT, request=request, **details)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; keep the name tried only.
    username = str(credentials.get("username", ""))[:USERNAME_MAX_LENGTH]
    audit_record(actor=None, action=AccountAction.LOGIN_FAILED, request=request, username=username)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    username = str(username or "")[:USERNAME_MAX_LENGTH]
    audit_record(actor=None, action=AccountAction.LOCKED_OUT, request=request, username=username)


# ---------------------------------------------------------------- who may do what
#
# Every change that lets a person do more is an event of our own append-only
# trail (Django's admin log can be edited and misses changes made outside the
# admin). `approval_restarts` marks the events after which the person must not
# approve a guidance draft begun before them (guidance.publishing): a new
# account, a role or permission that approves, the superuser flag, and their
# password or two-factor device set by someone else.

APPROVE = ("guidance", "approve_guidanceversion")
ACCESS_FLAGS = ("is_staff", "is_superuser", "is_active")


def _approves(permissions):
    return any((p.content_type.app_label, p.codename) == APPROVE for p in permissions)


@receiver(pre_save, sender=User, dispatch_uid="audit_user_before")
def remember_user_access(sender, instance, raw=False, update_fields=None, **kwargs):
    watched = {*ACCESS_FLAGS, "password"}
    if raw or instance._state.adding or instance.pk is None or (update_fields and not watched & set(update_fields)):
        instance._access_before = None  # e.g. the login's last_login: nothing of access changes
        return
    instance._access_before = User.objects.filter(pk=instance.pk).values(*ACCESS_FLAGS, "password").first()


@receiver(post_save, sender=User, dispatch_uid="audit_user_after")
def record_user_access(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    actor = request_user()
    flags = {name: getattr(instance, name) for name in ACCESS_FLAGS}
    if created:
        audit_record(actor=actor, action=AccountAction.USER_CREATED, obj=instance, approval_restarts=True, **flags)
        return
    before = getattr(instance, "_access_before", None)
    if before is None:
        return
    changed = [name for name in ACCESS_FLAGS if before[name] != flags[name]]
    password_by_other = before["password"] != instance.password and _by_someone_else(actor, instance.pk)
    if password_by_other:
        changed.append("password")
    if changed:
        became_superuser = "is_superuser" in changed and instance.is_superuser
        audit_record(
            actor=actor,
            action=AccountAction.USER_CHANGED,
            obj=instance,
            changed=changed,
            approval_restarts=became_superuser or password_by_other,
            **{name: flags[name] for name in changed if name in flags},
        )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups")
def record_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """Roles granted or removed, from either side (user.groups or group.user_set), one event per user."""
    others = instance.user_set if reverse else instance.groups
    if action == "pre_clear":
        instance._cleared_ids = set(others.values_list("pk", flat=True))  # clearing sends no ids
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = instance.__dict__.pop("_cleared_ids", set()) if action == "post_clear" else set(pk_set or ())
    if reverse:
        pairs = [(user, instance) for user in User.objects.filter(pk__in=ids)]
    else:
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=ids)]
    by_user = {}
    for user, group in pairs:
        by_user.setdefault(user, []).append(group)
    granted = action == "post_add"
    for user, groups in by_user.items():
        approves = granted and any(_approves(group.permissions.select_related("content_type")) for group in groups)
        audit_record(
            actor=request_user(),
            action=AccountAction.ROLE_GRANTED if granted else AccountAction.ROLE_REMOVED,
            obj=user,
            roles=sorted(group.name for group in groups),
            approval_restarts=approves,
        )


def _permission_names(permissions):
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_permissions")
def record_user_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove") or reverse or not pk_set:
        return  # clearing or a permission's own side: only the admin's user form, which adds and removes
    permissions = list(Permission.objects.filter(pk__in=pk_set).select_related("content_type"))
    audit_record(
        actor=request_user(),
        action=AccountAction.USER_PERMISSIONS_CHANGED,
        obj=instance,
        changed=action.removeprefix("post_"),
        permissions=_permission_names(permissions),
        approval_restarts=action == "post_add" and _approves(permissions),
    )


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit_group_permissions")
def record_group_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove") or reverse or not pk_set:
        return
    permissions = list(Permission.objects.filter(pk__in=pk_set).select_related("content_type"))
    audit_record(
        actor=request_user(),
        action=AccountAction.GROUP_PERMISSIONS_CHANGED,
        obj=instance,
        changed=action.removeprefix("post_"),
        permissions=_permission_names(permissions),
        approval_restarts=action == "post_add" and _approves(permissions),
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="audit_device_added")
def record_device_added(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _record_device(instance, AccountAction.TWO_FACTOR_DEVICE_ADDED)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="audit_device_removed")
def record_device_removed(sender, instance, **kwargs):
    _record_device(instance, AccountAction.TWO_FACTOR_DEVICE_REMOVED)


def _record_device(device, action):
    actor = request_user()
    audit_record(
        actor=actor,
        action=action,
        obj=device.user,
        device=device.pk,
        approval_restarts=_by_someone_else(actor, device.user_id),
    )


def _by_someone_else(actor, user_id):
    """Whether a change to this user's credentials was made by someone else: another signed-in user, or
    a shell or command (anyone with the server). In a request nobody is signed in to, it is the user's own
    login (Django re-hashes a password it has just checked)."""
    if actor is not None:
        return actor.pk != user_id
    return not request_served()
