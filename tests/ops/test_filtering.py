"""A ConditionsFilterSet filters by each of its conditions, by name, with nothing declared twice."""

from audit.filters import AuditEventFilter
from audit.selectors import AUDIT_CONDITIONS
from cases.filters import CaseReviewFilter
from cases.selectors import REVIEW_CONDITIONS
from mastoweb.filtering import ConditionFilter


def test_each_condition_is_a_filter_of_its_name():
    for filterset, conditions in ((CaseReviewFilter, REVIEW_CONDITIONS), (AuditEventFilter, AUDIT_CONDITIONS)):
        assert list(filterset.base_filters) == list(conditions)
        assert all(isinstance(f, ConditionFilter) for f in filterset.base_filters.values())
        assert [f.field_name for f in filterset.base_filters.values()] == list(conditions)


def test_each_filter_has_its_field_in_the_form():
    for filterset in (CaseReviewFilter, AuditEventFilter):
        assert set(filterset.base_filters) <= set(filterset._meta.form.base_fields)
