import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.services import case_update

from .factories import make_case

pytestmark = pytest.mark.django_db


def test_it_lists_own_cases_most_recently_changed_first(client, clinician, published_version):
    older = make_case(clinician, label="Older", subtype="ASM")
    make_case(clinician, label="Newer", subtype="MCL")
    case_update(case=older, user=clinician, label="Older, edited", facts={"subtype": "ASM"})
    client.force_login(clinician)
    html = client.get(reverse("cases:list")).content.decode()
    assert html.index("Older, edited") < html.index("Newer")
    assert "Aggressive systemic mastocytosis (ASM)" in html
    assert "guidance version 2" in html
    assert "Newer guidance" not in html


def test_it_invites_the_first_case(client, clinician, published_version):
    client.force_login(clinician)
    html = client.get(reverse("cases:list")).content.decode()
    assert "You have no cases yet" in html
    assert reverse("cases:create") in html


def _queries_for_list(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    return len(queries)


def test_its_query_count_does_not_grow_with_the_cases(
    client, clinician, published_version, django_assert_max_num_queries
):
    client.force_login(clinician)
    make_case(clinician, subtype="ISM")
    few = _queries_for_list(client)
    for _ in range(12):
        make_case(clinician, subtype="SSM", symptoms=["pruritus"])
    with django_assert_max_num_queries(few):
        client.get(reverse("cases:list"))
    assert few <= 7
