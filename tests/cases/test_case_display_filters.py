"""The case pages' own date filters write exactly what Django's date filter wrote, in the site's time zone."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone


def _render(source, value):
    return Template("{% load case_display %}" + source).render(Context({"value": value}))


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 12, 5, 14, 2, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 31, 23, 59, tzinfo=datetime.UTC),  # the next day in Paris
        datetime.datetime(2027, 9, 1, 0, 5, tzinfo=datetime.UTC),
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
def test_day_and_day_time_match_the_date_filter(value, zone):
    with timezone.override(zone):
        assert _render("{{ value|day_time }}", value) == _render('{{ value|date:"j M Y H:i" }}', value)
        assert _render("{{ value|day }}", value) == _render('{{ value|date:"j M Y" }}', value)


def test_nothing_is_written_for_no_date():
    assert _render("{{ value|day_time }}|{{ value|day }}", None) == "|"
