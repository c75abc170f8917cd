"""The case form is built from the vocabulary: it asks every fact, so an edit never loses one."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cases.forms import CaseForm, CaseUpdateForm
from guidance.facts import FACTS, Group

from .factories import every_fact_away_from_default, make_case

pytestmark = pytest.mark.django_db

# Two cases with every fact away from its default, so a fact the form did not
# carry would come back as its default and the comparison would show it.
NOT_DEFAULT = [every_fact_away_from_default("low"), every_fact_away_from_default("high")]


class _FormAsPosted(HTMLParser):
    """What a browser posts for the case form as rendered, untouched: each field's shown value."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._select, self._textarea = {}, False, None, None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "case-form" in attrs.get("class", "").split():
            self._in_form = True
        if not self._in_form or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._add(attrs["name"], attrs.get("value", "on"))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def posted_unchanged(html):
    parser = _FormAsPosted()
    parser.feed(html)
    return parser.data


def edit_unchanged(client, case):
    url = reverse("cases:update", args=[case.pk])
    data = posted_unchanged(client.get(url).content.decode())
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    case.refresh_from_db()
    return case


def test_the_form_asks_exactly_the_facts_of_the_vocabulary_and_its_own_fields():
    for form in (CaseForm(), CaseUpdateForm()):
        assert set(form.fields) - {"label", "notes", "lock_version"} == set(FACTS)
        in_layout = [pointer.name for pointer in form.helper.layout.get_field_names()]
        assert sorted(in_layout) == sorted(form.fields), "every field is in the layout, once"
        assert list(form.fields) == in_layout, "the fields are in the order they are shown"


def test_every_fact_shows_its_vocabulary_label_and_help():
    form = CaseForm()
    for name, fact in FACTS.items():
        assert (form[name].label, form[name].help_text) == (fact.label, fact.help)


def test_the_form_groups_follow_the_vocabulary():
    sections = [
        (fieldset.legend, [pointer.name for pointer in fieldset.get_field_names()])
        for fieldset in CaseForm().helper.layout
    ]
    legends = [legend for legend, _ in sections]
    shown_in = {name: legend for legend, names in sections for name in names}

    assert legends == [group.value for group in Group], "every group, in the vocabulary's order"
    assert shown_in == {"label": "Case", "notes": "Notes", **{name: fact.group.value for name, fact in FACTS.items()}}
    assert sections[0][1][0] == "label", "the case's label first"
    for _, names in sections:
        orders = [FACTS[name].order for name in names if name in FACTS]
        assert orders == sorted(orders), "within a group, by each fact's order"
    labs = dict(sections)["Labs and genetics"]
    assert labs.index("serum_tryptase_ng_ml") < labs.index("kit_d816v"), "the mutation below the tryptase"


@pytest.mark.parametrize("stored", NOT_DEFAULT)
def test_an_edit_posted_unchanged_keeps_every_fact(client, clinician, published_version, stored):
    case = make_case(clinician, notes="Seen in clinic.", **stored)
    before = case.facts
    assert all(before[name] != fact.default for name, fact in FACTS.items()), "every fact away from its default"
    client.force_login(clinician)

    case = edit_unchanged(client, case)

    assert case.facts == before
    assert case.notes == "Seen in clinic."
    assert case.assessments.count() == 2


def test_a_fact_the_form_did_not_show_would_be_lost_on_edit(client, clinician, published_version, monkeypatch):
    # The trap the vocabulary-built form closes (and the check mastoweb.E002 guards): the round trip above sees it.
    sections = CaseForm.sections.__func__

    def without_symptoms(cls):
        return [(group, [name for name in names if name != "symptoms"]) for group, names in sections(cls)]

    monkeypatch.setattr(CaseForm, "sections", classmethod(without_symptoms))
    case = make_case(clinician, **NOT_DEFAULT[0])
    client.force_login(clinician)

    case = edit_unchanged(client, case)

    assert case.symptoms == [] != NOT_DEFAULT[0]["symptoms"]


def test_the_findings_are_closed_until_asked_for_and_open_when_they_hold_something(client, clinician):
    client.force_login(clinician)

    page = client.get(reverse("cases:create")).content.decode()

    assert '<details class="form-group-closed" >' in page
    assert "<summary>Findings: what defines the subtype (WHO 2022)" in page
    # Numbers carry their unit beside the box.
    assert "\u00d7 10\u2079/L" in page and "g/dL" in page
    form = CaseForm(initial={"platelets_10e9_l": 62})
    assert form.helper.layout[-3].opened is True
    assert CaseForm().helper.layout[-3].opened is False
