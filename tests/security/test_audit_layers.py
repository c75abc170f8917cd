"""Audit records only the actions the apps registered (that it imports none of them: test_layers.py)."""

import ast
import importlib
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from audit.context import AuditContextMiddleware
from audit.registry import UnknownActionError, action_choices, action_known
from audit.services import audit_record

ROOT = Path(__file__).resolve().parent.parent.parent
APPS_ABOVE_AUDIT = {"accounts", "cases", "guidance", "interop"}
OUR_PACKAGES = {"mastoweb", "audit", *APPS_ABOVE_AUDIT}


def _action_references():
    """Every `<Something>Action.<NAME>` in our code: the actions the apps record."""
    for package in sorted(OUR_PACKAGES):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id.endswith("Action")
                    and node.attr.isupper()
                ):
                    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                    yield module, f"{node.value.id}.{node.attr}"


def test_every_action_recorded_anywhere_is_registered():
    references = list(_action_references())
    assert len(references) > 20  # the scan finds the services' actions
    for module, expression in references:
        value = eval(expression, vars(importlib.import_module(module)))  # noqa: S307 - Name.ATTR from our source
        assert action_known(value) == value, f"{module}: {expression}"


def test_each_app_registers_its_actions():
    codes = {code for code, _ in action_choices()}
    assert {"login", "guidance_published", "case_viewed", "cds_service_called", "audit_exported"} <= codes


@pytest.mark.django_db
def test_an_unregistered_action_is_refused_when_recorded(clinician):
    with pytest.raises(UnknownActionError):
        audit_record(actor=clinician, action="case_deleted")


@pytest.mark.django_db
def test_an_event_recorded_below_the_view_takes_the_address_of_the_request_being_served(clinician):
    def view(request):
        return HttpResponse(audit_record(actor=clinician, action="case_viewed").ip_address)

    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    assert AuditContextMiddleware(view)(request).content == b"192.0.2.7"
    # Outside a request there is no address, and none is left over from the last one.
    assert audit_record(actor=clinician, action="case_viewed").ip_address is None
