from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.middleware import session_idle_seconds_left
from audit.registry import events_described
from audit.selectors import audit_case_log
from guidance.classification import classifier_for
from guidance.context_processors import footer_shows
from guidance.selectors import guidance_current
from mastoweb.filtering import filters_refused_redirect
from mastoweb.paging import cursor_damaged_message, page_cursors, page_links
from mastoweb.spreadsheets import EXPORT_CHUNK_SIZE, csv_download

from . import export, selectors, services
from .access import ADD_PERMISSION, REVIEW_PERMISSION, VIEW_PERMISSION, case_can_change, case_get_for_user
from .charts import chart_key, chart_svg
from .dashboard import chart_csv_lines, dashboard_charts
from .display import (
    assessments_comparison,
    facts_line,
    facts_shown,
    findings_panel,
    lines_glance,
    recommendation_groups,
    subtype_check,
)
from .filters import CaseReviewFilter
from .forms import CaseForm, CaseUpdateForm, DashboardForm, FeedbackForm, SubtypeApplyForm
from .models import RecommendationFeedback
from .rows import case_list_rows_html, review_rows_html

CASES_PER_PAGE = 50
CASE_LOG_SIZE = 50
REVERSE_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
DAMAGED_CURSOR = cursor_damaged_message("this is the first page")


def _record_view(request, case, **details):
    services.case_view_record(user=request.user, case=case, **details)


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def case_list(request):
    cases = Paginator(selectors.case_list_for_user(user=request.user), CASES_PER_PAGE).get_page(request.GET.get("page"))
    current = guidance_current()
    if current is not None:
        changes = selectors.case_list_changes(cases=cases.object_list, version=current)
        for case in cases.object_list:
            case.change_summary = changes.get(case.pk)
    rows_html = case_list_rows_html(
        cases.object_list,
        detail_url=reverse("cases:detail", args=[REVERSE_PLACEHOLDER]).split(REVERSE_PLACEHOLDER),
        reassess_url=reverse("cases:reassess", args=[REVERSE_PLACEHOLDER]).split(REVERSE_PLACEHOLDER),
        current_number=current.number if current else None,
    )
    footer_shows(request, current)
    return render(request, "cases/case_list.html", {"page": cases, "current_guidance": current, "rows_html": rows_html})


def _form_page(request, form, *, case=None, conflict=None):
    """The case form with its preview: on entry, on errors, and from the preview without htmx."""
    version = services.guidance_for_assessment()
    preview = _preview(form, version, facts=case.facts if case and not form.is_bound else None)
    context = {
        "form": form,
        "case": case,
        "guidance_shown": version,
        "preview": preview,
        "conflict": conflict,
        "idle_seconds_left": session_idle_seconds_left(request),
    }
    footer_shows(request, version)
    return render(request, "cases/case_form.html", context, status=409 if conflict else 200)


@login_required
@require_GET
def session_keep_alive(request):
    """A sign of life from an open case form, sent on a keystroke or click at most once a minute.

    The session middleware has just counted this request as activity; the answer says how long the
    session may now stay idle, and hands over the current CSRF token (it changes at a login, such as
    one made in another tab after the session ended) so the form can still be saved.
    """
    return JsonResponse({"idle_seconds_left": session_idle_seconds_left(request), "csrf_token": get_token(request)})


def _preview(form, version, *, facts=None):
    """The preview region's context: the grouped lines for the facts, or what stops them."""
    errors = []
    if form.is_bound:
        errors = form.fact_errors
        facts = form.usable_facts
        if facts is None:
            return {"errors": errors, "held": True}
    if facts is None:
        return None
    lines = services.case_evaluate(facts=facts, version=version)
    # The refused fields are named above the lines: those lines are what the other facts support.
    return {
        "groups": recommendation_groups(lines),
        "notices": services.case_notices(facts=facts, lines=lines, version=version),
        "version": version,
        "errors": errors,
        "subtype_check": subtype_check(facts, classifier_for()),
    }


@login_required
@permission_required(ADD_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_create(request):
    if request.method == "POST":
        form = CaseForm(request.POST)
    else:
        form = CaseForm(initial=CaseForm.initial_from_query(request.GET))
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
@permission_required(ADD_PERMISSION, raise_exception=True)
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


@dataclass
class FeedbackPanel:
    """Feedback beside each line of one assessment; `editable` offers the clinician the forms.

    `form` is a refused post, shown again on its line with what was typed;
    `saved_rule` the line whose feedback was just recorded.
    """

    assessment: object
    latest: dict
    editable: bool = False
    form: FeedbackForm | None = None
    saved_rule: str = ""
    action: str = field(init=False)

    def __post_init__(self):
        self.action = reverse(
            "cases:feedback", kwargs={"case_id": self.assessment.case_id, "assessment_id": self.assessment.pk}
        )

    def for_line(self, rule):
        form = self.form if self.form is not None and self.form.data.get("rule") == rule else None
        return {
            "latest": self.latest.get(rule),
            "editable": self.editable,
            "form": form,
            "saved": rule == self.saved_rule,
            "action": self.action,
            "reasons": [("", "Choose a reason"), *RecommendationFeedback.Reason.choices],
        }


def _assessment_page(request, case, assessment, *, history=None, superseded_by=None, feedback_form=None, status=200):
    current = guidance_current()
    lines = assessment.lines
    can_change = case_can_change(request.user, case)
    # Feedback is given on the latest assessment only; an older one keeps its own, read-only.
    panel = FeedbackPanel(
        assessment,
        selectors.feedback_latest_by_rule(assessment=assessment),
        editable=can_change and bool(history) and history[0].pk == assessment.pk,
        form=feedback_form,
    )
    check = subtype_check(assessment.facts, classifier_for())
    latest = bool(history) and history[0].pk == assessment.pk
    context = {
        "case": case,
        "assessment": assessment,
        "subtype_check": check,
        "findings": findings_panel(check),
        # Only the case's clinician, on its latest assessment, may apply what the check proposes.
        "can_apply_subtype": can_change and latest and check is not None and check.proposal is not None,
        "superseded_by": superseded_by,
        "groups": recommendation_groups(lines),
        "notices": services.case_notices(facts=assessment.facts, lines=lines, version=assessment.guidance_version),
        "glance": lines_glance(lines),
        "facts": facts_shown(assessment.facts),
        "facts_line": facts_line(assessment.facts),
        "newer_guidance": selectors.guidance_newer_than(assessment=assessment, current=current),
        "history": history,
        "can_change": can_change,
        "feedback_panel": panel,
    }
    footer_shows(request, assessment.guidance_version)
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
def case_detail(request, case_id):
    case = case_get_for_user(request.user, case_id)
    history = list(selectors.case_assessments(case=case))
    _record_view(request, case, assessment_id=history[0].pk)
    return _assessment_page(request, case, history[0], history=history)


@login_required
@require_POST
def case_subtype_apply(request, case_id):
    """The clinician applies the subtype the subtype check proposes: audited, and the case assessed afresh."""
    case = case_get_for_user(request.user, case_id, for_change=True)
    form = SubtypeApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The subtype was not changed: the request was incomplete.")
        return redirect(case)
    try:
        services.case_subtype_apply(
            case=case,
            user=request.user,
            subtype=form.cleaned_data["subtype"],
            lock_version=form.cleaned_data["lock_version"],
        )
    except services.CaseChangedError:
        messages.warning(request, "The case was changed meanwhile; the subtype was not changed. Read the check again.")
        return redirect(case)
    except services.SubtypeNotProposedError as refused:
        messages.warning(request, f"The subtype was not changed: {refused}")
        return redirect(case)
    messages.success(request, f"Subtype changed to {form.cleaned_data['subtype']} and the case assessed afresh.")
    return redirect(case)


@login_required
def assessment_detail(request, case_id, assessment_id):
    case = case_get_for_user(request.user, case_id)
    assessment = get_object_or_404(selectors.case_assessments(case=case), pk=assessment_id)
    _record_view(request, case, assessment_id=assessment.pk)
    superseded_by = selectors.assessment_next(assessment=assessment)
    return _assessment_page(request, case, assessment, superseded_by=superseded_by)


def _assessment_chosen(assessments, value, default):
    try:
        return next(assessment for assessment in assessments if assessment.pk == int(value))
    except (TypeError, ValueError, StopIteration):
        return default


@login_required
@require_GET
def case_compare(request, case_id):
    """Any two assessments of a case: facts changed and lines added, removed or changed, word by word.

    `before` and `after` name the assessments (ids in the query string); by default the two latest.
    """
    case = case_get_for_user(request.user, case_id)
    history = list(selectors.case_assessments(case=case))
    if len(history) < 2:
        messages.info(request, "This case has one assessment so far: there is nothing to compare it with.")
        return redirect(case)
    before = _assessment_chosen(history, request.GET.get("before"), history[1])
    after = _assessment_chosen(history, request.GET.get("after"), history[0])
    _record_view(request, case, page="compare", assessment_ids=[before.pk, after.pk])
    context = {
        "case": case,
        "history": history,
        "before": before,
        "after": after,
        "comparison": assessments_comparison(before=before, after=after),
    }
    return render(request, "cases/case_compare.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_reassess(request, case_id):
    """What newer guidance would change for this patient; a POST saves the new assessment."""
    case = case_get_for_user(request.user, case_id, for_change=True)
    try:
        if request.method == "POST":
            assessment = services.case_reassess(case=case, user=request.user)
            messages.success(request, f"Case reassessed under guidance version {assessment.guidance_version.number}.")
            return redirect(case)
        reassessment = services.case_reassessment(case=case)
    except services.AlreadyAssessedError as already:
        messages.info(request, str(already))
        return redirect(case)
    context = {
        "case": case,
        "latest": reassessment.latest,
        "version": reassessment.version,
        "changes": reassessment.changes,
    }
    footer_shows(request, reassessment.version)
    return render(request, "cases/case_reassess.html", context)


@login_required
@require_POST
def assessment_feedback(request, case_id, assessment_id):
    """Record the clinician's feedback on one line of the latest assessment.

    With htmx the line's feedback region comes back; without, the management
    page (refused input is shown again on its line, nothing typed is lost).
    """
    case = case_get_for_user(request.user, case_id, for_change=True)
    history = list(selectors.case_assessments(case=case))
    assessment = next((item for item in history if item.pk == assessment_id), None)
    if assessment is None:
        raise Http404
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_record(assessment=assessment, user=request.user, **form.cleaned_data)
        except services.FeedbackError as refused:
            form.add_service_errors(refused.errors)
    saved = not form.errors
    rule = form.data.get("rule", "")
    line = next((line for line in assessment.lines if line.rule == rule), None)
    if request.htmx and line is not None:
        panel = FeedbackPanel(
            assessment,
            selectors.feedback_latest_by_rule(assessment=assessment),
            editable=assessment.pk == history[0].pk,
            form=None if saved else form,
            saved_rule=rule if saved else "",
        )
        return render(request, "cases/includes/line_feedback.html", {"line": line, "feedback_panel": panel})
    if saved:
        messages.success(
            request, f"Feedback recorded: {RecommendationFeedback.Outcome(form.cleaned_data['outcome']).label}."
        )
        return redirect(f"{case.get_absolute_url()}#feedback-{rule}")
    messages.error(request, "Feedback not recorded: " + " ".join(" ".join(errors) for errors in form.errors.values()))
    if assessment.pk == history[0].pk:
        return _assessment_page(request, case, assessment, history=history, feedback_form=form, status=400)
    return _assessment_page(request, case, assessment, status=400)


# ---------------------------------------------------------------- reviewers


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_GET
def case_review(request):
    """Every case, filtered, sorted and paged by a cursor; the filters travel in the query string."""
    filters, current = _review_filters(request)
    current_number = current.number if current else None
    form = filters.form
    rows, page, unchecked, count, more = [], None, False, None, False
    if filters.is_valid():
        sort = form.cleaned_data["sort"]
        cases = filters.qs
        after, before, damaged = page_cursors(request.GET, selectors.REVIEW_SORTS[sort].keyset)
        if damaged:
            messages.error(request, DAMAGED_CURSOR)
        page = selectors.case_review_page(cases, sort=sort, after=after, before=before)
        rows = page.rows
        count, more = selectors.case_review_count(cases)
        for row in rows:
            row.outlook = selectors.case_outlook(row, current_version=current_number)
        if form.cleaned_data["outlook"] in (selectors.Outlook.WOULD_CHANGE, selectors.Outlook.UNCHANGED):
            unchecked = selectors.case_review_unchecked_exists(current_version=current_number)
    context = {
        "form": form,
        "cases": rows,
        "count": count,
        "count_more": more,
        **page_links(request.GET, page),
        "filters_used": len(filters.used) if filters.is_valid() else 0,
        "unchecked": unchecked,
        "current_guidance": current,
        # Each row links to its case: one reverse() for the page, not one per row.
        "rows_html": review_rows_html(
            rows,
            detail_url=reverse("cases:review_detail", args=[REVERSE_PLACEHOLDER]).split(REVERSE_PLACEHOLDER),
            current_number=current_number,
        ),
    }
    footer_shows(request, current)
    return render(request, "cases/case_review.html", context)


def _review_filters(request):
    """The reviewer's filters from the query string, and the current guidance they compare cases with."""
    current = guidance_current()
    return CaseReviewFilter(request.GET, current_version=current.number if current else None), current


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_GET
def case_review_detail(request, case_id):
    """The case with every assessment in full, each exactly as it was shown."""
    case = case_get_for_user(request.user, case_id)
    history = list(selectors.case_assessments(case=case))
    feedback = selectors.feedback_latest_by_assessment(assessments=history)
    assessments = [
        {
            "assessment": assessment,
            "groups": recommendation_groups(assessment.lines),
            "notices": services.case_notices(
                facts=assessment.facts, lines=assessment.lines, version=assessment.guidance_version
            ),
            "facts": facts_shown(assessment.facts),
            "id_prefix": f"assessment-{assessment.pk}-",  # headings' ids, unique on the page
            "feedback": FeedbackPanel(assessment, feedback[assessment.pk]),
        }
        for assessment in history
    ]
    _record_view(request, case, page="review")
    # Who viewed, changed, assessed and gave feedback, including this view.
    log = events_described(audit_case_log(case_id=case.pk), user=request.user)
    context = {"case": case, "assessments": assessments, "access_log": log, "log_limit": CASE_LOG_SIZE}
    return render(request, "cases/case_review_detail.html", context)


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_GET
def case_review_export(request):
    """The filtered list as CSV, streamed: rows go out as the database hands them over."""
    filters, current = _review_filters(request)
    current_number = current.number if current else None
    if not filters.is_valid():
        return filters_refused_redirect(request, "cases:review")
    sort = filters.form.cleaned_data["sort"]
    cases = selectors.case_review_export(filters.qs, sort=sort)
    services.case_export_record(user=request.user, filters=filters.used, sort=sort)
    lines = export.csv_lines(cases.iterator(chunk_size=EXPORT_CHUNK_SIZE), current_version=current_number)
    return csv_download(lines, name="cases")


def _dashboard(request):
    """The filter form, the charts for its filters (or none if it is refused) and the current guidance."""
    form = DashboardForm(request.GET)
    current = guidance_current()
    charts = []
    if form.is_valid():
        charts = dashboard_charts(filters=form.cleaned_data, current_version=current.number if current else None)
    return form, charts, current


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_GET
def case_dashboard(request):
    """Counts across every case, as charts with their data; each bar leads to the list of its cases."""
    form, charts, current = _dashboard(request)
    # Each figure's whole section (the drawing, its table, the CSV link) is cached by the chart's digest
    # and the query: the same counts and links give the same HTML.
    figures = [
        {
            "chart": chart,
            "svg": chart_svg(chart, dom_id=f"chart-{chart.slug}"),
            "key": chart_key(chart, dom_id=f"chart-{chart.slug}"),
        }
        for chart in charts
    ]
    query = request.GET.copy()
    context = {
        "form": form,
        "figures": figures,
        "query": query.urlencode(),
        "filters_used": len(form.used) if form.is_valid() else 0,
    }
    footer_shows(request, current)
    return render(request, "cases/case_dashboard.html", context)


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_GET
def case_dashboard_csv(request, chart):
    """One chart's data as CSV: its rows, their extra columns and the link to their cases."""
    form, charts, _ = _dashboard(request)
    if not form.is_valid():
        return filters_refused_redirect(request, "cases:dashboard")
    found = next((item for item in charts if item.slug == chart), None)
    if found is None:
        raise Http404
    lines = chart_csv_lines(found, absolute_uri=request.build_absolute_uri)
    return csv_download(lines, name=found.slug, streaming=False)
