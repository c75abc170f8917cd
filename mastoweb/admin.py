"""Admin pieces shared by the apps: a model admin for records only the app writes, and the admin's door
for pages outside the admin's URLs (the guidance editor's workbench).

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


def staff_only(view):
    """A view behind the admin's own door, though not among the admin's URLs: the guidance workbench.

    Exactly what the admin asks of its pages (AdminSite.admin_view): an active staff
    user, past the two-factor step when it is required (MastowebAdminSite.has_permission);
    anyone else goes to the admin's login, which sends a signed-in non-staff user away.
    The page is never cached and CSRF-protected. The view checks its own permissions.
    """
    return admin.site.admin_view(view)
