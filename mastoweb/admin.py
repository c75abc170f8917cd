"""Admin pieces shared by the apps: a model admin for records only the app writes.

The admin site itself, which asks for the second factor, is accounts.sites.MastowebAdminSite.
"""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records written only by the app (audit rows, assessments): view, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
