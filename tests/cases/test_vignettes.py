"""One engine, two views: the web pages show what `evaluate_case` prints for each worked case."""

import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from tests.conftest import SPEC

from .factories import form_data, shown_multiset

VIGNETTES = sorted((SPEC / "vignettes").glob("*.json"))
pytestmark = pytest.mark.django_db


def _load(path):
    return json.loads(path.read_text())


def _evaluate_case(case, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    out = io.StringIO()
    call_command("evaluate_case", str(path), stdout=out)
    return Counter((r["paragraph"], r["kind"]) for r in json.loads(out.getvalue())["recommendations"])


@pytest.mark.parametrize("path", [p for p in VIGNETTES if "error" not in _load(p)["expect"]], ids=lambda p: p.stem)
def test_the_pages_show_what_evaluate_case_prints(client, clinician, published_version, path, tmp_path):
    case = _load(path)["case"]
    expected = _evaluate_case(case, tmp_path)
    client.force_login(clinician)
    data = form_data(**case)

    preview = client.post(reverse("cases:preview"), data, headers={"HX-Request": "true"})
    saved = client.post(reverse("cases:create"), data, follow=True)

    assert saved.status_code == 200
    assert saved.redirect_chain[0][1] == 302
    assert shown_multiset(saved.content) == expected
    assert shown_multiset(preview.content) == expected


# A worked case given as raw JSON text (a malformed file) has no form equivalent; test_command runs it.
REFUSED = [p for p in VIGNETTES if "error" in _load(p)["expect"] and "raw" not in _load(p)]


@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.stem)
def test_the_form_refuses_what_evaluate_case_refuses(client, clinician, published_version, path):
    vignette = _load(path)
    field = vignette["expect"]["error"]
    client.force_login(clinician)
    response = client.post(reverse("cases:create"), form_data(**vignette["case"]))

    assert response.status_code == 200
    assert not Case.objects.exists()
    assert field in response.context["form"].errors
    html = response.content.decode()
    message = response.context["form"].errors[field][0]
    assert f'id="id_{field}_error"' in html or f'href="#id_{field}"' in html
    assert message.replace("'", "&#x27;") in html
