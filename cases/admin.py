"""Read-only admin: cases and assessments change only through the clinician's pages (services)."""

from django.contrib import admin

from mastoweb.admin import ReadOnlyModelAdmin

from .models import Assessment, Case


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = ["label", "subtype", "created_by", "updated_at"]
    list_filter = ["subtype"]
    list_select_related = ["created_by"]
    search_fields = ["label"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyModelAdmin):
    list_display = ["case", "guidance_version", "created_by", "created_at"]
    list_select_related = ["case", "guidance_version__guideline", "created_by"]
