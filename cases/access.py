"""The only way a view gets a case for a user.

The role first: a user whose role has no business with case data (a guidance
editor) is refused with a 403 before any case is looked up, so the refusal is
the same whether or not the case exists. Then the object: a case another user
may not see is a 404, never a 403, so the answer does not reveal whether it
exists.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Case

VIEW_PERMISSION = "cases.view_case"
ADD_PERMISSION = "cases.add_case"
CHANGE_PERMISSION = "cases.change_case"
REVIEW_PERMISSION = "cases.review_all_cases"


def case_get_for_user(user, case_id, *, for_change=False):
    """The case if this user may read it (or change it, with for_change).

    Owners read and change their own cases; reviewers read every case and
    change none. PermissionDenied if the user's role may not read (or change)
    cases at all; Http404 if the case is missing or not theirs to touch.
    """
    if not user.has_perm(CHANGE_PERMISSION if for_change else VIEW_PERMISSION):
        raise PermissionDenied
    cases = Case.objects.select_related("created_by")
    if for_change or not user.has_perm(REVIEW_PERMISSION):
        cases = cases.filter(created_by=user)
    return get_object_or_404(cases, pk=case_id)


def case_can_change(user, case):
    """Whether the page should offer this user the case's edit and re-evaluation."""
    return case.created_by_id == user.pk and user.has_perm(CHANGE_PERMISSION)
