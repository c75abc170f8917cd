"""Forms for guidance editors (used by the admin)."""

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property

from .models import Rule


class SameVersionFormSet(BaseInlineFormSet):
    """An inline formset whose `limited_field` only offers rows of the same version.

    The choices are queried once for the whole formset: a version holds dozens
    of paragraphs and rules, and a query per inline form would grow with them.
    """

    limited_field = None

    @cached_property
    def _limited(self):
        field = self.form.base_fields[self.limited_field]
        # Labels name the version (Paragraph.__str__), hence the join.
        queryset = field.queryset.filter(version_id=self.instance.pk).select_related("version")
        choices = [("", field.empty_label), *((obj.pk, field.label_from_instance(obj)) for obj in queryset)]
        return queryset, choices

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get(self.limited_field)
        if field is not None:
            field.queryset, field.choices = self._limited


class ParagraphFormSet(SameVersionFormSet):
    limited_field = "section"


class RuleFormSet(SameVersionFormSet):
    limited_field = "paragraph"


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["rule_id", "paragraph", "kind", "summary", "condition", "mentions", "order"]
        widgets = {
            "condition": forms.Textarea(attrs={"rows": 3, "cols": 90, "spellcheck": "false", "autocomplete": "off"}),
        }


class PublishForm(forms.Form):
    change_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="What changed and why; shown to clinicians in the version history.",
    )
    confirm_changes = forms.BooleanField(
        required=False,
        label="I have reviewed these changes",
        help_text="Required when the draft changes the recommendations of any regression case.",
    )

    def __init__(self, *args, regression_changes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regression_changes = regression_changes
        if not regression_changes:
            del self.fields["confirm_changes"]

    def clean(self):
        cleaned = super().clean()
        if self.regression_changes and not cleaned.get("confirm_changes"):
            count = len(self.regression_changes)
            self.add_error(
                "confirm_changes",
                f"This draft changes the recommendations of {count} regression case{'s' if count != 1 else ''}; "
                "review them above and tick the box to publish.",
            )
        return cleaned
