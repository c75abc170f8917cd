"""The footer names the guidance version a view set explicitly, else the current one, looked up only if shown."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from guidance.context_processors import footer_guidance, footer_shows

pytestmark = pytest.mark.django_db


def test_without_a_view_saying_so_the_footer_names_the_current_version(published_version):
    request = RequestFactory().get("/")
    assert footer_guidance(request)["footer_guidance"]() == published_version


def test_the_footer_names_the_version_the_view_set_without_looking_up_the_current(version_one):
    request = RequestFactory().get("/")
    footer_shows(request, version_one)
    with CaptureQueriesContext(connection) as queries:
        assert footer_guidance(request)["footer_guidance"]() == version_one
    assert queries.captured_queries == []


def test_a_view_may_say_its_page_shows_no_version(published_version):
    request = RequestFactory().get("/")
    footer_shows(request, None)
    assert footer_guidance(request)["footer_guidance"]() is None
