"""Django's ModelBackend, with a user's permissions read in one query rather than two.

ModelBackend reads the permissions given to the user and those given to the
user's groups in two queries, on every request that checks a permission. Here
`get_all_permissions` reads both in one UNION. What a user may do is exactly
what ModelBackend answers (tests/accounts/test_backends.py compares the two);
nothing is kept beyond the request, so a role taken away counts at once.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            names = Permission.objects.values_list("content_type__app_label", "codename").order_by()
            if user_obj.is_superuser:
                rows = names
            else:
                rows = names.filter(user=user_obj).union(names.filter(group__user=user_obj), all=True)
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
