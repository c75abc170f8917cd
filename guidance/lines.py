"""One meaning of "the same recommendation line", and one comparison of two sets of lines.

A line is what a clinician reads: its wording (rule, cited paragraph, kind,
summary), what it offers (from guidance v3 on: the interventions and intents,
or a caution's effect and what it is about, as the page's plan shows them),
the items to confirm before acting, and the source words behind it (the
paragraph's text, the words of it the rule quotes). Its reason and the facts
it names are not part of it: they follow the case, not the guidance.

A line kept from one set to the other can change in any of those four parts;
each changed pair says which (`LineChange`), so no page works it out again. An
item to confirm is an instruction to the clinician, not source text: a new one
is never reported as "only the source text changed".

The re-evaluation page, the reviewer's "would change" flag (cases.services and
cases.impact), the draft's impact on stored cases, publishing's regression
check and the editor's "try a case" all compare lines here, so they agree on
what changed. Pure: lines in, a comparison out.

Lines are anything with those attributes: the lines an assessment shows
(cases.display.Line, stored or fresh) and engine recommendations given their
paragraphs' texts (`lines_sourced`).
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from .diff import words_diff
from .interventions import plan_in_words
from .kinds import Kind


def line_wording(line):
    """The line itself: a line with other wording is another line."""
    return (line.rule, line.paragraph, line.kind, line.summary)


def line_confirm(line):
    """The items to confirm before acting on a line (a line stored before guidance v2 had none)."""
    return tuple(line.confirm or ())


def line_plan(line):
    """What a line offers, or a caution's effect and what it is about (empty on lines before guidance v3)."""
    offers = tuple(tuple(pair) for pair in getattr(line, "offers", None) or ())
    return (offers, tuple(getattr(line, "about", None) or ()), getattr(line, "effect", None) or "")


def line_source(line):
    """The source words behind a line (a line stored before guidance v2 had no quote)."""
    return (line.paragraph_text, line.quote or "")


def line_identity(line):
    """Everything a reader sees of a line: two lines with equal identities read the same."""
    return (*line_wording(line), line_plan(line), line_confirm(line), *line_source(line))


@dataclass(frozen=True)
class SourcedLine:
    """An engine recommendation with the text of the paragraph it cites: a line as far as comparing goes."""

    rule: str
    paragraph: str
    kind: str
    summary: str
    quote: str
    confirm: tuple
    paragraph_text: str
    offers: tuple = ()
    about: tuple = ()
    effect: str = ""

    @property
    def kind_label(self):
        return Kind(self.kind).label


def lines_sourced(recommendations, texts):
    """Engine recommendations as comparable lines; `texts` maps a paragraph slug to its text."""
    return [
        SourcedLine(
            r.rule,
            r.paragraph,
            r.kind,
            r.summary,
            r.quote,
            tuple(r.confirm),
            texts.get(r.paragraph, ""),
            tuple(r.offers),
            tuple(r.about),
            r.effect,
        )
        for r in recommendations
    ]


class LineChange(NamedTuple):
    """One line in both sets, `before` and `after`, and which of its parts changed (any of them, together)."""

    before: object
    after: object

    @property
    def reworded(self):
        """Its wording moved: rule's summary, kind or cited paragraph."""
        return line_wording(self.before) != line_wording(self.after)

    @property
    def kind_changed(self):
        return self.before.kind != self.after.kind

    @property
    def confirm_changed(self):
        """The items to confirm before acting were added, removed or reworded."""
        return line_confirm(self.before) != line_confirm(self.after)

    @property
    def paragraph_changed(self):
        return self.before.paragraph != self.after.paragraph

    @property
    def plan_changed(self):
        """What the line offers (or a caution holds, qualifies or ensures) changed."""
        return line_plan(self.before) != line_plan(self.after)

    @property
    def plan_before(self):
        return plan_in_words(*line_plan(self.before))

    @property
    def plan_after(self):
        return plan_in_words(*line_plan(self.after))

    @property
    def confirm_before(self):
        return line_confirm(self.before)

    @property
    def confirm_after(self):
        return line_confirm(self.after)

    @property
    def source_revised(self):
        """The paragraph's text or the words of it the rule quotes were revised."""
        return line_source(self.before) != line_source(self.after)

    @property
    def only_source_revised(self):
        """The line reads the same, offers the same and asks the same checks; only the source words behind it moved."""
        return not self.reworded and not self.plan_changed and not self.confirm_changed

    @property
    def words(self):
        """The summary's word-level differences, [(op, words)], as the word diff include shows them."""
        return words_diff(self.before.summary, self.after.summary)


@dataclass(frozen=True)
class LinesComparison:
    """Lines added, removed, changed (LineChange: before, after) and unchanged, from old to new.

    A line is changed when its rule stays and its wording, what it offers, its
    items to confirm or its source words do not; a line whose rule is gone or new is removed or added.
    """

    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def changes(self):
        """Whether re-evaluation would show anything other than what was shown."""
        return bool(self.added or self.removed or self.changed)

    @property
    def reworded(self):
        """The changed pairs whose wording moved."""
        return [change for change in self.changed if change.reworded]

    @property
    def plan_changed(self):
        """The changed pairs whose offers (or a caution's effect and what it is about) changed."""
        return [change for change in self.changed if change.plan_changed]

    @property
    def confirm_changed(self):
        """The changed pairs whose items to confirm changed."""
        return [change for change in self.changed if change.confirm_changed]

    @property
    def source_revised_only(self):
        """The changed pairs that read the same and ask the same checks, with their source words revised."""
        return [change for change in self.changed if change.only_source_revised]

    @property
    def only_source_changed(self):
        """The same lines asking the same checks, with only the source text behind some of them revised."""
        return (
            not self.added
            and not self.removed
            and bool(self.changed)
            and all(change.only_source_revised for change in self.changed)
        )

    @property
    def rules(self):
        """(added, removed, changed) rule ids, each sorted."""
        return (
            sorted(line.rule for line in self.added),
            sorted(line.rule for line in self.removed),
            sorted(after.rule for _, after in self.changed),
        )


def lines_compare(old, new):
    """What changes from the `old` lines to the `new`, as the re-evaluation page shows it."""
    old_wordings = {line_wording(line): line for line in old}
    new_wordings = {line_wording(line) for line in new}
    removed_by_rule = {line.rule: line for line in old if line_wording(line) not in new_wordings}
    comparison = LinesComparison()
    for line in new:
        before = old_wordings.get(line_wording(line))
        if before is None:
            if line.rule in removed_by_rule:
                comparison.changed.append(LineChange(removed_by_rule.pop(line.rule), line))
            else:
                comparison.added.append(line)
        elif line_identity(before) != line_identity(line):
            comparison.changed.append(LineChange(before, line))
        else:
            comparison.unchanged.append(line)
    comparison.removed.extend(removed_by_rule.values())
    return comparison
