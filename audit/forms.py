from django import forms

from mastoweb.days import DayField, DayRangeMixin

from .registry import action_choices


class AuditFilterForm(DayRangeMixin, forms.Form):
    # A callable: the apps register their actions when they start, after this module is imported.
    action = forms.ChoiceField(choices=lambda: [("", "Any action"), *action_choices()], required=False)
    actor = forms.CharField(label="User", max_length=150, required=False, help_text="Exact username.")
    case = forms.UUIDField(label="Case", required=False, help_text="The case's id, as in its page's address.")
    date_from = DayField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DayField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
