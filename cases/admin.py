"""Read-only admin: cases and assessments change only through the clinician's pages (services)."""

from django.contrib import admin

from .models import Assessment, Case


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["label", "subtype", "created_by", "updated_at"]
    list_filter = ["subtype"]
    list_select_related = ["created_by"]
    search_fields = ["label"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "guidance_version", "created_by", "created_at"]
    list_select_related = ["case", "guidance_version__guideline", "created_by"]
