"""The guidance editor's workbench pages that need cases: try a draft on a case, its impact on the stored cases.

Routed with the rest of the workbench (guidance/workbench/) under /workbench/ by
mastoweb/urls.py, behind the admin's door (mastoweb.admin.staff_only). They live
in cases, not guidance: they reuse the clinician's case form and
recommendation lines and read the case table, and cases may depend on
guidance, never the other way. Trying reads and stores no case; the impact
page shows counts and fact combinations only (editors have no case access).
"""

import json
from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from guidance.engine import ConditionError, EvaluationError
from guidance.evaluation import properties_for_case
from guidance.facts import FACTS, facts_in_words
from guidance.lines import lines_compare
from guidance.models import GuidanceVersion
from guidance.properties import case_as_input
from guidance.publishing import draft_fingerprint
from guidance.selectors import guidance_current, guidance_version_by_pk
from mastoweb.admin import staff_only

from . import impact
from .display import recommendation_groups
from .forms import CaseForm
from .services import case_evaluate


class TryCaseForm(CaseForm):
    """The clinician's case form, facts only: a tried case has no label or notes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("label", "notes"):
            del self.fields[name]


def _version(pk):
    version = guidance_version_by_pk(pk)
    if version is None:
        raise Http404("No such guidance version.")
    return version


def try_draft_view(request, version_pk):
    """The draft's lines beside the published version's for the typed facts, and the properties for this case."""
    if not request.user.has_perm("guidance.view_guidanceversion"):
        raise PermissionDenied
    version = _version(version_pk)
    current = guidance_current(slug=version.guideline.slug)
    form = TryCaseForm(request.GET if "subtype" in request.GET else None)
    context = {
        **admin.site.each_context(request),
        "title": f"Try guidance v{version.number} on a case",
        "original": version,
        "opts": GuidanceVersion._meta,
        "current": current,
        "form": form,
        "fact_fields": [form[name] for name in FACTS],
    }
    if form.is_bound and form.is_valid():
        facts = form.facts
        try:
            draft_lines = case_evaluate(facts=facts, version=version)
            current_lines = case_evaluate(facts=facts, version=current) if current else []
            checks = properties_for_case(facts=facts, version=version)
        except (ConditionError, EvaluationError) as exc:
            context["failure"] = str(exc)
        else:
            context.update(
                draft_groups=recommendation_groups(draft_lines),
                current_groups=recommendation_groups(current_lines),
                changes=lines_compare(current_lines, draft_lines),
                checks=checks,
                checks_fail=any(not check.holds for check in checks),
                case_json=json.dumps(case_as_input(facts)),
            )
    elif form.is_bound:
        context["fact_errors"] = form.fact_errors
    return TemplateResponse(request, "admin/guidance/guidanceversion/try_draft.html", context)


STALLED_AFTER = timedelta(minutes=2)


SMALL_COUNT = 5


def count_shown(n):
    """A count of cases for editors, who have no case access: under 5 (but not 0) reads "fewer than 5",
    since a rare combination of facts with its exact count can point to a patient."""
    return f"fewer than {SMALL_COUNT}" if 0 < n < SMALL_COUNT else str(n)


def impact_view(request, version_pk):
    """How many stored cases the version would change, and how: counts and fact combinations, no case data.

    GET shows the latest comparison (polling while it runs, over htmx); POST
    starts a new one, or resumes one whose worker stopped.
    """
    if not request.user.has_perm("guidance.view_guidanceversion"):
        raise PermissionDenied
    version = _version(version_pk)
    latest = impact.impact_latest(version=version)
    if request.method == "POST":
        if request.POST.get("action") == "resume" and latest is not None:
            impact.impact_resume(impact=latest)
        else:
            impact.impact_start(version=version, user=request.user)
        return redirect(request.path)
    running = latest is not None and latest.is_running
    context = {
        **admin.site.each_context(request),
        "title": f"Impact of guidance v{version.number} on the stored cases",
        "original": version,
        "opts": GuidanceVersion._meta,
        "impact": latest,
        "running": running,
        "stalled": running and timezone.now() - latest.updated_at > STALLED_AFTER,
        "stale": latest is not None and version.is_draft and latest.fingerprint != draft_fingerprint(version),
        "per_rule": [
            (rule, {kind: count_shown(n) for kind, n in counts.items()})
            for rule, counts in sorted((latest.per_rule if latest else {}).items())
        ],
        "combinations": [
            {**c, "shown": _combination_shown(c["facts"]), "count_shown": count_shown(c["count"])}
            for c in (sorted(latest.combinations, key=lambda c: -c["count"])[:200] if latest else [])
        ],
    }
    template = "admin/guidance/guidanceversion/impact.html"
    if request.htmx:
        template += "#impact"
    return TemplateResponse(request, template, context)


def _combination_shown(facts):
    return facts_in_words({name: value for name, value in facts.items() if name in FACTS})


# Mounted under /workbench/ with the guidance pages (namespace "workbench"): see mastoweb/urls.py.
urlpatterns = [
    path("<int:version_pk>/try/", staff_only(require_GET(try_draft_view)), name="try_case"),
    path(
        "<int:version_pk>/impact/",
        staff_only(require_http_methods(["GET", "POST"])(impact_view)),
        name="impact",
    ),
]
