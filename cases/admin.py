"""Read-only admin: cases and assessments change only through the clinician's pages (services)."""

from django.contrib import admin
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from mastoweb.admin import ReadOnlyModelAdmin

from .models import Assessment, Case
from .workbench import impact_view, try_draft_view


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = ["label", "subtype", "created_by", "updated_at"]
    list_filter = ["subtype"]
    list_select_related = ["created_by"]
    search_fields = ["label"]

    def get_urls(self):
        # The guidance editor's "try the draft" and "impact" pages: counts and typed facts, never a case.
        def try_draft(request, version_pk):
            return try_draft_view(request, version_pk, admin_site=self.admin_site)

        def guidance_impact(request, version_pk):
            return impact_view(request, version_pk, admin_site=self.admin_site)

        return [
            path(
                "guidance-impact/<int:version_pk>/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(guidance_impact)),
                name="cases_guidance_impact",
            ),
            path(
                "try-guidance/<int:version_pk>/",
                self.admin_site.admin_view(require_GET(try_draft)),
                name="cases_try_guidance",
            ),
            *super().get_urls(),
        ]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyModelAdmin):
    list_display = ["case", "guidance_version", "created_by", "created_at"]
    list_select_related = ["case", "guidance_version__guideline", "created_by"]
