"""Admin: CDS Hooks clients and the code mapping are edited here; issued cards are read-only."""

from django.contrib import admin

from mastoweb.admin import ReadOnlyModelAdmin

from .models import CdsCard, CdsClient, CodeMapping


@admin.register(CdsClient)
class CdsClientAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "issuer"]


@admin.register(CodeMapping)
class CodeMappingAdmin(admin.ModelAdmin):
    list_display = ["resource", "system", "code", "display", "fact", "value"]
    list_filter = ["resource", "fact", "system"]
    search_fields = ["code", "display"]


@admin.register(CdsCard)
class CdsCardAdmin(ReadOnlyModelAdmin):
    list_display = ["uuid", "rule", "client", "guidance_version", "created_at"]
    list_select_related = ["client", "guidance_version__guideline"]
