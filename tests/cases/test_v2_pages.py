"""Guidance version 2 on the pages: the same rules as evaluate_case, each with its quote and what to confirm."""

import io
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from guidance.models import Rule
from tests.conftest import SPEC

from .factories import form_data, make_case

VIGNETTES_V2 = sorted((SPEC / "vignettes-v2").glob("*.json"))
pytestmark = pytest.mark.django_db
DATA_RULE = re.compile(r'<li class="recommendation[^"]*"[^>]*\sdata-rule="([^"]+)"')


def _cli_rules(case, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    out = io.StringIO()
    call_command("evaluate_case", str(path), stdout=out)
    return Counter(r["rule"] for r in json.loads(out.getvalue())["recommendations"])


@pytest.mark.parametrize("path", VIGNETTES_V2, ids=lambda p: p.stem)
def test_page_preview_and_cli_agree_on_data_rule(client, clinician, published_version, path, tmp_path):
    case = json.loads(path.read_text())["case"]
    expected = _cli_rules(case, tmp_path)
    client.force_login(clinician)
    data = form_data(**case)

    preview = client.post(reverse("cases:preview"), data, headers={"HX-Request": "true"})
    saved = client.post(reverse("cases:create"), data, follow=True)

    assert Counter(DATA_RULE.findall(saved.content.decode())) == expected
    assert Counter(DATA_RULE.findall(preview.content.decode())) == expected
    fire = set(json.loads(path.read_text())["expect"].get("fire", ()))
    assert fire <= set(expected)


def test_each_line_shows_its_quote_marked_in_the_source_and_what_to_check(client, clinician, published_version):
    case = make_case(
        clinician,
        subtype="ISM",
        symptoms=["flushing"],
        antihistamine_response="unresponsive",
        nsaid_tolerance="tolerant",
    )
    client.force_login(clinician)
    html = client.get(case.get_absolute_url()).content.decode()
    line = re.search(r'<li class="recommendation[^>]*data-rule="aspirin-for-refractory-flushing".*?</li>', html, re.S)
    assert line, html
    line = line.group(0)
    assert "&ldquo;aspirin may be helpful, provided the patient is known to tolerate NSAIDs&rdquo;" in line
    assert '<mark class="quote">aspirin may be helpful, provided the patient is known to tolerate NSAIDs</mark>' in line
    assert "Check before acting:</span> prominent flushing" in line
    assert 'href="/guidance/v/2/#flushing--s1"' in line


def test_the_preview_shows_quotes_and_items_to_confirm_too(client, clinician, published_version):
    client.force_login(clinician)
    data = form_data(subtype="ASM", symptoms=["malabsorption"], kit_d816v="negative", hct_eligible="yes")
    html = client.post(reverse("cases:preview"), data, headers={"HX-Request": "true"}).content.decode()
    assert "Check before acting:</span> severe malabsorption (when ascites is absent)" in html
    assert '<mark class="quote">' in html
    assert 'target="_blank"' in html  # the unsaved form stays put


def test_the_guidance_page_marks_every_quoted_sentence_where_its_rules_link(client, clinician, published_version):
    client.force_login(clinician)
    html = client.get(reverse("guidance:current")).content.decode()
    for rule in Rule.objects.filter(version=published_version).select_related("paragraph"):
        assert f'<mark class="quoted" id="{rule.anchor}">' in html, rule.rule_id
        assert f'href="#{rule.anchor}"' in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every anchor once"
    assert "1 rule cites this paragraph" in html
