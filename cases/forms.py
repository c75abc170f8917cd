from crispy_forms.bootstrap import AppendedText, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms

from guidance.facts import FACTS, SYMPTOMS, CaseValidationError, validate_case

from .models import Case


class CaseForm(forms.ModelForm):
    """The case facts, checked by the same validator as `evaluate_case`.

    Field names are the fact names of case.schema.json, plus `label` and `notes`.
    """

    symptoms = forms.MultipleChoiceField(
        label=FACTS["symptoms"].label,
        choices=list(SYMPTOMS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Case._meta.get_field("symptoms").help_text,
    )

    class Meta:
        model = Case
        fields = ["label", "age_years", *(name for name in FACTS if name != "age_years"), "notes"]
        widgets = {
            "age_years": forms.NumberInput(attrs={"min": 0, "max": 120, "step": 1, "inputmode": "numeric"}),
            "serum_tryptase_ng_ml": forms.NumberInput(attrs={"min": 0, "max": 100000, "step": "any"}),
            "antihistamine_response": forms.RadioSelect,
            "antileukotriene_response": forms.RadioSelect,
            "omalizumab_response": forms.RadioSelect,
            "nsaid_tolerance": forms.RadioSelect,
            "kit_d816v": forms.RadioSelect,
            "hct_eligible": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.facts = None
        self.fields["subtype"].choices = [("", "Choose a subtype"), *list(self.fields["subtype"].choices)[1:]]
        self.fields["label"].widget.attrs["autocomplete"] = "off"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("Case", "label", Div("age_years", css_class="field-narrow")),
            Fieldset("Diagnosis and subtype", "subtype"),
            Fieldset("Symptoms", Field("symptoms", wrapper_class="symptom-choices")),
            Fieldset(
                "Treatment history and responses",
                InlineRadios("antihistamine_response"),
                InlineRadios("antileukotriene_response"),
                InlineRadios("omalizumab_response"),
            ),
            Fieldset("Safety", InlineRadios("nsaid_tolerance"), "venom_allergy"),
            Fieldset(
                "Labs and genetics",
                Div(AppendedText("serum_tryptase_ng_ml", "ng/mL"), css_class="field-narrow"),
                InlineRadios("kit_d816v"),
            ),
            Fieldset("Transplant", InlineRadios("hct_eligible")),
            Fieldset("Notes", "notes"),
        )

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in FACTS):
            return cleaned  # a field is already refused; its own message says why
        try:
            self.facts = validate_case({name: cleaned.get(name) for name in FACTS})
        except CaseValidationError as exc:
            for name, message in exc.errors.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    @property
    def fact_errors(self):
        """Errors of the facts only: what the preview shows (a missing label does not matter there)."""
        return {name: errors for name, errors in self.errors.items() if name in FACTS or name == "__all__"}
