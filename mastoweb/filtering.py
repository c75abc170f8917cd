"""django-filter for the long lists (reviewer's cases, audit trail): the form declares, the selectors decide.

A ConditionsFilterSet's form declares every field once (label, choices, help
text, the day checks) and may hold more than filters (the sort); each filter
applies the condition of its name from the FilterSet's `conditions`, the same
functions the selectors apply to cleaned values.
"""

import django_filters
from django.shortcuts import redirect
from django.urls import reverse

EMPTY = ("", None, False)  # a blank field, no choice, an unticked box: no filtering


class ConditionFilter(django_filters.Filter):
    """A filter by its name in its FilterSet's `conditions`; its form field is the form's own."""

    def filter(self, qs, value):
        return self.parent.apply(self.field_name, qs, value)


class ConditionsFilterSet(django_filters.FilterSet):
    """A filter per condition, by its name: the conditions say what is filtered, the form how it is asked."""

    conditions = {}  # name -> condition(queryset, value, **context) -> queryset

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for name in cls.conditions:
            filters.setdefault(name, ConditionFilter(field_name=name))
        return filters

    def __init__(self, data=None, queryset=None, **context):
        super().__init__(data, queryset if queryset is not None else self._meta.model._default_manager.all())
        self.context = context

    def apply(self, name, queryset, value):
        return queryset if value in EMPTY else self.conditions[name](queryset, value, **self.context)

    def get_form_class(self):
        return self._meta.form

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if name in self.filters:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def used(self):
        """The names of the filters in use: what an audit event may say about an export (after is_valid)."""
        return sorted(
            name for name, value in self.form.cleaned_data.items() if name in self.filters and value not in EMPTY
        )


def filters_refused_redirect(request, url_name):
    """Back to the list named `url_name` with the refused filters, where the form says what is wrong."""
    return redirect(f"{reverse(url_name)}?{request.GET.urlencode()}")
