"""Keyset pages and their cursors: the one pager for every long list (reviewer's cases, audit trail).

OFFSET over a million rows reads and throws away every row before the page; a
cursor (the sort value and id of a row) seeks straight to it through an index
on (sort field, id). A cursor comes back from the query string, so anything
may arrive: only one the database can be asked about is decoded (an aware
instant that exists in UTC, a text without NUL, a UUID, an id in range).
"""

import json
import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q
from django.utils import timezone

from .days import instant_in_range

MAX_ID = 2**63 - 1  # a BigAutoField on every database

INSTANT, TEXT, UUID, ID = "instant", "text", "uuid", "id"


@dataclass(frozen=True)
class Keyset:
    """A sort walked by keyset: the sort field and the key that breaks ties, and what kind each is."""

    field: str
    kind: str
    descending: bool
    key_kind: str = UUID

    @property
    def order(self):
        sign = "-" if self.descending else ""
        return [f"{sign}{self.field}", f"{sign}pk"]

    def cursor_of(self, row):
        return getattr(row, self.field), row.pk


@dataclass(frozen=True)
class Page:
    rows: list
    next: tuple | None  # the cursor to pass as "after" for the following page, if there is one
    previous: tuple | None  # the cursor to pass as "before" for the page before, if there is one


def _beyond(queryset, keyset, cursor, *, forward):
    value, pk = cursor
    op = "lt" if keyset.descending == forward else "gt"
    # The redundant bound on the field alone lets the database range-scan the index.
    return queryset.filter(
        Q(**{f"{keyset.field}__{op}": value}) | Q(**{keyset.field: value, f"pk__{op}": pk}),
        **{f"{keyset.field}__{op}e": value},
    )


def keyset_page(queryset, keyset, *, size, after=None, before=None):
    """The page after the cursor `after` (or before `before`, or the first), with the neighbours' cursors."""
    if before is not None:
        reverse = [term[1:] if term.startswith("-") else f"-{term}" for term in keyset.order]
        rows = list(_beyond(queryset, keyset, before, forward=False).order_by(*reverse)[: size + 1])
        earlier = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows=rows,
            next=keyset.cursor_of(rows[-1]) if rows else None,
            previous=keyset.cursor_of(rows[0]) if earlier else None,
        )
    if after is not None:
        queryset = _beyond(queryset, keyset, after, forward=True)
    rows = list(queryset.order_by(*keyset.order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next=keyset.cursor_of(rows[-1]) if more else None,
        previous=keyset.cursor_of(rows[0]) if after is not None and rows else None,
    )


CURSOR_NAMES = ("after", "before")  # in a list's query string: the page after one row, or before one


def cursor_damaged_message(shown):
    """What a list says when its page link's cursor could not be read; `shown` says what it shows instead."""
    return f'The page link is damaged: its position ("after") could not be read, so {shown}.'


def page_cursors(query, keyset):
    """The cursors a list's query string asks for: (after, before, damaged).

    `after` wins over `before`. `damaged` says a cursor was given that could not
    be read: the list then shows its first page, and the page should say so.
    """
    texts = [query.get(name) for name in CURSOR_NAMES]
    after, before = cursors = [cursor_decode(text, keyset) for text in texts]
    damaged = any(text and cursor is None for text, cursor in zip(texts, cursors, strict=True))
    return after, None if after else before, damaged


def page_links(query, page):
    """The query strings of a list's pages: its filters (the query without cursors), and the neighbours' cursors.

    first_query, next_query and previous_query (None where there is no such page),
    and `paged`, whether this page was reached through a cursor.
    """
    filters = query.copy()
    for name in CURSOR_NAMES:
        filters.pop(name, None)

    def neighbour(name, cursor):
        if cursor is None:
            return None
        neighbour = filters.copy()
        neighbour[name] = cursor_encode(cursor)
        return neighbour.urlencode()

    return {
        "first_query": filters.urlencode(),
        "next_query": neighbour("after", page.next if page else None),
        "previous_query": neighbour("before", page.previous if page else None),
        "paged": any(name in query for name in CURSOR_NAMES),
    }


def cursor_encode(cursor):
    raw = json.dumps([_text(value) for value in cursor], separators=(",", ":")).encode()
    return urlsafe_b64encode(raw).decode().rstrip("=")


def _text(value):
    return value.isoformat() if isinstance(value, datetime) else str(value)


def cursor_decode(text, keyset):
    """The cursor from a query string for this sort, or None if it is missing or damaged."""
    if not text:
        return None
    try:
        data = json.loads(urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not (isinstance(data, list) and len(data) == 2 and all(isinstance(item, str) for item in data)):
            return None
        value, key = data
        value, key = _read(value, keyset.kind), _read(key, keyset.key_kind)
    except (ValueError, RecursionError):
        return None
    if value is None or key is None:
        return None
    return value, key


def _read(text, kind):
    if kind == INSTANT:
        moment = datetime.fromisoformat(text)
        if not (timezone.is_aware(moment) and instant_in_range(moment)):
            return None
        # In UTC: the database takes any instant that way, but not every offset Python allows
        # (PostgreSQL refuses a displacement past 15:59, such as -18:36).
        return moment.astimezone(UTC)
    if kind == UUID:
        return uuid.UUID(text)
    if kind == ID:
        # int() takes "٣", "1_000" and " 7": only plain ASCII digits are an id here.
        if not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
        return number if 0 < number <= MAX_ID else None
    # Text: a NUL or a lone surrogate cannot be sent to every database.
    text.encode()
    return None if "\x00" in text else text
