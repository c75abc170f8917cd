import decimal
import hashlib
import json

from crispy_forms.bootstrap import AppendedText, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from guidance.facts import (
    FACTS,
    NSAID_TOLERANCE,
    SUBTYPES,
    SYMPTOMS,
    CaseValidationError,
    Group,
    fact_from_text,
    facts_in_form_order,
    validate_case,
)
from guidance.selectors import rules_newest_version, rules_newest_wording, version_numbers_frozen
from mastoweb.days import DayField, DayRangeMixin

from .models import Case, FeedbackStatus, RecommendationFeedback
from .selectors import (
    FEEDBACK_NONE,
    NSAID_NOT_TOLERANT,
    REVIEW_DEFAULT_SORT,
    REVIEW_SORTS,
    Outlook,
)


def _from_model(name, **kwargs):
    """The model field's form field: one label, help text and set of choices."""
    return Case._meta.get_field(name).formfield(**kwargs)


def fact_field(fact):
    """The form field that asks a fact, as its vocabulary entry says (guidance/facts.py).

    Its range is checked by validate_case, so the message is the same everywhere.
    """
    common = {"label": fact.label, "help_text": fact.help}
    if fact.is_enum:
        if fact.form_widget == "select":
            noun = fact.label.lower()
            return forms.ChoiceField(
                choices=[("", f"Choose a {noun}"), *fact.choices.items()],
                error_messages={
                    "required": f"Choose a {noun}.",
                    "invalid_choice": f"\u201c%(value)s\u201d is not a {noun}; choose one from the list.",
                },
                **common,
            )
        return forms.ChoiceField(
            choices=list(fact.choices.items()), initial=fact.default, widget=forms.RadioSelect, **common
        )
    if fact.is_enum_list:
        return forms.MultipleChoiceField(
            choices=list(fact.choices.items()), required=False, widget=forms.CheckboxSelectMultiple, **common
        )
    if fact.is_bool:
        return forms.BooleanField(required=False, initial=fact.default, **common)
    return FactNumberField(fact, **common)


class FactNumberField(forms.Field):
    """A number fact typed as text, read by the vocabulary's one reader (facts.fact_from_text).

    A text box, not <input type=number>: a browser silently drops what it cannot read there ("4e"
    arrives blank) or reads it its own way (Chromium turns "45,5" into 455), so the server must see
    what was typed. The keyboard a phone shows still comes from inputmode.
    """

    def __init__(self, fact, **kwargs):
        self.fact = fact
        mode = "numeric" if fact.is_integer else "decimal"
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off"}))
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        # A saved float is shown in plain digits: repr's "1e-05" would be refused when saved again.
        if isinstance(value, float):
            return format(decimal.Decimal(repr(value)), "f")
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str):
            return value  # an initial value from a saved case
        try:
            return fact_from_text(self.fact, value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


def fact_layout(fact):
    """Where and how the form shows a fact: crispy's layout object for its widget hints."""
    if fact.form_widget == "inline_radios":
        return InlineRadios(fact.name)
    if fact.columns:
        return Field(fact.name, wrapper_class="symptom-choices")
    shown = AppendedText(fact.name, fact.unit) if fact.unit_shown else fact.name
    return Div(shown, css_class="field-narrow") if fact.narrow else shown


class ClosedFieldset(Fieldset):
    """A fieldset inside a <details>: closed by default, opened with one click on its summary."""

    template = "cases/layout/details_fieldset.html"

    def __init__(self, legend, *fields, summary, opened=False, **kwargs):
        super().__init__(legend, *fields, **kwargs)
        self.summary = summary
        self.opened = opened


def _placed(name):
    return fact_layout(FACTS[name]) if name in FACTS else name


# The facts' fields, one per fact of the vocabulary, declared on a base class so
# every form built on it has them, in the form's order.
CaseFactsForm = type(forms.Form)(
    "CaseFactsForm",
    (forms.Form,),
    {"__module__": __name__, **{fact.name: fact_field(fact) for fact in facts_in_form_order()}},
)


class CaseForm(CaseFactsForm):
    """The case facts, checked by the same validator as `evaluate_case`.

    Field names are the fact names of case.schema.json, plus `label` and `notes`.
    The fact fields and the layout come from the vocabulary (guidance/facts.py);
    the form's own fields go first in the group `field_groups` names.
    Saving is for the services; the form only reads and checks what was typed.
    """

    label = _from_model(
        "label",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Give the case a label you will recognise (never a name or record number)."},
    )
    notes = _from_model("notes", widget=forms.Textarea(attrs={"rows": 3}))
    field_groups = {"label": Group.CASE, "notes": Group.NOTES}

    @classmethod
    def sections(cls):
        """The form's groups in order, each with its field names: the form's own fields, then the facts."""
        facts = facts_in_form_order()
        for group in Group:
            names = [name for name, its_group in cls.field_groups.items() if its_group is group]
            names += [fact.name for fact in facts if fact.group is group]
            if names:
                yield group, names

    def __init__(self, *args, case=None, **kwargs):
        if case is not None:
            kwargs.setdefault("initial", {name: getattr(case, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.facts = None
        sections = list(self.sections())
        self.order_fields([name for _, names in sections for name in names])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*(self._section(group, names) for group, names in sections))

    def _section(self, group, names):
        fields = [_placed(name) for name in names]
        if group is not Group.FINDINGS:
            return Fieldset(group.value, *fields)
        # Closed until asked for; open when something in it is given (a refused value too: it is not blank).
        # Only the raw values are read: validating here would run before a subclass has set its fields.
        given = any(self[name].value() not in (None, "", "unknown") for name in names)
        return ClosedFieldset(
            group.value,
            *fields,
            summary="Findings: what defines the subtype (WHO 2022), for the subtype check",
            opened=given,
        )

    @classmethod
    def initial_from_query(cls, query):
        """Facts given in a link (?subtype=ASM&symptoms=flushing, e.g. from a CDS Hooks card) as initial values.

        Only fact fields are read; the clinician sees them in the form and saving checks them as typed.
        """
        initial = {}
        for name, fact in FACTS.items():
            if fact.is_enum_list and query.getlist(name):
                initial[name] = query.getlist(name)
            elif not fact.is_enum_list and query.get(name):
                value = query.get(name)
                if fact.is_bool or (fact.accepts_bool and value in ("true", "false")):
                    value = fact.from_tick(value == "true")  # a link made while it was a tick box still fills it
                initial[name] = value
        return initial

    def clean(self):
        """Check every fact at once: a refused field never hides the validator's word on the others.

        `facts` is set only when every fact is valid (what is saved); `usable_facts` are the valid
        facts with each refused optional one left out (what the preview may show), or None when the
        subtype itself is missing or refused.
        """
        cleaned = super().clean()
        given = {name: cleaned.get(name) for name in FACTS if name not in self.errors}
        try:
            self.facts = validate_case(given)
        except CaseValidationError as exc:
            for name, message in exc.errors.items():
                if name not in self.errors:  # the field's own message already says why
                    self.add_error(name if name in self.fields else None, _sentence(message))
        refused = {name for name in FACTS if name in self.errors}
        if self.facts is not None and refused:
            self.facts = None  # the subtype was refused by its field and so not given: nothing is saved
        if "subtype" not in refused and NON_FIELD_ERRORS not in self.errors:
            if self.facts is not None:
                self.usable_facts = self.facts
            else:
                try:
                    self.usable_facts = validate_case({k: v for k, v in given.items() if k not in refused})
                except CaseValidationError:
                    self.usable_facts = None
        return cleaned

    usable_facts = None

    def anchor(self, name):
        """The id a link to this field lands on: a radio or checkbox group's first box (it has no id of its own)."""
        field = self[name]
        return field.id_for_label or f"{field.auto_id}_0"

    @property
    def error_summary(self):
        """Every error of the form, each with its field's label and the id to link to, in form order."""
        summary = [
            {"id": self.anchor(field.name), "label": field.label, "message": message}
            for field in self
            for message in field.errors
        ]
        summary += [{"id": "", "label": "", "message": message} for message in self.non_field_errors()]
        return summary

    @property
    def fact_errors(self):
        """The refused facts, each with its field's id and label: what the preview lists.

        A missing label or note does not stop a preview, so only facts (and errors of no field) count.
        """
        refused = []
        for name, messages in self.errors.items():
            if name in FACTS:
                refused.append({"id": self.anchor(name), "label": self[name].label, "messages": messages})
            elif name == NON_FIELD_ERRORS:
                refused.append({"id": "", "label": "", "messages": messages})
        return refused


def _sentence(message):
    """The validator writes after the fact's name ("is required; ..."); a field's error stands alone."""
    return message[:1].upper() + message[1:]


class CaseUpdateForm(CaseForm):
    """The case form for an existing case, carrying the version of the case the edit started from."""

    lock_version = forms.IntegerField(
        label="Version of the case",
        min_value=0,
        max_value=2**31 - 1,  # PositiveIntegerField's range on every database
        widget=forms.HiddenInput,
        error_messages={
            "required": "is missing from the form; reload the case and make your changes again.",
            "invalid": "is damaged in the form; reload the case and make your changes again.",
            "min_value": "is damaged in the form; reload the case and make your changes again.",
            "max_value": "is damaged in the form; reload the case and make your changes again.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.append(Field("lock_version"))


def _guidance_versions():
    """Every version cases can have been assessed under: the published one and those it replaced."""
    return [("", "Any version"), *((number, f"Version {number}") for number in version_numbers_frozen())]


# Raise when a filter bar's markup changes (filter_field.html, the widgets' classes): cached bars are keyed by it.
FILTER_BAR_VERSION = 1


class FilterBarMixin:
    """Bootstrap classes on the widgets themselves, so a filter renders without crispy's template tree."""

    def _style_widgets(self):
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            widget.attrs["class"] = css

    def rendering_key(self):
        """A hash of everything the filter bar draws: each field's value, errors and choices, and the form's class.

        The bar is the same HTML whenever these are (the list and the dashboard cache it by this key),
        so a page that is read over and over renders its thirteen widgets once.
        """
        drawn = [FILTER_BAR_VERSION, type(self).__qualname__, self.is_bound and self.is_valid()]
        for name, field in self.fields.items():
            bound = self[name]
            choices = [[str(value), str(label)] for value, label in getattr(field, "choices", ())]
            drawn.append([name, str(bound.value()), [str(error) for error in bound.errors], choices])
        return hashlib.sha256(json.dumps(drawn).encode()).hexdigest()


def _rules():
    """Every rule cases can have been shown, once each, grouped by the newest version that has it.

    A rule an older version had and the current one dropped or renamed sits in its own group, so
    its wording is not read as a near-duplicate of the current rule that replaced it.
    """
    wording = rules_newest_wording()
    groups = {}
    for rule_id, number in rules_newest_version().items():
        kind, summary = wording[rule_id]
        groups.setdefault(number, []).append((rule_id, f"{kind.capitalize()}: {summary}"))
    newest = max(groups, default=None)
    return [
        ("", "Any line"),
        *(
            (
                f"Guidance version {number}" if number == newest else f"Only up to guidance version {number}",
                sorted(rules, key=lambda item: item[1]),
            )
            for number, rules in sorted(groups.items(), reverse=True)
        ),
    ]


class CaseReviewForm(DayRangeMixin, FilterBarMixin, forms.Form):
    """The reviewer's filters and sort, read from the query string: the form of cases.filters.CaseReviewFilter."""

    q = forms.CharField(label="Search", max_length=100, required=False, help_text="Words in the label or notes.")
    subtype = forms.ChoiceField(label="Subtype", choices=[("", "Any subtype"), *SUBTYPES.items()], required=False)
    symptom = forms.ChoiceField(label="Symptom", choices=[("", "Any symptom"), *SYMPTOMS.items()], required=False)
    clinician = forms.CharField(label="Clinician", max_length=150, required=False, help_text="Exact username.")
    version = forms.TypedChoiceField(
        label="Latest assessment under", choices=_guidance_versions, coerce=int, empty_value=None, required=False
    )
    outlook = forms.ChoiceField(
        label="Against the current guidance",
        choices=[("", "Any"), *Outlook.choices],
        required=False,
    )
    rule = forms.ChoiceField(label="Rule fired", required=False, help_text="In the latest assessment.")
    caution = forms.BooleanField(label="Had a caution", required=False, help_text="In the latest assessment.")
    misfit = forms.BooleanField(
        label="Subtype does not fit the findings",
        required=False,
        help_text="The recorded subtype is not among those the findings allow (WHO 2022).",
    )
    feedback = forms.ChoiceField(
        label="Feedback",
        choices=[
            ("", "Any"),
            (FeedbackStatus.NOT_FOLLOWING.value, "Not following (some line)"),
            (FeedbackStatus.FOLLOWED.value, "Followed"),
            (FEEDBACK_NONE, "No feedback yet"),
        ],
        required=False,
    )
    nsaid = forms.ChoiceField(
        label="NSAID tolerance",
        choices=[("", "Any"), (NSAID_NOT_TOLERANT, "Not known to tolerate NSAIDs"), *NSAID_TOLERANCE.items()],
        required=False,
    )
    date_from = DayField(label="Changed from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DayField(label="Changed to", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        label="Sort by", choices=[(key, spec.label) for key, spec in REVIEW_SORTS.items()], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once: validating and rendering both walk the choices.
        self.fields["rule"].choices = _rules()
        self.fields["version"].choices = _guidance_versions()
        self._style_widgets()

    def clean_sort(self):
        return self.cleaned_data["sort"] or REVIEW_DEFAULT_SORT


class FeedbackForm(forms.Form):
    """Feedback on one line: "Will follow", or "Not following" with a coded reason and an optional comment.

    The form only reads the post; cases.services.feedback_record decides what is
    valid (a line the assessment showed, a reason only when not following), so
    the web and any other caller get the same rules and the same messages.
    """

    Outcome, Reason = RecommendationFeedback.Outcome, RecommendationFeedback.Reason

    rule = forms.SlugField(max_length=80, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label="Feedback", choices=Outcome.choices, widget=forms.HiddenInput)
    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose a reason"), *Reason.choices], required=False)
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text="Never read by the guidance; up to 500 characters.",
    )

    @property
    def overriding(self):
        """The post said "Not following": shown again, its folded part is open."""
        return self.data.get("outcome") == self.Outcome.OVERRIDDEN

    def clean(self):
        data = super().clean()
        # "Will follow" shares the line's form with the folded reason: whatever was chosen there is not sent on.
        if data.get("outcome") == self.Outcome.ACCEPTED:
            data["reason"], data["comment"] = "", ""
        return data

    def add_service_errors(self, errors):
        """Show feedback_record's refusals on the fields they name (others on the form)."""
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)


class DashboardForm(DayRangeMixin, FilterBarMixin, forms.Form):
    """The dashboard's filters: the reviewer list's own, by the same names, so links carry them over."""

    subtype = CaseReviewForm.base_fields["subtype"]
    clinician = CaseReviewForm.base_fields["clinician"]
    date_from = CaseReviewForm.base_fields["date_from"]
    date_to = CaseReviewForm.base_fields["date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()

    @property
    def used(self):
        return sorted(name for name, value in self.cleaned_data.items() if value not in ("", None))


class SubtypeApplyForm(forms.Form):
    """The subtype the subtype check proposes, applied by the clinician from the case page."""

    subtype = forms.ChoiceField(choices=[(k, v) for k, v in SUBTYPES.items() if k != "unknown"])
    lock_version = forms.IntegerField(min_value=0)
