"""One meaning of "the same recommendation line", and one comparison of two sets of lines.

A line is what a clinician reads: its wording (rule, cited paragraph, kind,
summary) and the source words behind it (the paragraph's text, the words of it
the rule quotes, the items to confirm). Its reason and the facts it names are
not part of it: they follow the case, not the guidance.

The re-evaluation page, the reviewer's "would change" flag (cases.services and
cases.impact), the draft's impact on stored cases, publishing's regression
check and the editor's "try a case" all compare lines here, so they agree on
what changed. Pure: lines in, a comparison out.

Lines are anything with those attributes: the lines an assessment shows
(cases.display.Line, stored or fresh) and engine recommendations given their
paragraphs' texts (`lines_sourced`).
"""

from dataclasses import dataclass, field


def line_wording(line):
    """The line itself: a line with other wording is another line."""
    return (line.rule, line.paragraph, line.kind, line.summary)


def line_source(line):
    """The source words behind a line (a line stored before guidance v2 had no quote or items to confirm)."""
    return (line.paragraph_text, line.quote or "", tuple(line.confirm or ()))


def line_identity(line):
    """Everything a reader sees of a line: two lines with equal identities read the same."""
    return line_wording(line) + line_source(line)


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


def lines_sourced(recommendations, texts):
    """Engine recommendations as comparable lines; `texts` maps a paragraph slug to its text."""
    return [
        SourcedLine(r.rule, r.paragraph, r.kind, r.summary, r.quote, tuple(r.confirm), texts.get(r.paragraph, ""))
        for r in recommendations
    ]


@dataclass(frozen=True)
class LinesComparison:
    """Lines added, removed, changed (before, after) and unchanged, from old to new.

    A line is changed when its rule stays and its wording or its source words
    do not; a line whose rule is gone or new is removed or added.
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
        """The changed pairs whose wording moved (the others kept it and had their source revised)."""
        return [(before, after) for before, after in self.changed if line_wording(before) != line_wording(after)]

    @property
    def only_source_changed(self):
        """The same lines, with only the source text behind some of them revised."""
        return not self.added and not self.removed and bool(self.changed) and not self.reworded

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
                comparison.changed.append((removed_by_rule.pop(line.rule), line))
            else:
                comparison.added.append(line)
        elif line_source(before) != line_source(line):
            comparison.changed.append((before, line))
        else:
            comparison.unchanged.append(line)
    comparison.removed.extend(removed_by_rule.values())
    return comparison
