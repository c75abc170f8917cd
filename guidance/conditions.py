"""Rule conditions in plain words: parse the CEL subset the rules use, read it back, build it.

Pure: no ORM, request, settings or clock. The `cel` package exposes no syntax
tree, so this is a small recursive-descent parser for the subset guidance
rules are written in, and nothing more:

    a || b    a && b    !(a)    !bool_fact    (a)
    enum_fact == "v"    enum_fact != "v"    enum_fact in ["v", "w"]
    "v" in list_fact    size(list_fact) > 0    size(list_fact) == 0
    bool_fact    bool_fact == true / false

Anything else is refused with the reason and its position, so a readback is
never a guess: the engine remains the judge of what CEL runs (it may accept a
condition this module cannot read back; the editor is then told so). The same
tree gives the readback, the builder's rows and the CEL the builder writes.
"""

from dataclasses import dataclass

from .facts import CURRENT_EDITION, FACTS, FactKind, in_sentence, vocabulary
from .limits import MAX_LENGTH, MAX_NESTING


class ConditionSyntaxError(ValueError):
    """A condition this module cannot read: the message in words, and where (0-based offset)."""

    def __init__(self, message, *, source, position):
        self.reason = message
        self.source = source
        self.position = max(0, min(position, len(source)))
        super().__init__(f"{message} (at character {self.position + 1})")

    @property
    def inline_marked(self):
        """The condition with ⟦here⟧ at the position: readable without a fixed-width font."""
        return f"{self.source[: self.position]}⟦here⟧{self.source[self.position :]}"

    @property
    def marked(self):
        """The condition's line with a caret under the position, for a <pre>."""
        start = self.source.rfind("\n", 0, self.position) + 1
        end = self.source.find("\n", self.position)
        line = self.source[start : end if end != -1 else len(self.source)]
        return f"{line}\n{' ' * (self.position - start)}^"


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class Is:
    """An enum fact is one of `values` (one value: ==)."""

    fact: str
    values: tuple


@dataclass(frozen=True)
class IsNot:
    fact: str
    value: str


@dataclass(frozen=True)
class Has:
    """A list fact holds `value` ("v" in symptoms)."""

    fact: str
    value: str


@dataclass(frozen=True)
class HasAnyOf:
    """A list fact holds at least one of `values` (symptoms.exists(s, s in ["a", "b"]))."""

    fact: str
    values: tuple


@dataclass(frozen=True)
class NonEmpty:
    """size(list_fact) > 0 (empty=False) or size(list_fact) == 0 (empty=True)."""

    fact: str
    empty: bool = False


@dataclass(frozen=True)
class Flag:
    """A boolean fact is true (or false, when value is False)."""

    fact: str
    value: bool = True


# ---------------------------------------------------------------- tokens

_SYMBOLS = ("&&", "||", "==", "!=", ">=", "<=", "!", "(", ")", "[", "]", ",", ">", "<", ".")


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, string, int, symbol, end
    text: str
    position: int
    value: object = None


def _tokens(source):
    i, out = 0, []
    while i < len(source):
        c = source[i]
        if c.isspace():
            i += 1
            continue
        if c in "\"'":
            j, chars = i + 1, []
            while j < len(source) and source[j] != c:
                if source[j] == "\\":
                    raise ConditionSyntaxError(
                        "A backslash inside quotes is not used in guidance conditions", source=source, position=j
                    )
                if source[j] == "\n":
                    break
                chars.append(source[j])
                j += 1
            if j >= len(source) or source[j] != c:
                raise ConditionSyntaxError(
                    f"This quoted value is never closed: add the closing {c}", source=source, position=i
                )
            out.append(_Token("string", source[i : j + 1], i, "".join(chars)))
            i = j + 1
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < len(source) and (source[j].isalnum() or source[j] == "_"):
                j += 1
            out.append(_Token("ident", source[i:j], i))
            i = j
            continue
        if c.isdigit():
            j = i
            while j < len(source) and source[j].isdigit():
                j += 1
            out.append(_Token("int", source[i:j], i, int(source[i:j])))
            i = j
            continue
        symbol = next((s for s in _SYMBOLS if source.startswith(s, i)), None)
        if symbol is None:
            hint = {
                "=": 'to compare, write == (two equals signs), e.g. subtype == "ISM"',
                "&": "write && for and",
                "|": "write || for or",
            }.get(c, "it is not used in guidance conditions")
            raise ConditionSyntaxError(f"Unexpected character {c!r}: {hint}", source=source, position=i)
        out.append(_Token("symbol", symbol, i))
        i += len(symbol)
    out.append(_Token("end", "", len(source)))
    return out


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source, facts=FACTS):
        self.source = source
        self.facts = facts
        self.tokens = _tokens(source)
        self.i = 0
        self.depth = 0  # brackets open: bounded, so no condition can exhaust the stack

    @property
    def token(self):
        return self.tokens[self.i]

    def fail(self, message, token=None):
        raise ConditionSyntaxError(message, source=self.source, position=(token or self.token).position)

    def take(self, text=None, kind=None):
        token = self.token
        if (text is not None and token.text != text) or (kind is not None and token.kind != kind):
            return None
        self.i += 1
        return token

    def expect(self, text, what):
        if self.take(text) is None:
            found = "the end of the condition" if self.token.kind == "end" else repr(self.token.text)
            self.fail(f"Expected {what} but found {found}")

    def parse(self):
        if self.token.kind == "end":
            self.fail("The condition is empty")
        node = self.or_()
        if self.token.kind != "end":
            if self.token.text == ")":
                self.fail("This closing bracket has no opening bracket before it")
            self.fail(
                f"Expected && (and), || (or) or the end of the condition, but found {self.token.text!r}; "
                "join conditions with && or ||"
            )
        return node

    def or_(self):
        items = [self.and_()]
        while self.take("||"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Any(tuple(_flatten(Any, items)))

    def and_(self):
        items = [self.relation()]
        while self.take("&&"):
            items.append(self.relation())
        return items[0] if len(items) == 1 else All(tuple(_flatten(All, items)))

    def relation(self):
        start = self.token
        if start.kind == "end":
            self.fail("The condition ends too early: a condition must follow && , || , ! or (")
        if start.text in ("&&", "||"):
            self.fail(f"{start.text} needs a condition on its left")
        if self.take("!"):
            return self.negation(start)
        if self.take("("):
            inner = self.bracketed(start)
            if self.token.text in ("==", "!=", "in", ">", "<", ">=", "<="):
                self.fail("A bracketed condition cannot be compared; compare a fact instead")
            return inner
        if start.kind == "string":
            self.i += 1
            if not self.take("in"):
                self.fail(f'A quoted value must be followed by "in" and a list fact, e.g. {start.text} in symptoms')
            fact = self.fact_name({FactKind.ENUM_LIST}, "a list fact such as symptoms")
            return self.value_of(fact, start, Has(fact.name, start.value))
        if start.kind == "ident" and start.text == "size" and self.tokens[self.i + 1].text == "(":
            self.i += 2
            fact = self.fact_name({FactKind.ENUM_LIST}, "a list fact such as symptoms")
            self.expect(")", "a closing bracket )")
            op = self.token
            if self.take(">") and self.take_int(0):
                return NonEmpty(fact.name)
            self.i = self.tokens.index(op)
            if self.take("==") and self.take_int(0):
                return NonEmpty(fact.name, empty=True)
            self.fail("Only size(...) > 0 (some) and size(...) == 0 (none) are read back", op)
        if start.kind == "ident" and start.text in ("true", "false"):
            self.fail("A condition that is always true or always false is not read back as a rule")
        if start.kind == "ident" and self.tokens[self.i + 1].text == ".":
            return self.exists()
        if start.kind == "ident":
            fact = self.fact_name({FactKind.ENUM, FactKind.BOOL}, "a fact")
            if fact.is_bool:
                if self.take("=="):
                    return Flag(fact.name, self.boolean())
                if self.take("!="):
                    return Flag(fact.name, not self.boolean())
                return Flag(fact.name)
            op = self.token
            if self.take("==") or self.take("!="):
                value = self.token
                if value.kind != "string":
                    self.fail(f"{fact.name} is compared with a quoted value, e.g. {fact.name} == {fact.values[0]!r}")
                self.i += 1
                node = Is(fact.name, (value.value,)) if op.text == "==" else IsNot(fact.name, value.value)
                return self.value_of(fact, value, node)
            if self.take("in"):
                return self.one_of(fact)
            self.fail(f"Expected ==, != or in after {fact.name}", op)
        self.fail(f"Expected a fact, a quoted value, size( or ( but found {start.text!r}")

    def exists(self):
        """list_fact.exists(x, x in ["a", "b"]): the one loop read back, "at least one of these"."""
        fact = self.fact_name({FactKind.ENUM_LIST}, "a list fact such as symptoms before the dot")
        self.expect(".", "a dot")
        if self.token.text != "exists":
            self.fail(f'Only {fact.name}.exists(s, s in ["..."]) is read back after a dot')
        self.i += 1
        self.expect("(", "an opening bracket (")
        name = self.token
        if name.kind != "ident" or name.text in self.facts:
            self.fail("Expected a short name for each value, e.g. s, that is not a case fact")
        self.i += 1
        self.expect(",", "a comma")
        if self.token.text != name.text:
            self.fail(f"Expected {name.text} in [...]: the values, at least one of which must be present")
        self.i += 1
        self.expect("in", "in")
        values = self.one_of(fact).values
        self.expect(")", "a closing bracket )")
        return HasAnyOf(fact.name, values)

    def bracketed(self, opening):
        if self.depth == MAX_NESTING:
            self.fail(f"Brackets are nested more than {MAX_NESTING} deep; write the condition flatter", opening)
        self.depth += 1
        inner = self.or_()
        self.expect(")", "a closing bracket )")
        self.depth -= 1
        return inner

    def negation(self, bang):
        if self.take("("):
            return Not(self.bracketed(bang))
        token = self.token
        if token.kind == "ident" and token.text in self.facts and self.facts[token.text].is_bool:
            self.i += 1
            return Flag(token.text, False)
        self.fail('After ! put the condition to negate in brackets, e.g. !("flushing" in symptoms)', token)

    def take_int(self, value):
        token = self.token
        if token.kind == "int" and token.value == value:
            self.i += 1
            return True
        return False

    def boolean(self):
        token = self.token
        if token.kind == "ident" and token.text in ("true", "false"):
            self.i += 1
            return token.text == "true"
        self.fail("A yes/no fact is compared with true or false")

    def fact_name(self, kinds, what):
        token = self.token
        if token.kind != "ident":
            self.fail(f"Expected {what}")
        fact = self.facts.get(token.text)
        if fact is None:
            self.fail(f"{token.text!r} is not a case fact; known facts are {', '.join(self.facts)}")
        if fact.is_numeric:
            self.fail(f"Number comparisons ({token.text}) are not read back in plain words yet")
        if fact.kind not in kinds:
            self.fail(f"{token.text} cannot be used here: expected {what}")
        self.i += 1
        return fact

    def value_of(self, fact, token, node):
        if token.value not in fact.values:
            self.fail(f"{token.value!r} is not a value of {fact.name}; use one of {', '.join(fact.values)}", token)
        return node

    def one_of(self, fact):
        self.expect("[", f"a list of values in square brackets, e.g. [{fact.values[0]!r}]")
        values = []
        while True:
            token = self.token
            if token.kind != "string":
                self.fail("Expected a quoted value in the list")
            self.i += 1
            self.value_of(fact, token, None)
            values.append(token.value)
            if self.take("]"):
                break
            self.expect(",", "a comma or the closing ]")
        return Is(fact.name, tuple(values))


def _flatten(kind, items):
    for item in items:
        if isinstance(item, kind):
            yield from item.items
        else:
            yield item


def parse_condition(source, *, edition=CURRENT_EDITION):
    """The condition's tree, or ConditionSyntaxError saying in words what and where.

    Read in the vocabulary of `edition` (guidance.facts.vocabulary): a retired version's rules are
    read as they were written (edition 2: venom_allergy is a yes/no tick box).
    """
    if not isinstance(source, str):
        raise ConditionSyntaxError("The condition must be text", source="", position=0)
    if len(source) > MAX_LENGTH:
        message = f"The condition is {len(source)} characters long; at most {MAX_LENGTH} are allowed"
        raise ConditionSyntaxError(message, source=source, position=MAX_LENGTH)
    return _Parser(source, vocabulary(edition)).parse()


# ---------------------------------------------------------------- writing CEL


def _quoted(value):
    return f'"{value}"'


def to_cel(node, *, nested=False):
    """CEL for a tree, bracketed only where the grouping needs it."""
    if isinstance(node, All | Any):
        joiner = " && " if isinstance(node, All) else " || "
        text = joiner.join(to_cel(item, nested=True) for item in node.items)
        # && binds tighter than ||: an any-group inside an all-group needs brackets.
        return f"({text})" if nested and isinstance(node, Any) else text
    if isinstance(node, Not):
        return f"!({to_cel(node.item)})"
    if isinstance(node, Is):
        if len(node.values) == 1:
            return f"{node.fact} == {_quoted(node.values[0])}"
        return f"{node.fact} in [{', '.join(_quoted(v) for v in node.values)}]"
    if isinstance(node, IsNot):
        return f"{node.fact} != {_quoted(node.value)}"
    if isinstance(node, Has):
        return f"{_quoted(node.value)} in {node.fact}"
    if isinstance(node, HasAnyOf):
        return f"{node.fact}.exists({node.fact[0]}, {node.fact[0]} in [{', '.join(_quoted(v) for v in node.values)}])"
    if isinstance(node, NonEmpty):
        return f"size({node.fact}) == 0" if node.empty else f"size({node.fact}) > 0"
    if isinstance(node, Flag):
        return node.fact if node.value else f"!{node.fact}"
    raise TypeError(f"not a condition node: {node!r}")


# ---------------------------------------------------------------- reading back
#
# Every word comes from the vocabulary (guidance.facts): a fact is named by its
# short label, as the case page names it ("Antihistamines: unresponsive"), a
# value by its choice label (`Fact.choice_words`). A value whose label only spells out its code
# ("Indolent systemic mastocytosis (ISM)") is named by the code, the clinic's
# own short name. The clauses of a condition that must all hold are joined
# by "; and" (those of which one must hold by "; or"); an enum that must not take some values is read as the
# values it may take, so no reading says "not not tried".

# Readings an editor can take in at a glance: beyond this many values, "other than".
_MOST_VALUES_LISTED = 2


def _upper(text):
    return text[:1].upper() + text[1:]


def _value_words(fact, value):
    return FACTS[fact].choice_words(value)


def _fact_words(fact):
    return FACTS[fact].short_label


def _either(words, last="or"):
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _reads_negative(label):
    first = label.split()[0].lower()
    return first in ("not", "no", "none") or first.startswith("un")


def _is_words(fact, values):
    labels = [FACTS[fact].words_in_full(v) for v in values]
    if all(_fact_words(fact).lower() in label.lower() for label in labels):
        return _either([labels[0], *map(in_sentence, labels[1:])])  # "Known to tolerate NSAIDs" names the fact itself
    return f"{_fact_words(fact)}: {_either(_value_words(fact, v) for v in values)}"


def _is_not_words(fact, values):
    """An enum that takes none of `values`: the values it may take, or "other than" when they are many."""
    others = [v for v in FACTS[fact].values if v not in values]
    if not others:
        raise ConditionSyntaxError(
            f"This condition can never hold: {fact} always has one of these values", source="", position=0
        )
    negative = any(_reads_negative(FACTS[fact].words_in_full(v)) for v in values)
    if len(others) <= _MOST_VALUES_LISTED or negative:
        return _is_words(fact, others)
    return f"{_fact_words(fact)}: other than {_either(_value_words(fact, v) for v in values)}"


def _present(values, *, every):
    """'Flushing or pruritus (itching) is present' (any) / 'Fracture and osteoporosis are both present' (every)."""
    if len(values) == 1 or not every:
        return f"{_either(values)} is present"
    return f"{_either(values, 'and')} are {'both' if len(values) == 2 else 'all'} present"


def _absent(values, *, every):
    """'Neither flushing nor pruritus (itching) is present' (every) / '... are not both present' (any)."""
    if len(values) == 1:
        return f"{values[0]} is absent"
    if not every:
        return f"{_either(values, 'and')} are not {'both' if len(values) == 2 else 'all'} present"
    if len(values) == 2:
        return f"neither {values[0]} nor {values[1]} is present"
    return f"none of {_either(values, 'and')} is present"


def _clause(node):
    """One clause: an atom, a run of atoms that say one thing, or a bracketed group."""
    if isinstance(node, Is):
        return _is_words(node.fact, node.values)
    if isinstance(node, IsNot):
        return _is_not_words(node.fact, (node.value,))
    if isinstance(node, Has):
        return _present([_value_words(node.fact, node.value)], every=True)
    if isinstance(node, HasAnyOf):
        return _present([_value_words(node.fact, v) for v in node.values], every=False)
    if isinstance(node, NonEmpty):
        return f"{FACTS[node.fact].label}: {'none' if node.empty else 'at least one'} recorded"
    if isinstance(node, Flag):
        return f"{FACTS[node.fact].label} is {'present' if node.value else 'absent'}"
    if isinstance(node, Not):
        return _negated(node.item)
    if isinstance(node, _Run):
        return node.words
    if isinstance(node, All | Any):
        return _group(node)
    raise TypeError(f"not a condition node: {node!r}")


def _negated(node):
    if isinstance(node, Is):
        return _is_not_words(node.fact, node.values)
    if isinstance(node, IsNot):
        return _clause(Is(node.fact, (node.value,)))
    if isinstance(node, Has):
        return _absent([_value_words(node.fact, node.value)], every=True)
    if isinstance(node, HasAnyOf):
        return _absent([_value_words(node.fact, v) for v in node.values], every=True)
    if isinstance(node, NonEmpty):
        return _clause(NonEmpty(node.fact, empty=not node.empty))
    if isinstance(node, Flag):
        return _clause(Flag(node.fact, not node.value))
    if isinstance(node, Not):
        return _clause(node.item)
    every = isinstance(node, All)
    negated = _runs(node.items, every=every, negated=True)
    if len(negated) == 1 and isinstance(negated[0], _Run):
        return negated[0].words
    inner = "; ".join(_upper(_clause(i)) for i in _runs(node.items, every=every))
    return f"not all of ({inner})" if isinstance(node, All) else f"none of ({inner})"


@dataclass(frozen=True)
class _Run:
    """Atoms of one group read as one clause ("Antihistamines and omalizumab: both unresponsive")."""

    words: str


def _run_key(node):
    """Atoms that may be read together: one list fact's values, or facts with the same choices and value."""
    if isinstance(node, Has):
        return ("has", node.fact)
    if isinstance(node, Not) and isinstance(node.item, Has):
        return ("lacks", node.item.fact)
    if isinstance(node, Is) and len(node.values) == 1:
        return ("is", tuple(FACTS[node.fact].choices.items()), node.values)
    return None


def _run_words(kind, nodes, *, every, negated):
    if kind == "is":
        if not every:
            return None  # "A or B: unresponsive" would not say "at least one"
        facts = [_fact_words(nodes[0].fact), *(in_sentence(_fact_words(n.fact)) for n in nodes[1:])]
        value = _value_words(nodes[0].fact, nodes[0].values[0])
        amount = "both" if len(nodes) == 2 else "all"
        return f"{_either(facts, 'and')}: {'not ' if negated else ''}{amount} {value}"
    atoms = nodes if kind == "has" else [n.item for n in nodes]
    values = [_value_words(n.fact, n.value) for n in atoms]
    present = (kind == "has") != negated
    # not all present = some absent; none present = every one absent.
    return _present(values, every=every != negated) if present else _absent(values, every=every != negated)


def _runs(items, *, every, negated=False):
    """The group's items with runs of like atoms read as one clause, in the order they first appear."""
    keyed = {}
    for item in items:
        key = _run_key(item)
        if key is not None:
            keyed.setdefault(key, []).append(item)
    out, done = [], set()
    for item in items:
        key = _run_key(item)
        nodes = keyed.get(key) if key is not None else None
        if nodes and len(nodes) > 1:
            if key in done:
                continue
            words = _run_words(key[0], nodes, every=every, negated=negated)
            if words is not None:
                done.add(key)
                out.append(_Run(words))
                continue
        out.append(item)
    return out


def _group(node):
    items = _runs(node.items, every=isinstance(node, All))
    if len(items) == 1:
        return _clause(items[0])
    inner = "; ".join(_upper(_clause(i)) for i in items)
    return f"all of ({inner})" if isinstance(node, All) else f"at least one of ({inner})"


def readback(node, *, edition=CURRENT_EDITION):
    """The plain-English reading of a condition tree (or of CEL text, parsed first in `edition`)."""
    if isinstance(node, str):
        node = parse_condition(node, edition=edition)
    if isinstance(node, All | Any):
        items = _runs(node.items, every=isinstance(node, All))
        joiner = "; and " if isinstance(node, All) else "; or "
        return joiner.join(_upper(_clause(item)) for item in items)
    return _upper(_clause(node))


@dataclass(frozen=True)
class Reading:
    """What an editor is told about a condition: the readback, or why there is none."""

    text: str = ""
    problem: str = ""
    marked: str = ""

    @property
    def ok(self):
        return not self.problem


def condition_reading(source, *, edition=CURRENT_EDITION):
    """Never raises: a readback, or the reason none can be given, with the position marked."""
    try:
        return Reading(text=readback(parse_condition(source, edition=edition)))
    except ConditionSyntaxError as exc:
        return Reading(problem=str(exc), marked=exc.marked)


# ---------------------------------------------------------------- builder rows
#
# The builder edits a condition as rows of fact ▸ operator ▸ values, grouped
# under "all" or "any", one level of sub-groups deep. Its state is plain data
# (JSON in the form), written to CEL through the same tree.

OPERATORS = {
    FactKind.ENUM: (("is", "is"), ("is_not", "is not")),
    FactKind.ENUM_LIST: (
        ("has", "includes"),
        ("some", "includes at least one of"),
        ("lacks", "does not include"),
        ("any", "has any"),
        ("none", "has none"),
    ),
    FactKind.BOOL: (("yes", "is present"), ("no", "is absent")),
}


def _row(node):
    if isinstance(node, Is):
        return {"fact": node.fact, "op": "is", "values": list(node.values)}
    if isinstance(node, IsNot):
        return {"fact": node.fact, "op": "is_not", "values": [node.value]}
    if isinstance(node, Not) and isinstance(node.item, Is):
        return {"fact": node.item.fact, "op": "is_not", "values": list(node.item.values)}
    if isinstance(node, Has):
        return {"fact": node.fact, "op": "has", "values": [node.value]}
    if isinstance(node, Not) and isinstance(node.item, Has):
        return {"fact": node.item.fact, "op": "lacks", "values": [node.item.value]}
    if isinstance(node, HasAnyOf):
        return {"fact": node.fact, "op": "some", "values": list(node.values)}
    if isinstance(node, NonEmpty):
        return {"fact": node.fact, "op": "none" if node.empty else "any", "values": []}
    if isinstance(node, Flag):
        return {"fact": node.fact, "op": "yes" if node.value else "no", "values": []}
    return None


def _builder_group(node, *, depth):
    negate = isinstance(node, Not) and isinstance(node.item, All | Any)
    group = node.item if negate else node
    items = group.items if isinstance(group, All | Any) else (group,)
    rows = []
    for item in items:
        row = _row(item)
        if row is None:
            if depth >= 1:
                return None
            row = _builder_group(item, depth=depth + 1)
            if row is None:
                return None
        rows.append(row)
    return {"match": "any" if isinstance(group, Any) else "all", "negate": negate, "rows": rows}


def to_builder(node):
    """The builder's rows for a tree, or None when the builder cannot show it (raw CEL then)."""
    return _builder_group(node, depth=0)


def _row_node(row, facts):
    fact, op, values = row.get("fact"), row.get("op"), [v for v in row.get("values") or [] if v]
    if fact not in facts or facts[fact].kind not in OPERATORS:
        raise ValueError(f"Choose a fact for each row ({fact!r} is not one the builder offers).")
    kind = facts[fact].kind
    if op not in dict(OPERATORS[kind]):
        raise ValueError(f"Choose what \u201c{facts[fact].label}\u201d must be.")
    unknown = [v for v in values if v not in facts[fact].values]
    if unknown:
        raise ValueError(f"{', '.join(map(repr, unknown))} is not a value of {fact}.")
    if op in ("is", "is_not", "has", "some", "lacks") and not values:
        raise ValueError(f"Tick at least one value for \u201c{facts[fact].label}\u201d.")
    if op == "is":
        return Is(fact, tuple(values))
    if op == "is_not":
        return IsNot(fact, values[0]) if len(values) == 1 else Not(Is(fact, tuple(values)))
    if op in ("has", "lacks"):
        # One row, several symptoms: each is required (has) or each is excluded (lacks).
        nodes = [Has(fact, v) if op == "has" else Not(Has(fact, v)) for v in values]
        return nodes[0] if len(nodes) == 1 else All(tuple(nodes))
    if op == "some":
        return Has(fact, values[0]) if len(values) == 1 else HasAnyOf(fact, tuple(values))
    if op in ("any", "none"):
        return NonEmpty(fact, empty=op == "none")
    return Flag(fact, op == "yes")


def from_builder(group, *, edition=CURRENT_EDITION):
    """The tree the builder's rows describe (in `edition`'s vocabulary); ValueError names the row to fix."""
    rows = group.get("rows") or []
    if not rows:
        raise ValueError("Add at least one row to the condition.")
    facts = vocabulary(edition)
    nodes = tuple(from_builder(row, edition=edition) if "rows" in row else _row_node(row, facts) for row in rows)
    kind = Any if group.get("match") == "any" else All
    node = nodes[0] if len(nodes) == 1 else kind(tuple(_flatten(kind, nodes)))
    return Not(node) if group.get("negate") else node


def builder_to_cel(group, *, edition=CURRENT_EDITION):
    return to_cel(from_builder(group, edition=edition))
