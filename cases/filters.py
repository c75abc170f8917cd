"""The reviewer list's filters as a django-filter FilterSet (see mastoweb.filtering).

The fields are CaseReviewForm's; the filters, one per condition, are
cases.selectors.REVIEW_CONDITIONS, which case_review_list (export, dashboard
rollup) applies too.
"""

from mastoweb.filtering import ConditionsFilterSet

from .forms import CaseReviewForm
from .models import Case
from .selectors import REVIEW_CONDITIONS


class CaseReviewFilter(ConditionsFilterSet):
    """Context: current_version, the published guidance version's number (or None), for "outlook"."""

    conditions = REVIEW_CONDITIONS

    class Meta:
        model = Case
        fields = []
        form = CaseReviewForm
