"""Forms for guidance editors (used by the admin)."""

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property

from .conditions import ConditionSyntaxError, parse_condition
from .engine import cel_parses
from .facts import FACTS
from .interventions import CLASS_MEMBERS, INTERVENTIONS
from .markdown import html_stripped
from .models import Paragraph, Rule, SafetyProperty
from .quotes import quote_in_text
from .selectors import paragraph_slugs_published


def condition_help(model):
    """A condition's help as the model gives it, then the facts it may read, named as the vocabulary has them now."""
    return f"{model._meta.get_field('condition').help_text} Facts: {', '.join(FACTS)}."


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

    @cached_property
    def _published_slugs(self):
        # Once per formset, not once per paragraph form.
        return paragraph_slugs_published(guideline_id=self.instance.guideline_id)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "published_slugs": self._published_slugs}

    def submitted_texts(self):
        """Paragraph pk -> its text as this submission would save it (valid forms only)."""
        texts = {}
        for form in self.forms:
            if form.instance.pk and form.is_valid() and "text" in form.cleaned_data:
                texts[form.instance.pk] = form.cleaned_data["text"]
        return texts


class RuleFormSet(SameVersionFormSet):
    limited_field = "paragraph"
    # The version's paragraph formset in the same submission (set by the admin), so
    # quotes are checked against the paragraphs as they will be saved.
    paragraph_formset = None

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "paragraph_formset": self.paragraph_formset}


class ConfirmField(forms.CharField):
    """The qualifiers to confirm, one per line, stored as a list."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 60})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class OffersField(forms.CharField):
    """What a line offers, one intervention per line with its intent ("h1-antihistamine start"), stored as
    [{"intervention", "intent"}]; the model's check (guidance.interventions.check_offers) judges the ids."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 60, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(f"{item.get('intervention', '')} {item.get('intent', '')}".strip() for item in value)
        return value

    def to_python(self, value):
        offers = []
        for line in (value or "").splitlines():
            words = line.replace(",", " ").split()
            if not words:
                continue
            if len(words) != 2:
                raise forms.ValidationError(
                    f"Write each offer as an intervention and an intent, such as \u201ch1-antihistamine start\u201d; "
                    f"not \u201c{line.strip()}\u201d."
                )
            offers.append({"intervention": words[0], "intent": words[1]})
        return offers


class AboutField(forms.CharField):
    """The interventions or classes a caution is about, separated by spaces or commas, stored as a list."""

    def prepare_value(self, value):
        return " ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return (value or "").replace(",", " ").split()


class RuleForm(forms.ModelForm):
    offers = OffersField(
        required=False,
        label="Offers",
        help_text="Recommend and consider lines (guidance version 3 on): one intervention per line with its intent "
        f"(start, maximise, continue). Interventions: {', '.join(INTERVENTIONS)}.",
    )
    about = AboutField(
        required=False,
        label="About",
        help_text="Cautions: the interventions or classes it concerns "
        f"(classes: {', '.join(CLASS_MEMBERS)}), separated by spaces.",
    )
    confirm = ConfirmField(
        required=False,
        label="Check before acting",
        help_text="The source's own qualifiers that no case fact captures, one per line "
        "(e.g. \u201cprominent flushing\u201d).",
    )

    class Meta:
        model = Rule
        fields = [
            "rule_id",
            "paragraph",
            "kind",
            "summary",
            "quote",
            "confirm",
            "offers",
            "about",
            "effect",
            "condition",
            "mentions",
            "order",
        ]
        widgets = {
            "summary": forms.TextInput(attrs={"size": 100, "class": "vLargeTextField wide-summary"}),
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 90}),
            "condition": forms.Textarea(attrs={"rows": 3, "cols": 90, "spellcheck": "false", "autocomplete": "off"}),
        }
        help_texts = {"condition": condition_help(Rule)}

    def __init__(self, *args, paragraph_formset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.paragraph_formset = paragraph_formset

    def _post_clean(self):
        super()._post_clean()
        # The CEL parser's own words are for programmers: when the condition is not
        # valid CEL, say what is wrong in words and mark where.
        if "condition" in self.errors and not cel_parses(self.instance.condition):
            try:
                parse_condition(self.instance.condition)
            except ConditionSyntaxError as exc:
                self.errors["condition"] = self.error_class(
                    [f"The condition cannot be read: {exc.reason}. Here: {exc.inline_marked}"]
                )

    def clean(self):
        cleaned = super().clean()
        paragraph = cleaned.get("paragraph")
        if self.paragraph_formset is not None and paragraph is not None:
            # The paragraph's text as this same submission saves it (the formset validated first).
            self.instance.paragraph_text_override = self.paragraph_formset.submitted_texts().get(paragraph.pk)
        return cleaned


class SafetyPropertyForm(forms.ModelForm):
    class Meta:
        model = SafetyProperty
        fields = ["property_id", "statement", "condition", "each_intervention", "order"]
        widgets = {
            "statement": forms.TextInput(attrs={"size": 100}),
            "condition": forms.Textarea(attrs={"rows": 3, "cols": 90, "spellcheck": "false", "autocomplete": "off"}),
        }
        help_texts = {"condition": condition_help(SafetyProperty)}


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


class ConditionBuilder:
    """The condition builder's rows as a form: fact ▸ operator ▸ values, grouped under all/any.

    Row i posts row-i-fact, row-i-op, row-i-values (checkboxes) and row-i-group:
    0 is the condition itself, 1..MAX_GROUPS a sub-group whose own all/any and
    "not" are group-k-match and group-k-negate. A sub-group stands where its
    first row stands. Facts are the vocabulary's own (guidance.facts), with
    their own values; the CEL is written by guidance.conditions.
    """

    MAX_GROUPS = 3
    BLANK_ROWS = 1

    def __init__(self, data=None, *, initial=None):
        self.errors = []
        if data is not None:
            self._read(data)
        else:
            self._load(initial or {"match": "all", "negate": False, "rows": []})
        if data is None or "add_row" in data:
            self.rows += [{"fact": "", "op": "", "values": [], "group": 0} for _ in range(self.BLANK_ROWS)]

    # ------------------------------------------------------------ reading

    def _load(self, builder):
        self.top = {"match": builder.get("match", "all"), "negate": bool(builder.get("negate"))}
        self.groups = {k: {"match": "any", "negate": False} for k in range(1, self.MAX_GROUPS + 1)}
        self.rows = []
        next_group = 1
        for row in builder.get("rows", []):
            if "rows" in row:
                self.groups[next_group] = {"match": row.get("match", "all"), "negate": bool(row.get("negate"))}
                self.rows += [{**sub, "group": next_group} for sub in row["rows"]]
                next_group += 1
            else:
                self.rows.append({**row, "group": 0})

    def _read(self, data):
        self.top = {"match": "any" if data.get("match") == "any" else "all", "negate": bool(data.get("negate"))}
        self.groups = {
            k: {
                "match": "all" if data.get(f"group-{k}-match") == "all" else "any",
                "negate": bool(data.get(f"group-{k}-negate")),
            }
            for k in range(1, self.MAX_GROUPS + 1)
        }
        self.rows = []
        indexes = sorted(
            {int(key.split("-")[1]) for key in data if key.startswith("row-") and key.split("-")[1].isdigit()}
        )
        for i in indexes:
            fact = data.get(f"row-{i}-fact", "")
            if not fact or data.get(f"row-{i}-remove"):
                continue  # a blank or removed row
            try:
                group = int(data.get(f"row-{i}-group", 0))
            except ValueError:
                group = 0
            values = data.getlist(f"row-{i}-values") if hasattr(data, "getlist") else data.get(f"row-{i}-values", [])
            self.rows.append(
                {
                    "fact": fact,
                    "op": data.get(f"row-{i}-op", ""),
                    "values": list(values),
                    "group": max(0, min(group, self.MAX_GROUPS)),
                }
            )

    # ------------------------------------------------------------ writing

    def as_builder(self):
        rows, placed = [], {}
        for row in self.rows:
            if not row["fact"]:
                continue
            plain = {"fact": row["fact"], "op": row["op"], "values": row["values"]}
            if row["group"] == 0:
                rows.append(plain)
            elif row["group"] in placed:
                placed[row["group"]]["rows"].append(plain)
            else:
                placed[row["group"]] = {**self.groups[row["group"]], "rows": [plain]}
                rows.append(placed[row["group"]])
        return {**self.top, "rows": rows}

    def cel(self):
        """(CEL, None) or (None, the problem in words)."""
        from .conditions import builder_to_cel

        try:
            return builder_to_cel(self.as_builder()), None
        except ValueError as exc:
            return None, str(exc)

    # ------------------------------------------------------------ showing

    def bound_rows(self):
        from .conditions import OPERATORS
        from .facts import FACTS, FactKind

        facts = [(name, fact.label) for name, fact in FACTS.items() if fact.kind in OPERATORS]
        shown = []
        for i, row in enumerate(self.rows):
            fact = FACTS.get(row["fact"])
            kind = fact.kind if fact and fact.kind in OPERATORS else None
            ops = OPERATORS[kind] if kind else ()
            values = tuple(fact.choices.items()) if kind in (FactKind.ENUM, FactKind.ENUM_LIST) else ()
            shown.append(
                {
                    "index": i,
                    "fact": row["fact"],
                    "op": row["op"],
                    "values": set(row["values"]),
                    "group": row["group"],
                    "fact_choices": facts,
                    "op_choices": ops,
                    "value_choices": values,
                    "label": fact.label if fact else "",
                }
            )
        return shown

    def group_settings(self):
        return [{"number": k, **settings} for k, settings in self.groups.items()]


class ParagraphForm(forms.ModelForm):
    """A paragraph: a slug published in an earlier version is shown read-only (links and past assessments cite it)."""

    class Meta:
        model = Paragraph
        fields = ["section", "slug", "title", "text", "order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 12, "cols": 100})}

    def __init__(self, *args, published_slugs=None, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if published_slugs is None and instance.pk and instance.version_id:
            published_slugs = paragraph_slugs_published(guideline_id=instance.version.guideline_id)
        if instance.pk and instance.slug in (published_slugs or ()):
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "Published in an earlier version: links and past assessments cite it."
        if "section" in self.fields and instance.version_id:
            self.fields["section"].queryset = self.fields["section"].queryset.filter(version_id=instance.version_id)

    html_removed = ()  # raw HTML taken out of the text when it was cleaned, for the editor to be told

    def clean_text(self):
        text, self.html_removed = html_stripped(self.cleaned_data["text"])
        return text

    @property
    def html_removed_message(self):
        if not self.html_removed:
            return ""
        shown = ", ".join(piece if len(piece) <= 40 else piece[:40] + "\u2026" for piece in self.html_removed)
        return (
            f"Took HTML out of paragraph {self.cleaned_data.get('slug') or self.instance.slug}: {shown}. "
            "Guidance text is Markdown; "
            "HTML would show to clinicians as literal text."
        )


class ParagraphWorkbenchForm(ParagraphForm):
    """The paragraph on its own page: its rules' quotes must stay in the text as edited."""

    def clean_text(self):
        text = super().clean_text()
        lost = [
            rule.rule_id for rule in self.instance.rules.all() if rule.quote and not quote_in_text(rule.quote, text)
        ]
        if lost:
            raise forms.ValidationError(
                f"The quote of {', '.join(lost)} is no longer in the text: keep the words the rule rests on, "
                "or change the rule's quote first."
            )
        return text


def error_summary(forms_with_prefix):
    """[(where, message, field id)] for every error of the given forms, for a summary at the top of a page."""
    summary = []
    for where, form in forms_with_prefix:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = f"{where}: {field.label or name}" if field is not None else where
            anchor = form[name].auto_id if field is not None else ""
            summary += [(label, message, anchor) for message in errors]
    return summary
