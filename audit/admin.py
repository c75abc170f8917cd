from django.contrib import admin

from mastoweb.admin import ReadOnlyModelAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is written by the app and never edited by anyone."""

    list_display = ["created_at", "actor_username", "action", "object_type", "object_id", "ip_address"]
    # No date_hierarchy: its drill-down aggregates the whole trail on every page.
    list_filter = ["action", "created_at"]
    search_fields = ["actor_username", "object_id", "ip_address"]
    fields = [*list_display, "details"]
    readonly_fields = fields
    show_full_result_count = False  # no COUNT(*) over the whole trail on every page
