"""A list's query string and its pages: the cursors it asks for, and the links to the pages around."""

from datetime import UTC, datetime

from django.http import QueryDict

from mastoweb.paging import ID, INSTANT, Keyset, Page, cursor_encode, page_cursors, page_links

KEYSET = Keyset("created_at", INSTANT, descending=True, key_kind=ID)
ROW = (datetime(2026, 1, 1, tzinfo=UTC), 7)
OTHER = (datetime(2025, 6, 1, tzinfo=UTC), 3)


def query(**values):
    result = QueryDict(mutable=True)
    for name, value in values.items():
        result.setlist(name, value if isinstance(value, list) else [value])
    return result


def test_no_cursor_is_the_first_page():
    assert page_cursors(query(action="login"), KEYSET) == (None, None, False)


def test_a_cursor_is_read_and_after_wins_over_before():
    assert page_cursors(query(after=cursor_encode(ROW)), KEYSET) == (ROW, None, False)
    assert page_cursors(query(before=cursor_encode(ROW)), KEYSET) == (None, ROW, False)
    assert page_cursors(query(after=cursor_encode(ROW), before=cursor_encode(OTHER)), KEYSET) == (ROW, None, False)


def test_a_cursor_that_cannot_be_read_is_said_to_be_damaged():
    assert page_cursors(query(after="not-a-cursor"), KEYSET) == (None, None, True)
    assert page_cursors(query(before=cursor_encode(("2026-01-01T00:00:00", 7))), KEYSET) == (None, None, True)
    # An empty cursor is no cursor, not a damaged one.
    assert page_cursors(query(after=""), KEYSET) == (None, None, False)


def test_the_links_keep_the_filters_and_carry_only_the_neighbours_cursor():
    links = page_links(query(action="login", actor=["a", "b"], after=cursor_encode(OTHER)), Page([], ROW, OTHER))
    assert links == {
        "first_query": "action=login&actor=a&actor=b",
        "next_query": f"action=login&actor=a&actor=b&after={cursor_encode(ROW)}",
        "previous_query": f"action=login&actor=a&actor=b&before={cursor_encode(OTHER)}",
        "paged": True,
    }


def test_no_link_to_a_page_that_is_not_there():
    assert page_links(query(action="login"), Page([], None, None)) == {
        "first_query": "action=login",
        "next_query": None,
        "previous_query": None,
        "paged": False,
    }
    # A refused form shows no page at all.
    assert page_links(query(date_to="9999-12-31", before="x"), None)["next_query"] is None
