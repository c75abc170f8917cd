from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import GuidanceVersion, Paragraph, Rule
from .publishing import guidance_current, version_diff
from .selectors import guidance_current_uncached


def _can_preview_drafts(user):
    return user.has_perm("guidance.change_guidanceversion")


def _version_for(request, number):
    """A published or retired version; a draft only for guidance editors."""
    version = (
        GuidanceVersion.objects.select_related("guideline", "published_by", "based_on")
        .filter(guideline__slug=settings.GUIDANCE_SLUG, number=number)
        .first()
    )
    if version is None or (version.is_draft and not _can_preview_drafts(request.user)):
        raise Http404("No such guidance version.")
    return version


def _render_version(request, version):
    sections = version.sections.prefetch_related(
        Prefetch(
            "paragraphs",
            queryset=Paragraph.objects.order_by("order", "pk").prefetch_related(
                Prefetch("rules", queryset=Rule.objects.order_by("order", "pk"))
            ),
        )
    ).order_by("order", "pk")
    current = version if version.status == GuidanceVersion.Status.PUBLISHED else guidance_current()
    return render(
        request,
        "guidance/version_detail.html",
        # guidance_shown: the footer names the version on the page, not the current one.
        {"version": version, "sections": sections, "current": current, "guidance_shown": version},
    )


@login_required
@require_GET
def current(request):
    version = guidance_current()
    if version is None:
        raise Http404("No guidance has been published yet.")
    return _render_version(request, version)


@login_required
@require_GET
def version_detail(request, number):
    return _render_version(request, _version_for(request, number))


@login_required
@require_GET
def version_list(request):
    versions = GuidanceVersion.objects.select_related("published_by", "created_by", "based_on").filter(
        guideline__slug=settings.GUIDANCE_SLUG
    )
    if not _can_preview_drafts(request.user):
        versions = versions.exclude(status=GuidanceVersion.Status.DRAFT)
    return render(request, "guidance/version_list.html", {"versions": versions.order_by("-number")})


@login_required
@require_GET
def version_compare(request, old, new):
    old_version, new_version = _version_for(request, old), _version_for(request, new)
    return render(
        request,
        "guidance/version_diff.html",
        {"old": old_version, "new": new_version, "diff": version_diff(old=old_version, new=new_version)},
    )


@never_cache
@require_GET
def healthz(request):
    """Up when the database answers and a guidance version is published."""
    try:
        version = guidance_current_uncached()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if version is None:
        return JsonResponse({"status": "error", "database": "ok", "guidance": "none published"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "guidance_version": version.number})
