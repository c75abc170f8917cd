"""Try a guidance draft on a case, in the editor's workbench (admin look).

It lives in cases, not guidance: it reuses the clinician's case form and
recommendation lines, and cases may depend on guidance, never the other way.
No case is read or stored: the facts come from the form and go nowhere.
"""

import json

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from guidance.engine import ConditionError, EvaluationError
from guidance.facts import FACTS
from guidance.models import GuidanceVersion
from guidance.properties import case_as_input
from guidance.publishing import guidance_current, properties_for_case

from .display import lines_changes, recommendation_groups
from .forms import CaseForm
from .services import case_evaluate


class TryCaseForm(CaseForm):
    """The clinician's case form, facts only: a tried case has no label or notes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("label", "notes"):
            del self.fields[name]


def try_draft_view(request, version_pk, *, admin_site):
    """The draft's lines beside the published version's for the typed facts, and the properties for this case."""
    if not request.user.has_perm("guidance.view_guidanceversion"):
        raise PermissionDenied
    version = get_object_or_404(GuidanceVersion.objects.select_related("guideline"), pk=version_pk)
    current = guidance_current(slug=version.guideline.slug)
    form = TryCaseForm(request.GET if "subtype" in request.GET else None)
    context = {
        **admin_site.each_context(request),
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
                changes=lines_changes(old=current_lines, new=draft_lines),
                checks=checks,
                checks_fail=any(not check.holds for check in checks),
                case_json=json.dumps(case_as_input(facts)),
            )
    elif form.is_bound:
        context["fact_errors"] = form.fact_errors
    return TemplateResponse(request, "admin/guidance/guidanceversion/try_draft.html", context)
