"""What a page costs beyond its own work: queries for the session, the navigation and the footer.

Counts are exact, after a first request: a page that needs one more query
than these should say why here.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from accounts import roles
from guidance.publishing import draft_create
from tests.cases.factories import form_data, make_case, publish_revision

pytestmark = pytest.mark.django_db


# An audit event chained to the newest (audit.chain): on PostgreSQL the lock, the read and the insert are one
# message; SQLite has one writer at a time, so it reads the newest event's hash, then inserts.
AUDIT_EVENT = (
    ["SELECT pg_advisory_xact_lock; INSERT audit_auditevent"]
    if connection.vendor == "postgresql"
    else ["SELECT audit_auditevent", "INSERT audit_auditevent"]
)


def captured(client, method, url, data=None, **headers):
    """The SQL of one request, after a first one (the CSRF cookie, the first read of the guidance version)."""
    getattr(client, method)(url, data, headers=headers)
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data, headers=headers)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def kinds(queries):
    """What each query does, and to which table; for the cache, which entry; statements sent together by "; "."""
    return ["; ".join(_kind(statement) for statement in sql.split("; ")) for sql in queries]


def _kind(sql):
    if sql.startswith("("):  # a UNION of parenthesised SELECTs (the permissions, on PostgreSQL): the first
        sql = sql[1 : sql.index(") UNION")]
    outer, inner = sql, None
    while outer != inner:  # subqueries read other tables; the outer statement names the one it is about
        inner, outer = outer, re.sub(r"\([^()]*\)", "", outer)
    found = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', outer)
    # A statement of no table calls a function (the audit trail's lock): its name.
    table = found.group(1) if found else re.search(r"^\w+\s+(\w+)", outer).group(1)
    if table == "mastoweb_cache":
        table = "cache: session" if "cached_db" in sql else "cache: guidance token" if "guidance:" in sql else table
    return f"{sql.split()[0]} {table}"


SESSION = "SELECT cache: session"  # cached_db: from the shared cache
GUIDANCE_TOKEN = "SELECT cache: guidance token"  # the current guidance version is held while it is unchanged
PERMISSIONS = ["SELECT auth_permission"]  # the user's own and their groups', in one query (accounts.backends)


@pytest.fixture
def trivial_page(settings):
    """bench/run.py's baseline: signed in, the site's base template, one sentence."""
    settings.ROOT_URLCONF = "bench.urls"
    engine = dict(
        settings.TEMPLATES[0], DIRS=[*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "bench" / "templates"]
    )
    settings.TEMPLATES = [engine]
    return "/bench/trivial/"


def test_the_trivial_page_reads_the_session_the_user_and_the_guidance_token(
    client, clinician, published_version, trivial_page
):
    client.force_login(clinician)

    assert kinds(captured(client, "get", trivial_page)) == [SESSION, "SELECT auth_user", GUIDANCE_TOKEN]


def test_the_guidance_page_reads_a_published_version_once_per_process(client, clinician, published_version):
    client.force_login(clinician)

    # The published version with who wrote, approved and published it (one query, no token);
    # its article itself is rendered once per process, so no section, paragraph or rule query.
    assert kinds(captured(client, "get", reverse("guidance:current"))) == [
        SESSION,
        "SELECT auth_user",
        "SELECT guidance_guidanceversion",
    ]


def test_a_draft_is_read_afresh_on_every_preview(client, editor, published_version, login_two_factor):
    draft = draft_create(guideline=published_version.guideline, user=editor)
    login_two_factor(client, editor)  # unpublished guidance is shown only after the second factor

    queries = kinds(captured(client, "get", reverse("guidance:version", args=[draft.number])))

    assert {"SELECT guidance_section", "SELECT guidance_paragraph", "SELECT guidance_rule"} <= set(queries)


def test_the_management_page_writes_one_audit_event(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", symptoms=["flushing"])
    client.force_login(clinician)

    assert kinds(captured(client, "get", reverse("cases:detail", args=[case.pk]))) == [
        SESSION,
        "SELECT auth_user",
        *PERMISSIONS,  # a case is read only with the right to
        "SELECT cases_case",
        "SELECT cases_assessment",
        *AUDIT_EVENT,  # chained to the newest event's hash (audit.chain)
        GUIDANCE_TOKEN,
        "SELECT cases_recommendationfeedback",  # the latest feedback on each line, in one query
    ]


def test_the_case_list_counts_once_and_reads_one_page(client, clinician, published_version):
    for _ in range(3):
        make_case(clinician, subtype="ISM")
    client.force_login(clinician)

    assert kinds(captured(client, "get", reverse("cases:list"))) == [
        SESSION,
        "SELECT auth_user",
        *PERMISSIONS,
        "SELECT cases_case",  # the count, for the pager
        GUIDANCE_TOKEN,
        "SELECT cases_case",
    ]


def test_the_preview_reads_the_paragraphs_it_cites_once_per_process(client, clinician, published_version):
    """A published version's paragraphs are read by the first preview of a process, then held
    (guidance.selectors.paragraphs_by_slug, keyed by the version's content_key)."""
    client.force_login(clinician)
    data = form_data(subtype="ISM", symptoms=["flushing"], antihistamine_response="unresponsive")
    url = reverse("cases:preview")
    with CaptureQueriesContext(connection) as first:
        assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 200
    assert "SELECT guidance_paragraph" in kinds(q["sql"] for q in first.captured_queries)

    assert kinds(captured(client, "post", url, data, HX_Request="true")) == [
        SESSION,
        "SELECT auth_user",
        *PERMISSIONS,
        GUIDANCE_TOKEN,
    ]


def nav_links(response):
    html = response.content.decode()
    nav = html[html.index('aria-label="Main navigation"') : html.index("</nav>")]
    return {name for name in ("Cases", "Review", "Guidance", "Admin") if f">{name}</a>" in nav}


def test_the_navigation_shows_each_role_its_links(client, clinician, reviewer, editor, published_version):
    expected = {clinician: {"Cases", "Guidance"}, reviewer: {"Review", "Guidance"}, editor: {"Guidance", "Admin"}}
    for user, links in expected.items():
        client.force_login(user)
        assert nav_links(client.get(reverse("guidance:current"))) == links, user.username


def test_the_navigation_asks_no_permission_of_the_database(client, clinician, published_version):
    client.force_login(clinician)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("guidance:current"))

    assert nav_links(response) == {"Cases", "Guidance"}
    assert not [q["sql"] for q in captured.captured_queries if "auth_permission" in q["sql"]]


def test_a_new_role_shows_in_the_navigation_within_a_minute(client, clinician, published_version):
    with freeze_time(timezone.now()) as clock:
        client.force_login(clinician)
        clinician.groups.add(Group.objects.get(name=roles.REVIEWER))
        assert "Review" not in nav_links(client.get(reverse("guidance:current")))

        clock.tick(timedelta(seconds=61))

        assert "Review" in nav_links(client.get(reverse("guidance:current")))


def test_a_removed_role_is_refused_at_once_though_its_link_lingers(client, reviewer, published_version):
    client.force_login(reviewer)
    reviewer.groups.clear()

    assert client.get(reverse("cases:review")).status_code == 403


def footer(response):
    html = response.content.decode()
    return html[html.index("<footer") :]


def test_the_footer_names_the_new_version_after_a_publish(client, clinician, editor, published_version):
    client.force_login(clinician)
    assert "version 3</a>" in footer(client.get(reverse("guidance:versions")))

    publish_revision(user=editor, revise=lambda draft: None)

    shown = footer(client.get(reverse("guidance:versions")))
    assert "version 4</a>" in shown
    assert "(published" in shown
    assert "version 3</a>" in footer(client.get(reverse("guidance:version", args=[3])))
    assert "(retired" in footer(client.get(reverse("guidance:version", args=[3])))
