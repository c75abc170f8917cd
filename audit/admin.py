from django.contrib import admin

from mastoweb.admin import ReadOnlyModelAdmin

from .models import AuditEvent
from .registry import action_choices


class ActionFilter(admin.SimpleListFilter):
    """The registered actions, in words (the column holds codes, not database choices)."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is written by the app and never edited by anyone."""

    list_display = ["created_at", "actor_username", "action_label", "object_type", "object_id", "ip_address"]
    # No date_hierarchy: its drill-down aggregates the whole trail on every page.
    list_filter = [ActionFilter, "created_at"]
    search_fields = ["actor_username", "object_id", "ip_address"]
    fields = [*list_display, "details"]
    readonly_fields = fields
    show_full_result_count = False  # no COUNT(*) over the whole trail on every page

    @admin.display(description="action", ordering="action")
    def action_label(self, event):
        return event.action_label
