from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Each role's own start page: a clinician's cases, the reviewer's list, or the guidance."""
    user = request.user
    if user.has_perm("cases.add_case"):
        return redirect("cases:list")
    if user.has_perm("cases.review_all_cases"):
        return redirect("cases:review")
    return redirect("guidance:current")
