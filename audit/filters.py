"""The audit trail's filters as a django-filter FilterSet (see mastoweb.filtering).

The fields are AuditFilterForm's; the filters, one per condition, audit.selectors.AUDIT_CONDITIONS.
"""

from mastoweb.filtering import ConditionsFilterSet

from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import AUDIT_CONDITIONS


class AuditEventFilter(ConditionsFilterSet):
    conditions = AUDIT_CONDITIONS

    class Meta:
        model = AuditEvent
        fields = []
        form = AuditFilterForm
