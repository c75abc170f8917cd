"""What a page costs beyond its own work: queries for the navigation, the footer and the session."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from mastoweb import roles
from tests.cases.factories import publish_revision

pytestmark = pytest.mark.django_db


def nav_links(response):
    html = response.content.decode()
    nav = html[html.index('aria-label="Main navigation"') : html.index("</nav>")]
    return {name for name in ("Cases", "Review", "Guidance", "Admin") if f">{name}</a>" in nav}


def test_the_navigation_shows_each_role_its_links(client, clinician, reviewer, editor, version_one):
    expected = {clinician: {"Cases", "Guidance"}, reviewer: {"Review", "Guidance"}, editor: {"Guidance", "Admin"}}
    for user, links in expected.items():
        client.force_login(user)
        assert nav_links(client.get(reverse("guidance:current"))) == links, user.username


def test_the_navigation_asks_no_permission_of_the_database(client, clinician, version_one):
    client.force_login(clinician)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("guidance:current"))

    assert nav_links(response) == {"Cases", "Guidance"}
    assert not [q["sql"] for q in captured.captured_queries if "auth_permission" in q["sql"]]


def test_a_new_role_shows_in_the_navigation_within_a_minute(client, clinician, version_one):
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        clinician.groups.add(Group.objects.get(name=roles.REVIEWER))
        assert "Review" not in nav_links(client.get(reverse("guidance:current")))

        clock.tick(timedelta(seconds=61))

        assert "Review" in nav_links(client.get(reverse("guidance:current")))


def test_a_removed_role_is_refused_at_once_though_its_link_lingers(client, reviewer, version_one):
    client.force_login(reviewer)
    reviewer.groups.clear()

    assert client.get(reverse("cases:review")).status_code == 403


def footer(response):
    html = response.content.decode()
    return html[html.index("<footer") :]


def test_the_footer_names_the_new_version_after_a_publish(client, clinician, editor, version_one):
    client.force_login(clinician)
    assert "version 1</a>" in footer(client.get(reverse("guidance:versions")))

    publish_revision(user=editor, revise=lambda draft: None)

    shown = footer(client.get(reverse("guidance:versions")))
    assert "version 2</a>" in shown
    assert "(published" in shown
    assert "version 1</a>" in footer(client.get(reverse("guidance:version", args=[1])))
    assert "(retired" in footer(client.get(reverse("guidance:version", args=[1])))
