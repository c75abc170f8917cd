"""The only way a view gets a case for a user.

A case another user may not see is a 404, never a 403: the answer must not
reveal whether the case exists.
"""

from django.shortcuts import get_object_or_404

from .models import Case

REVIEW_PERMISSION = "cases.review_all_cases"


def case_get_for_user(user, case_id, *, for_change=False):
    """The case if this user may read it (or change it, with for_change), else Http404.

    Owners read and change their own cases; reviewers read every case and change none.
    """
    cases = Case.objects.select_related("created_by")
    if for_change or not user.has_perm(REVIEW_PERMISSION):
        cases = cases.filter(created_by=user)
    return get_object_or_404(cases, pk=case_id)
