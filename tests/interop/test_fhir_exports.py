"""FHIR R4 exports: the guidance as a PlanDefinition, an assessment as a RequestGroup."""

import json
import re

import pytest
from django.conf import settings
from fhir.resources.R4B.plandefinition import PlanDefinition
from fhir.resources.R4B.requestgroup import RequestGroup

from audit.models import AuditEvent
from guidance.models import Rule
from interop.audit_names import InteropAction
from tests.cases.factories import make_case

from .fhir_schema import CEL, schema_errors, without_cel

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"


def plan(client, number=3):
    response = client.get(f"/guidance/v/{number}/fhir/PlanDefinition")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == FHIR_JSON
    return response.json()


@pytest.fixture
def case(clinician):
    return make_case(
        clinician,
        subtype="ASM",
        symptoms=["flushing", "malabsorption", "recurrent_anaphylaxis"],
        antihistamine_response="unresponsive",
    )


def request_group(client, case):
    assessment = case.assessments.get()
    response = client.get(f"/cases/{case.pk}/assessments/{assessment.pk}/fhir/RequestGroup")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == FHIR_JSON
    return response.json()


def assert_valid_r4(resource, model):
    model.model_validate(resource)  # fhir.resources R4B: raises on any structural error
    errors = schema_errors(resource)
    copy, replaced = without_cel(resource)
    # The one known difference: CEL is not in the schema's closed list of expression languages.
    assert all(message.startswith(f"'{CEL}' is not one of") for _, message in errors), errors
    assert len(errors) == replaced
    assert schema_errors(copy) == []


@pytest.mark.parametrize("number", [1, 2, 3])
def test_each_frozen_version_exports_a_plan_definition_valid_for_both_checkers(client, clinician, number):
    client.force_login(clinician)
    assert_valid_r4(plan(client, number), PlanDefinition)


def test_the_plan_definition_carries_the_versions_identity(client, clinician, published_version):
    client.force_login(clinician)
    resource = plan(client)
    assert resource["url"] == f"{settings.PUBLIC_BASE_URL}/fhir/PlanDefinition/sm-management"
    assert resource["version"] == "3"
    assert resource["status"] == "active"
    assert resource["date"].startswith(published_version.published_at.date().isoformat())
    assert plan(client, 2)["status"] == "retired"
    assert plan(client, 1)["status"] == "retired"


def test_the_source_is_cited_as_recorded_and_nothing_invented(client, clinician, published_version):
    client.force_login(clinician)
    (citation,) = [a for a in plan(client)["relatedArtifact"] if a["type"] == "citation"]
    assert "Bibliographic record not supplied." in citation["citation"]
    assert "url" not in citation  # the version records no source URL


def test_versions_link_to_their_predecessor_and_successor(client, clinician):
    client.force_login(clinician)
    canonical = f"{settings.PUBLIC_BASE_URL}/fhir/PlanDefinition/sm-management"
    three = {a["type"]: a.get("resource") for a in plan(client, 3)["relatedArtifact"]}
    two = {a["type"]: a.get("resource") for a in plan(client, 2)["relatedArtifact"]}
    one = {a["type"]: a.get("resource") for a in plan(client, 1)["relatedArtifact"]}
    assert three["predecessor"] == f"{canonical}|2"
    assert two["predecessor"] == f"{canonical}|1"
    assert two["successor"] == f"{canonical}|3"
    assert one["successor"] == f"{canonical}|2"
    assert "predecessor" not in one and "successor" not in three


def test_one_action_per_rule_with_its_anchor_quote_and_cel_condition(client, clinician, published_version):
    client.force_login(clinician)
    actions = plan(client)["action"]
    rules = list(Rule.objects.filter(version=published_version).select_related("paragraph").order_by("order", "pk"))
    assert [action["id"] for action in actions] == [rule.rule_id for rule in rules]
    page = client.get("/guidance/v/3/").content.decode()
    for action, rule in zip(actions, rules, strict=True):
        assert action["title"] == rule.summary
        (documentation,) = action["documentation"]
        assert documentation["url"] == f"{settings.PUBLIC_BASE_URL}/guidance/v/3/#{rule.anchor}"
        assert re.search(rf'id="{re.escape(rule.anchor)}"', page)
        assert documentation["display"] == rule.quote
        (condition,) = action["condition"]
        assert condition == {"kind": "applicability", "expression": {"language": CEL, "expression": rule.condition}}
        # No plain-English readback exists yet: none is invented.
        assert "description" not in condition["expression"]


def test_the_safety_properties_travel_as_extensions(client, clinician, published_version):
    client.force_login(clinician)
    extensions = plan(client)["extension"]
    ids = [next(e["valueString"] for e in ext["extension"] if e["url"] == "id") for ext in extensions]
    assert ids == list(
        published_version.safety_properties.order_by("order", "pk").values_list("property_id", flat=True)
    )


def test_a_draft_is_not_exported(client, editor, login_two_factor, published_version):
    from guidance.publishing import draft_create

    draft = draft_create(guideline=published_version.guideline, user=editor)
    login_two_factor(client, editor)
    assert client.get(f"/guidance/v/{draft.number}/fhir/PlanDefinition").status_code == 404


def test_the_guidance_export_needs_a_login(client):
    response = client.get("/guidance/v/2/fhir/PlanDefinition")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_guidance_export_is_audited(client, clinician, published_version):
    client.force_login(clinician)
    plan(client)
    event = AuditEvent.objects.get(action=InteropAction.FHIR_EXPORTED)
    assert (event.actor, event.object_id, event.details) == (
        clinician,
        str(published_version.pk),
        {"resource": "PlanDefinition"},
    )


def test_an_assessment_exports_a_request_group_valid_for_both_checkers(client, clinician, case):
    client.force_login(clinician)
    assert_valid_r4(request_group(client, case), RequestGroup)


def test_the_request_group_shows_each_line_as_it_was_shown(client, clinician, case):
    client.force_login(clinician)
    resource = request_group(client, case)
    lines = case.assessments.get().lines
    assert resource["instantiatesCanonical"] == [f"{settings.PUBLIC_BASE_URL}/fhir/PlanDefinition/sm-management|3"]
    assert resource["intent"] == "proposal"
    assert len(resource["action"]) == len(lines)
    for action, line in zip(resource["action"], lines, strict=True):
        assert action["title"] == line.summary
        assert action["textEquivalent"] == line.reason
        assert action["documentation"][0]["url"].endswith(f"/guidance/v/3/#{line.anchor}")
        assert action["code"][0]["coding"][0]["code"] == line.rule
    assert "subject" not in resource  # no patient identity leaves with it


def test_the_request_group_follows_case_access(client, case, outsider, reviewer, editor, login_two_factor):
    assessment = case.assessments.get()
    path = f"/cases/{case.pk}/assessments/{assessment.pk}/fhir/RequestGroup"
    client.force_login(outsider)
    assert client.get(path).status_code == 404
    client.force_login(reviewer)
    assert client.get(path).status_code == 200
    login_two_factor(client, editor)
    assert client.get(path).status_code == 403


def test_an_assessment_of_another_case_is_not_found(client, clinician, case):
    other = make_case(clinician, subtype="ISM")
    client.force_login(clinician)
    response = client.get(f"/cases/{other.pk}/assessments/{case.assessments.get().pk}/fhir/RequestGroup")
    assert response.status_code == 404


def test_the_assessment_export_is_audited_against_the_case(client, clinician, case):
    client.force_login(clinician)
    request_group(client, case)
    event = AuditEvent.objects.get(action=InteropAction.FHIR_EXPORTED)
    assert event.object_id == str(case.pk)
    assert event.details == {"resource": "RequestGroup", "assessment_id": case.assessments.get().pk}


def test_the_pages_offer_the_downloads(client, clinician, case):
    client.force_login(clinician)
    guidance_page = client.get("/guidance/v/3/").content.decode()
    assert 'href="/guidance/v/3/fhir/PlanDefinition" download' in guidance_page
    case_page = client.get(case.get_absolute_url()).content.decode()
    assessment = case.assessments.get()
    assert f'href="/cases/{case.pk}/assessments/{assessment.pk}/fhir/RequestGroup" download' in case_page


def test_the_exports_take_few_queries(client, clinician, case, django_assert_max_num_queries):
    client.force_login(clinician)
    with django_assert_max_num_queries(12):
        plan(client)
    with django_assert_max_num_queries(10):
        request_group(client, case)


def test_the_schema_check_catches_a_broken_resource(client, clinician):
    """The checker itself can fail: a resource with a wrong status type is refused."""
    client.force_login(clinician)
    resource = plan(client) | {"status": 7}
    assert any(path == "status" for path, _ in schema_errors(resource))
    assert json.dumps(resource)
