"""How big a rule's condition may be: limits that keep every evaluation of it cheap, checked on save.

Pure: no ORM, request, settings or clock. The CEL runtime is Rust and cannot
be interrupted, so there is no per-evaluation timer that works in a page, a
CDS call and the background worker alike. Instead a condition is refused,
before it is compiled or run (engine.compile_condition asks
condition_limits_problem first), unless its cost is bounded statically:

- at most MAX_LENGTH characters, and brackets nested at most MAX_NESTING deep;
- a list written out holds at most MAX_LIST_ITEMS items;
- a comprehension (`.all`, `.exists`, `.exists_one`, `.filter`) never runs
  inside another one, and there are at most MAX_COMPREHENSIONS; `.map`,
  which builds new values, is not used.

Why that bounds the cost: without loops, CEL evaluates each node of the
expression once, and the expression has fewer than MAX_LENGTH nodes. Loops
come only from comprehensions; none is nested, so each node runs at most
once per item of the one list its comprehension walks. That list is a case
fact (at most the vocabulary's values, a few dozen), a list written out (at
most MAX_LIST_ITEMS), or one joined from those by `+` (fewer than
MAX_LENGTH / 2 items). So an evaluation makes at most MAX_COMPREHENSIONS x
MAX_LENGTH / 2 passes over an expression of fewer than MAX_LENGTH nodes, each
on values of fewer than MAX_LENGTH / 2 items: a loose bound of 10^8 steps,
and far less in practice, since the loops, the lists and the expression all
come out of the same MAX_LENGTH characters. tests/guidance/test_limits.py
times the costliest conditions we could write within the limits (about 20 ms)
and shows the issue's pathological ones refused before anything runs.
No condition in the shipped guidance uses a comprehension at all.
"""

import re

MAX_LENGTH = 600  # the longest shipped condition has 216
MAX_NESTING = 12
MAX_LIST_ITEMS = 32
MAX_COMPREHENSIONS = 2
COMPREHENSIONS = ("all", "exists", "exists_one", "filter")  # filter keeps some items: no new values
# It builds new values per item, which a condition (true or false) never needs, and a list of lists built
# per item is what makes an unnested loop slow.
LIST_BUILDERS = ("map",)

_COMPREHENSION = re.compile(r"\.\s*(" + "|".join(COMPREHENSIONS) + r")\s*\($")
_LIST_BUILDER = re.compile(r"\.\s*(" + "|".join(LIST_BUILDERS) + r")\s*\(")
_OPENING = {"(": ")", "[": "]", "{": "}"}


class _TooCostlyError(ValueError):
    pass


def _code(source):
    """The source with every string literal blanked (kept the same length), so brackets in quotes do not count."""
    out = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char in "\"'":
            quote = source[i : i + 3] if source[i : i + 3] in ('"""', "'''") else char
            j = i + len(quote)
            while j < n and not source.startswith(quote, j):
                j += 2 if source[j] == "\\" else 1
            j = min(n, j + len(quote))
            out.append(" " * (j - i))
            i = j
        else:
            out.append(char)
            i += 1
    return "".join(out)


def condition_limits_problem(source):
    """Which limit the condition is past (see the module), in an editor's words; None when it is within them all."""
    try:
        _check(source)
    except _TooCostlyError as exc:
        return str(exc)
    return None


def _check(source):
    if len(source) > MAX_LENGTH:
        raise _TooCostlyError(
            f"The condition is {len(source)} characters long; at most {MAX_LENGTH} are allowed. Split it into rules."
        )
    code = _code(source)
    builder = _LIST_BUILDER.search(code)
    if builder:
        raise _TooCostlyError(
            f".{builder.group(1)}( builds new values (at character {builder.start() + 1}); a condition needs "
            "only .all, .exists, .exists_one, .filter or `in`."
        )
    # One entry per open bracket: [closing bracket, is a comprehension, items so far (for a list)].
    stack = []
    comprehensions = 0
    for position, char in enumerate(code):
        if char in _OPENING:
            if len(stack) == MAX_NESTING:
                raise _TooCostlyError(
                    f"Brackets are nested more than {MAX_NESTING} deep (at character {position + 1}); "
                    "write the condition flatter."
                )
            comprehension = char == "(" and bool(_COMPREHENSION.search(code[: position + 1]))
            if comprehension:
                comprehensions += 1
                if any(entry[1] for entry in stack):
                    raise _TooCostlyError(
                        "A loop (.all, .exists, .exists_one, .filter) runs inside another one "
                        f"(at character {position + 1}); conditions may not nest loops, which can take minutes to run."
                    )
                if comprehensions > MAX_COMPREHENSIONS:
                    raise _TooCostlyError(
                        f"The condition has more than {MAX_COMPREHENSIONS} loops (.all, .exists, .exists_one, .filter)."
                    )
            stack.append([_OPENING[char], comprehension, 1 if char == "[" else 0])
        elif char in ")]}":
            if stack:
                stack.pop()
        elif char == "," and stack and stack[-1][0] == "]":
            stack[-1][2] += 1
            if stack[-1][2] > MAX_LIST_ITEMS:
                raise _TooCostlyError(f"A list holds more than {MAX_LIST_ITEMS} items (at character {position + 1}).")
