from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from accounts.twofactor import two_factor_pending
from core import caches

from .classification import classification_record
from .context_processors import footer_shows
from .diff import version_diff
from .models import GuidanceVersion
from .selectors import (
    guidance_current,
    guidance_current_with_people,
    guidance_version_by_number,
    guidance_versions,
    version_sections,
)


def _can_preview_drafts(user):
    # A staff password alone shows no unpublished guidance: the second factor comes first.
    return user.has_perm("guidance.change_guidanceversion") and not two_factor_pending(user)


def _version_for(request, number):
    """A published or retired version; a draft only for guidance editors past the two-factor step."""
    version = guidance_version_by_number(number=number)
    if version is None or (version.is_draft and not _can_preview_drafts(request.user)):
        raise Http404("No such guidance version.")
    return version


# Published and retired versions never change: each one's article is rendered once per
# process (three queries and most of the page's time). The key holds what the article
# shows besides the content: the status and dates, and the current version it points to.
_articles = caches.lru("guidance.articles", size=64)


def _article(version, current):
    key = (version.content_key, version.status, version.retired_at, current and current.content_key)
    article = _articles.get(key)
    if article is None:
        context = {"version": version, "sections": version_sections(version), "current": current}
        article = _articles[key] = render_to_string("guidance/version_detail.html#article", context)
    return article


def _render_version(request, version):
    current = version if version.status == GuidanceVersion.Status.PUBLISHED else guidance_current()
    footer_shows(request, version)  # the version on the page, not the current one
    context = {"version": version, "current": current}
    if version.is_frozen:
        context["article"] = _article(version, current)
    else:
        context["sections"] = version_sections(version)
    return render(request, "guidance/version_detail.html", context)


@login_required
@require_GET
def current(request):
    version = guidance_current_with_people()
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
    versions = guidance_versions().select_related("published_by", "created_by", "based_on")
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


@login_required
@require_GET
def classification_record_page(request):
    """The criteria the subtype check reads (WHO 2022), in our words, with the record they come from."""
    return render(request, "guidance/classification.html", {"record": classification_record()})
