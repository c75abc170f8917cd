from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from guidance.publishing import guidance_current

from . import selectors, services
from .access import case_get_for_user
from .display import facts_shown, lines_changes, lines_from_snapshot, recommendation_groups
from .forms import CaseForm, CaseUpdateForm

CASES_PER_PAGE = 50


@login_required
def case_list(request):
    cases = Paginator(selectors.case_list_for_user(user=request.user), CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"page": cases, "current_guidance": guidance_current()})


def _form_page(request, form, *, case=None, conflict=None):
    """The case form with its preview: on entry, on errors, and from the preview without htmx."""
    version = services.guidance_for_assessment()
    preview = _preview(form, version, facts=case.facts if case and not form.is_bound else None)
    context = {"form": form, "case": case, "guidance_shown": version, "preview": preview, "conflict": conflict}
    return render(request, "cases/case_form.html", context, status=409 if conflict else 200)


def _preview(form, version, *, facts=None):
    """The preview region's context: the grouped lines for the facts, or what stops them."""
    if form.is_bound:
        facts = form.facts
        if facts is None:
            return {"errors": form.fact_errors}
    if facts is None:
        return None
    return {"groups": recommendation_groups(services.case_evaluate(facts=facts, version=version)), "version": version}


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    form = CaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(
            user=request.user, label=form.cleaned_data["label"], facts=form.facts, notes=form.cleaned_data["notes"]
        )
        messages.success(request, "Case saved and assessed.")
        return redirect(case)
    return _form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def case_update(request, case_id):
    case = case_get_for_user(request.user, case_id, for_change=True)
    form = CaseUpdateForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(
                case=case,
                user=request.user,
                label=form.cleaned_data["label"],
                facts=form.facts,
                notes=form.cleaned_data["notes"],
                lock_version=form.cleaned_data["lock_version"],
            )
        except services.CaseChangedError as conflict:
            # Their input stays; the saved version is offered, so saving again overwrites on purpose.
            data = request.POST.copy()
            data["lock_version"] = conflict.saved.lock_version
            form = CaseUpdateForm(data, case=conflict.saved)
            form.is_valid()
            return _form_page(request, form, case=conflict.saved, conflict=conflict)
        messages.success(request, "Changes saved and assessed afresh.")
        return redirect(case)
    return _form_page(request, form, case=case)


@login_required
@require_POST
def case_preview(request):
    """The recommendations for the facts typed so far; nothing is saved.

    htmx asks for the preview region only; without JavaScript the whole form page comes back.
    """
    form = CaseForm(request.POST)
    form.is_valid()
    if request.htmx:
        version = services.guidance_for_assessment()
        return render(request, "cases/case_form.html#preview", {"preview": _preview(form, version)})
    return _form_page(request, form)


def _assessment_page(request, case, assessment, *, history=None):
    current = guidance_current()
    context = {
        "case": case,
        "assessment": assessment,
        "groups": recommendation_groups(lines_from_snapshot(assessment.recommendations)),
        "facts": facts_shown(assessment.facts),
        "newer_guidance": current if current and current.number > assessment.guidance_version.number else None,
        "history": history,
        "can_change": case.created_by_id == request.user.pk,
        "guidance_shown": assessment.guidance_version,
        "current_guidance": current,  # already fetched; spares the footer a query
    }
    return render(request, "cases/case_detail.html", context)


@login_required
def case_detail(request, case_id):
    case = case_get_for_user(request.user, case_id)
    history = list(selectors.case_assessments(case=case))
    return _assessment_page(request, case, history[0], history=history)


@login_required
def assessment_detail(request, case_id, assessment_id):
    case = case_get_for_user(request.user, case_id)
    assessment = get_object_or_404(selectors.case_assessments(case=case), pk=assessment_id)
    return _assessment_page(request, case, assessment)


@login_required
@require_http_methods(["GET", "POST"])
def case_reassess(request, case_id):
    """What newer guidance would change for this patient; a POST saves the new assessment."""
    case = case_get_for_user(request.user, case_id, for_change=True)
    latest = selectors.assessment_latest(case=case)
    version = services.guidance_for_assessment()
    if latest.guidance_version_id == version.pk:
        messages.info(request, f"This case is already assessed under the current guidance (version {version.number}).")
        return redirect(case)
    if request.method == "POST":
        services.case_reassess(case=case, user=request.user)
        messages.success(request, f"Case reassessed under guidance version {version.number}.")
        return redirect(case)
    new = services.case_evaluate(facts=case.facts, version=version)
    context = {
        "case": case,
        "latest": latest,
        "version": version,
        "changes": lines_changes(old=lines_from_snapshot(latest.recommendations), new=new),
        "guidance_shown": version,
    }
    return render(request, "cases/case_reassess.html", context)
