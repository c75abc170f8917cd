"""FHIR R4 exports: a guidance version as a PlanDefinition, an assessment as a RequestGroup.

Built and validated with fhir.resources' R4B models (whose PlanDefinition and
RequestGroup are R4's); tests also check them against the official R4 JSON
schema. Nothing is said that the version or the assessment does not hold: a
rule has no plain-English readback of its condition yet, so none is given.
"""

from django.conf import settings
from fhir.resources.R4B.plandefinition import PlanDefinition
from fhir.resources.R4B.requestgroup import RequestGroup

from guidance.interventions import ATC_SYSTEM, INTERVENTIONS, members
from guidance.models import GuidanceVersion
from guidance.selectors import guidance_version_neighbours

from .cards import absolute, anchor_url, rule_system

CONTENT_TYPE = "application/fhir+json"
CEL = "text/cel"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
KIND_SYSTEM = "urn:mastoweb:recommendation-kind"
SAFETY_PROPERTY = "urn:mastoweb:fhir:extension:safety-property"
CONFIRM = "urn:mastoweb:fhir:extension:confirm"
STATUS = {GuidanceVersion.Status.PUBLISHED: "active", GuidanceVersion.Status.RETIRED: "retired"}
INTERVENTION_SYSTEM = "urn:mastoweb:intervention"


def intervention_codes(ids):
    """One CodeableConcept per intervention (a class for its members): our id and, where the WHO ATC index
    has one, its ATC code (guidance.interventions)."""
    concepts = []
    for item in members(ids):
        intervention = INTERVENTIONS[item]
        coding = [{"system": INTERVENTION_SYSTEM, "code": item, "display": intervention.label}]
        if intervention.atc:
            coding.append({"system": ATC_SYSTEM, "code": intervention.atc, "display": intervention.atc_name})
        concepts.append({"coding": coding, "text": intervention.label})
    return concepts


def _offers_and_about(offers, about):
    """What a line offers (or a caution is about) as codes; empty before guidance v3."""
    return intervention_codes([item["intervention"] if isinstance(item, dict) else item[0] for item in offers] or about)


def plan_definition_url(version):
    """The canonical URL of the guideline's PlanDefinition (the version goes in `version`)."""
    return f"{settings.PUBLIC_BASE_URL}/fhir/PlanDefinition/{version.guideline.slug}"


def plan_definition_canonical(version):
    return f"{plan_definition_url(version)}|{version.number}"


def _citation(version):
    """The source as recorded: only the provenance fields the version holds."""
    parts = [
        version.source_authors,
        version.source_title,
        version.source_date,
        version.source_identifier,
        f"retrieved {version.source_retrieved_on:%Y-%m-%d}" if version.source_retrieved_on else "",
        f"licence: {version.source_licence}" if version.source_licence else "",
    ]
    shown = ". ".join(part for part in parts if part)
    if not version.has_bibliographic_record:
        shown = f"{shown}. Bibliographic record not supplied." if shown else "Bibliographic record not supplied."
    artifact = {"type": "citation", "label": "source", "citation": shown}
    if version.source_title:
        artifact["display"] = version.source_title
    if version.source_identifier.startswith(("http://", "https://")):
        artifact["url"] = version.source_identifier
    return artifact


def _neighbours(version):
    """predecessor / successor: the frozen versions this one was drafted from, and those drafted from it."""
    before, afters = guidance_version_neighbours(version=version)
    artifacts = []
    if before is not None:
        artifacts.append({"type": "predecessor", "resource": plan_definition_canonical(before)})
    for after in afters:
        artifacts.append({"type": "successor", "resource": plan_definition_canonical(after)})
    return artifacts


def _safety_property(prop):
    return {
        "url": SAFETY_PROPERTY,
        "extension": [
            {"url": "id", "valueString": prop.property_id},
            {"url": "statement", "valueString": prop.statement},
            {"url": "condition", "valueExpression": {"language": CEL, "expression": prop.condition}},
        ],
    }


def _documentation(version, *, anchor, quote, title):
    artifact = {"type": "documentation", "url": anchor_url(version, anchor)}
    display = quote or title
    if display:
        artifact["display"] = display
    return artifact


def _rule_action(version, rule):
    action = {
        "id": rule.rule_id,
        "title": rule.summary,
        "code": [
            {"coding": [{"system": rule_system(version), "code": rule.rule_id, "version": str(version.number)}]},
            {"coding": [{"system": KIND_SYSTEM, "code": rule.kind}]},
            *_offers_and_about(rule.offers or [], rule.about or []),
        ],
        "documentation": [
            _documentation(
                version, anchor=rule.anchor, quote=rule.quote, title=rule.paragraph.title or rule.paragraph.slug
            )
        ],
        "condition": [{"kind": "applicability", "expression": {"language": CEL, "expression": rule.condition}}],
    }
    if rule.confirm:
        action["extension"] = [{"url": CONFIRM, "valueString": item} for item in rule.confirm]
    return action


def plan_definition(version):
    """The guidance version as a computable PlanDefinition (a validated fhir.resources model)."""
    rules = version.rules.select_related("paragraph").order_by("order", "pk")
    data = {
        "resourceType": "PlanDefinition",
        "id": f"{version.guideline.slug}-v{version.number}",
        "url": plan_definition_url(version),
        "version": str(version.number),
        "name": "".join(part.capitalize() for part in version.guideline.slug.split("-")) or "Guidance",
        "title": version.title,
        "type": {"coding": [{"system": PLAN_TYPE, "code": "eca-rule"}]},
        "status": STATUS[version.status],
        "date": version.published_at.isoformat(),
        "relatedArtifact": [
            _citation(version),
            {"type": "documentation", "label": "guidance page", "url": absolute(version.get_absolute_url())},
            *_neighbours(version),
        ],
        "action": [_rule_action(version, rule) for rule in rules],
    }
    properties = [_safety_property(prop) for prop in version.safety_properties.order_by("order", "pk")]
    if properties:
        data["extension"] = properties
    if version.change_note:
        data["description"] = version.change_note
    return PlanDefinition.model_validate(data)


def _line_action(version, line):
    action = {
        "title": line.summary,
        "prefix": line.kind_label,
        "code": [
            {"coding": [{"system": rule_system(version), "code": line.rule, "version": str(version.number)}]},
            {"coding": [{"system": KIND_SYSTEM, "code": line.kind}]},
            *_offers_and_about(line.offers, line.about),
        ],
        "documentation": [
            _documentation(version, anchor=line.anchor, quote=line.quote, title=line.paragraph_title or line.paragraph)
        ],
    }
    if line.reason:
        action["textEquivalent"] = line.reason
    if line.confirm:
        action["extension"] = [{"url": CONFIRM, "valueString": item} for item in line.confirm]
    return action


def request_group(assessment):
    """One stored assessment as a RequestGroup: the lines as they were shown, one action each."""
    version = assessment.guidance_version
    data = {
        "resourceType": "RequestGroup",
        "id": f"assessment-{assessment.pk}",
        "identifier": [{"system": "urn:mastoweb:assessment", "value": f"{assessment.case_id}/{assessment.pk}"}],
        "instantiatesCanonical": [plan_definition_canonical(version)],
        "status": "completed",
        "intent": "proposal",
        "authoredOn": assessment.created_at.isoformat(),
    }
    actions = [_line_action(version, line) for line in assessment.lines]
    if actions:
        data["action"] = actions
    return RequestGroup.model_validate(data)


def as_json(resource):
    return resource.model_dump_json(exclude_none=True)
