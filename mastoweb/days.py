"""Whole days of the site's time zone as instants, for the date filters and page cursors.

Python takes every date from 0001-01-01 to 9999-12-31, but a database is asked
about instants, and not every day has both of its bounds: the day after
9999-12-31 does not exist, and midnight on 0001-01-01 in a zone east of UTC is
in year 0 once moved to UTC, as every database adapter moves it. Such days are
refused by name on the form (DayField), and such instants in a cursor are
treated as a damaged cursor, so neither reaches a query.
"""

from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone


def instant_in_range(moment):
    """Whether an aware datetime can also be written in UTC."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def day_start(day):
    """The first instant of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_end(day):
    """The first instant after `day`: a filter to the end of a day keeps instants before it."""
    return day_start(day + timedelta(days=1))


def day_in_range(day):
    """Whether both bounds of `day` exist as instants in the site's time zone and in UTC."""
    try:
        return instant_in_range(day_start(day)) and instant_in_range(day_end(day))
    except OverflowError:
        return False


def days_in_range():
    """The first and last days a filter accepts; they depend on the site's time zone."""
    first, last = date.min, date.max
    while not day_in_range(first):
        first += timedelta(days=1)
    while not day_in_range(last):
        last -= timedelta(days=1)
    return first, last


class DayField(forms.DateField):
    """A date filter: a day whose bounds exist, or a refusal that says which days do."""

    default_error_messages = {"out_of_range": "Enter a date from %(first)s to %(last)s."}

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and not day_in_range(value):
            first, last = days_in_range()
            raise ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"first": first.isoformat(), "last": last.isoformat()},
            )


class DayRangeMixin:
    """A filter form's From and To days (`date_from`, `date_to`): To may not be before From."""

    day_range_reversed = "The end date is before the start date."

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", self.day_range_reversed)
        return data
