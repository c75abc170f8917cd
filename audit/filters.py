"""The audit trail's filters as a django-filter FilterSet (see mastoweb.filtering).

The fields are AuditFilterForm's; the conditions audit.selectors.AUDIT_CONDITIONS.
"""

from mastoweb.filtering import ConditionFilter, ConditionsFilterSet

from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import AUDIT_CONDITIONS


class AuditEventFilter(ConditionsFilterSet):
    conditions = AUDIT_CONDITIONS
    action = ConditionFilter()
    actor = ConditionFilter()
    case = ConditionFilter()
    date_from = ConditionFilter()
    date_to = ConditionFilter()

    class Meta:
        model = AuditEvent
        fields = []
        form = AuditFilterForm
