"""Cases and their assessments.

A case holds the clinical facts of one patient under a pseudonymous label. An
assessment is what the guidance said for those facts at one moment: the facts,
the guidance version and the recommendations exactly as shown. Assessments are
never changed or deleted, so a reviewer can always see what was shown and why.
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from audit.append_only import AppendOnlyError, AppendOnlyModel
from guidance.facts import FACTS, facts_in_form_order, validate_case
from guidance.models import GuidanceVersion


def fact_column(fact):
    """The Case column that stores a fact: its type, choices, default and nullability from the vocabulary."""
    common = {"verbose_name": fact.label, "help_text": fact.help}
    if fact.is_enum:
        # Room for a longer value than today's, so most new values need no column change.
        width = max(10, *(len(value) for value in fact.values))
        default = {} if fact.default is None else {"default": fact.default}
        return models.CharField(max_length=width, choices=list(fact.choices.items()), **default, **common)
    if fact.is_enum_list:
        return models.JSONField(default=list, blank=True, **common)
    if fact.is_bool:
        return models.BooleanField(default=fact.default, **common)
    optional = {"null": True, "blank": True} if fact.default is None else {"default": fact.default}
    if fact.is_integer:
        return models.SmallIntegerField(**optional, **common)
    return models.FloatField(**optional, **common)


def fact_constraints(fact):
    """The database's own refusal of a value the vocabulary refuses: a known choice, a number in range."""
    if fact.is_enum:
        return [
            models.CheckConstraint(
                condition=models.Q(**{f"{fact.name}__in": list(fact.values)}), name=f"case_{fact.name}_known"
            )
        ]
    if fact.is_numeric:
        in_range = models.Q(**{f"{fact.name}__gte": fact.minimum, f"{fact.name}__lte": fact.maximum})
        if fact.default is None:
            in_range = models.Q(**{f"{fact.name}__isnull": True}) | in_range
        return [models.CheckConstraint(condition=in_range, name=f"case_{fact.name}_in_range")]
    return []


def _with_fact_columns(model):
    # In the form's order, as the admin then shows them.
    for fact in facts_in_form_order():
        model.add_to_class(fact.name, fact_column(fact))
    return model


@_with_fact_columns
class CaseFacts(models.Model):
    """The case facts: one column per fact of the vocabulary (guidance/facts.py), built from it."""

    class Meta:
        abstract = True


def label_sort_key(label):
    """The label as it sorts for people: "clinic 238" before "clinic 2405", case ignored.

    Each run of digits becomes its length (two digits) and the digits without
    leading zeros, so a plain string comparison (and the index on it) orders
    numbers by value.
    """

    def number(match):
        digits = match.group().lstrip("0") or "0"
        return f"{len(digits):02d}{digits}"

    return re.sub(r"\d+", number, label.casefold())


class FeedbackStatus(models.TextChoices):
    """The feedback on the lines of a case's latest assessment, in one word (reviewer list and filter)."""

    NONE = "", "No feedback"
    FOLLOWED = "followed", "Followed"
    NOT_FOLLOWING = "not_following", "Some not followed"


class Case(CaseFacts):
    # Non-guessable ids in URLs: a case id reveals nothing about how many exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(
        max_length=100,
        help_text=(
            "A pseudonym you will recognise, such as \u201cISM clinic 14\u201d. "
            "Never a name, initials, date of birth or record number."
        ),
    )

    notes = models.TextField(blank=True, max_length=10_000, help_text="Free text for you; not read by the guidance.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save; lets a save refuse to overwrite a change it did not see.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    # The latest assessment, copied here so reviewers filter and sort a million
    # cases on indexed columns. Written only by cases.services.
    assessed_version = models.PositiveIntegerField(
        null=True, editable=False, help_text="Guidance version number of the latest assessment."
    )
    label_sort = models.CharField(
        max_length=300, default="", editable=False, help_text="The label's natural sort key (label_sort_key)."
    )
    line_count = models.PositiveSmallIntegerField(
        null=True, editable=False, help_text="Lines the latest assessment showed."
    )
    caution_count = models.PositiveSmallIntegerField(
        null=True, editable=False, help_text="Cautions among the lines the latest assessment showed."
    )
    feedback_status = models.CharField(
        max_length=14, blank=True, default="", choices=FeedbackStatus.choices, editable=False
    )
    subtype_fits = models.BooleanField(
        null=True,
        default=True,
        editable=False,
        help_text="Whether the recorded subtype is among those the findings allow (WHO 2022 subtype check); "
        "empty when no subtype is recorded.",
    )

    class Meta:
        ordering = ["-updated_at"]
        permissions = [("review_all_cases", "Can review every case")]
        indexes = [
            models.Index(fields=["created_by", "-updated_at"], name="case_owner_updated_idx"),
            # Reviewer pages walk these in order (keyset pagination, the id breaks ties).
            models.Index(fields=["updated_at", "id"], name="case_updated_idx"),
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            models.Index(fields=["label_sort", "id"], name="case_label_sort_idx"),
            models.Index(fields=["subtype", "updated_at", "id"], name="case_subtype_updated_idx"),
            models.Index(fields=["assessed_version", "updated_at", "id"], name="case_version_updated_idx"),
            models.Index(
                fields=["updated_at", "id"],
                condition=models.Q(feedback_status="not_following"),
                name="case_not_following_idx",
            ),
            models.Index(
                fields=["updated_at", "id"], condition=models.Q(subtype_fits=False), name="case_subtype_misfit_idx"
            ),
        ]
        constraints = [constraint for fact in FACTS.values() for constraint in fact_constraints(fact)]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("cases:detail", kwargs={"case_id": self.pk})

    @property
    def facts(self):
        """The case's facts, validated against the vocabulary."""
        return validate_case({name: getattr(self, name) for name in FACTS})

    @property
    def feedback_not_following(self):
        """Some line of the latest assessment is not being followed (the reviewer's list marks it)."""
        return self.feedback_status == FeedbackStatus.NOT_FOLLOWING


class Marking(models.Model):
    """A finished marking (cases.marking): every case then last assessed under an older guidance version was
    compared with version `version`; the ones whose lines it would change are its CaseWouldChange rows.

    The comparison's state lives here and in CaseWouldChange, never in the case's wide, much-indexed row:
    marking a million cases writes one row here and one narrow row per case that would change.
    """

    version = models.PositiveIntegerField(primary_key=True, help_text="Guidance version number compared with.")
    marked_at = models.DateTimeField(auto_now_add=True)
    cases = models.PositiveIntegerField(default=0, help_text="Cases compared.")
    changing = models.PositiveIntegerField(default=0, help_text="Of which the version would show other lines.")

    def __str__(self):
        return f"v{self.version}: {self.changing} of {self.cases} cases would change"


class CaseWouldChange(models.Model):
    """A case whose latest assessment guidance version `version` would show other lines (cases.marking).

    Only the rows of the newest Marking are read (older ones are deleted as it finishes). No foreign key
    constraint in the database: its check would lock every marked case's row (writing its tuple header),
    the cost this table exists to avoid; the ORM still deletes a case's rows with the case.
    """

    pk = models.CompositePrimaryKey("case_id", "version")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    version = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.case_id} would change under v{self.version}"


class CaseLine(models.Model):
    """One line of a case's latest assessment, by rule id and kind.

    Replaced whenever the case is assessed (cases.services), so reviewers filter
    on "rule fired" and the dashboard counts lines per rule in SQL, without
    reading the stored assessments. The assessment stays the record.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="latest_lines")
    rule = models.SlugField(max_length=80)
    kind = models.CharField(max_length=10)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "rule"], name="case_line_unique_rule")]
        indexes = [models.Index(fields=["rule", "case"], name="case_line_rule_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.rule}"


class ImmutableAssessmentError(AppendOnlyError, ValidationError):
    """An attempt to change or delete an assessment or feedback."""


class Assessment(AppendOnlyModel):
    """What the guidance said for a case at one moment, exactly as it was shown."""

    refusal = ImmutableAssessmentError
    change_refused = "Assessments cannot be changed; reassess the case instead."
    delete_refused = "Assessments cannot be deleted."

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    guidance_version = models.ForeignKey(GuidanceVersion, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(help_text="The case facts as evaluated.")
    recommendations = models.JSONField(
        help_text="The lines as shown, in a versioned format (cases.snapshot): rule, paragraph, kind, summary, "
        "reason, the source text, quote and items to confirm."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "-created_at"], name="assessment_case_created_idx")]

    def __str__(self):
        return f"{self.case} under guidance v{self.guidance_version.number}"

    def get_absolute_url(self):
        return reverse("cases:assessment", kwargs={"case_id": self.case_id, "assessment_id": self.pk})

    @cached_property
    def lines(self):
        """The lines as they were shown, read in the format they were stored in (cases.snapshot). Lines stored
        before format 4 get the `because` their version's rule gives (the version never changes)."""
        from guidance.evaluation import guidance_compiled  # kept out of model import time, as below

        from .display import lines_with_because
        from .snapshot import from_dict  # snapshot -> display -> guidance; kept out of model import time

        lines = from_dict(self.recommendations)
        if any(line.because_to_derive for line in lines):
            lines = lines_with_because(lines, guidance_compiled(self.guidance_version))
        return lines


class RecommendationFeedback(AppendOnlyModel):
    """What was done with one line of guidance: followed, or not followed and why.

    Append-only: the latest entry per line is the current one, earlier ones stay
    as history. Web feedback belongs to a line of a stored assessment (by its
    rule id); CDS Hooks feedback arrives for a card (card_uuid) the service
    returned, with no assessment behind it. Either way it names the rule and
    the guidance version the line came from.
    """

    refusal = ImmutableAssessmentError
    change_refused = "Feedback cannot be changed; give new feedback instead."
    delete_refused = "Feedback cannot be deleted."

    class Outcome(models.TextChoices):
        # CDS Hooks 2.0 feedback outcomes: accepted | overridden.
        ACCEPTED = "accepted", "Will follow"
        OVERRIDDEN = "overridden", "Not following"

    class Reason(models.TextChoices):
        CONTRAINDICATED = "contraindicated", "Contraindicated for this patient"
        PATIENT_DECLINED = "patient_declined", "Patient declined"
        ALREADY_TRIED = "already_tried", "Already tried"
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        OTHER = "other", "Other"

    class Source(models.TextChoices):
        WEB = "web", "Mastoweb"
        CDS_HOOKS = "cds_hooks", "EHR (CDS Hooks)"

    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    card_uuid = models.UUIDField(null=True, blank=True, help_text="The CDS Hooks card this answers, if any.")
    rule = models.SlugField(max_length=80, help_text="Rule id of the line.")
    guidance_version = models.ForeignKey(GuidanceVersion, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    comment = models.CharField(max_length=500, blank=True, help_text="Free text; never read by the guidance.")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.WEB)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "recommendation feedback"
        indexes = [
            models.Index(fields=["assessment", "rule", "-created_at"], name="feedback_line_idx"),
            models.Index(fields=["rule", "outcome", "created_at"], name="feedback_rule_idx"),
            models.Index(fields=["card_uuid"], name="feedback_card_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assessment__isnull=False) | models.Q(card_uuid__isnull=False),
                name="feedback_for_a_line_or_a_card",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="accepted", reason="")
                | models.Q(outcome="overridden") & ~models.Q(reason=""),
                name="feedback_reason_only_when_overridden",
            ),
        ]

    def __str__(self):
        return f"{self.rule}: {self.get_outcome_display()}"

    @property
    def overridden(self):
        return self.outcome == self.Outcome.OVERRIDDEN

    @property
    def from_web(self):
        """Given in Mastoweb itself, not by an EHR (whose source is then named with the feedback)."""
        return self.source == self.Source.WEB


class GuidanceImpact(models.Model):
    """What a guidance draft would change for the stored cases, computed in the background (cases.impact).

    Holds counts and fact combinations only: no case, label or note, since the
    editors who read it have no access to case data.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(GuidanceVersion, on_delete=models.CASCADE, related_name="+")
    against = models.ForeignKey(
        GuidanceVersion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The published version.",
    )
    fingerprint = models.CharField(max_length=64, help_text="The draft's content when the comparison started.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    facts_read = models.JSONField(default=list, help_text="The facts either version's rules read: the grouping.")
    groups = models.JSONField(default=list, help_text="[[fact values…, case count]], in the order they are worked.")
    groups_done = models.PositiveIntegerField(default=0)
    cases_total = models.PositiveIntegerField(default=0)
    cases_changed = models.PositiveIntegerField(default=0)
    per_rule = models.JSONField(default=dict, help_text="rule id -> cases whose line is added, removed or changed.")
    combinations = models.JSONField(default=list, help_text="The changed fact combinations, with counts and rules.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Impact of guidance v{self.version.number} ({self.state})"

    @property
    def progress(self):
        if self.groups:
            return round(100 * self.groups_done / len(self.groups))
        return 100 if self.is_done else 0

    @property
    def is_running(self):
        """Queued or under way: its page keeps polling."""
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def is_done(self):
        return self.state == self.State.DONE

    @property
    def is_failed(self):
        return self.state == self.State.FAILED


class DashboardCount(models.Model):
    """The reviewer dashboard's rollup: how many cases (or feedback entries) per day, subtype, metric and key.

    Case metrics count cases as they stand (latest assessment), by the day of
    their last change, as the reviewer list filters them; feedback metrics
    count entries by the day they were given. Kept by cases.services as they
    write (cases.rollup), rebuilt from the cases by `manage.py rebuild_dashboard`.
    Each count is kept per day and per month, so a period of whole months
    reads month rows and only its partial months read day rows.
    """

    class Period(models.TextChoices):
        DAY = "D", "Day"
        MONTH = "M", "Month"  # the same counts summed per month: few rows whatever the number of cases

    period = models.CharField(max_length=1, choices=Period.choices, default=Period.DAY)
    day = models.DateField(help_text="The day, or the first day of the month.")
    subtype = models.CharField(max_length=10)
    metric = models.CharField(max_length=20)
    key = models.CharField(max_length=120, blank=True, default="")
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "metric", "key", "day", "subtype"], name="dashboard_count_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "day"], name="dashboard_count_period_day_idx"),
            # The dashboard's sums, read from an index alone (the count is in it): per metric and key over
            # whole months; a metric's months over time, and per subtype. Without them SQLite read every month
            # row of the table for two of them (5 ms each at 1M cases; 1 ms and 0.06 ms with them).
            models.Index(fields=["period", "metric", "key", "count"], name="dashboard_count_totals_idx"),
            models.Index(fields=["period", "metric", "day", "subtype", "count"], name="dashboard_count_over_time_idx"),
        ]

    def __str__(self):
        return f"{self.period} {self.day} {self.subtype} {self.metric} {self.key}: {self.count}"
