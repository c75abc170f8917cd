"""/healthz: up only when the database answers and a guidance version is published."""

from unittest import mock

from django.db import OperationalError, connections

from guidance.models import GuidanceVersion


def test_it_is_up_with_the_published_version(client, published_version, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "guidance_version": published_version.number}
    assert "no-cache" in response["Cache-Control"]


def test_it_is_down_when_no_guidance_is_published(client, published_version):
    GuidanceVersion.objects.filter(pk=published_version.pk).update(status=GuidanceVersion.Status.RETIRED)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["guidance"] == "none published"


def test_it_is_down_when_the_database_is_unreachable(client, db):
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
