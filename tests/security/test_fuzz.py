"""Fuzzing what people and programs send: the case form and `evaluate_case`.

Whatever arrives, the answer is a save, a preview or a refusal that names the
field it refuses — never a server error or an uncaught exception. Example
counts stay modest so the suite stays fast; hypothesis keeps no example
database in the work tree.
"""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cases.forms import CaseForm, CaseUpdateForm
from cases.models import Case
from guidance.facts import FACTS, CaseValidationError, parse_case_json, validate_case
from mastoweb import roles
from tests.cases.factories import make_case

from .site_urls import role_user

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEWER = settings(FUZZ, max_examples=30)  # whole pages rendered per example

FORM_FIELDS = list(CaseUpdateForm.base_fields)
EXTRA_FIELDS = ["owner", "created_by", "status", "id", "pk", "csrfmiddlewaretoken", "symptoms[]", "label "]

# Text that browsers, scripts and attackers send; no lone surrogates (not encodable, never on the wire).
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e309",
        "-0",
        "0x10",
        "1_000",
        "12.",
        ".5",
        "٣",
        "true",
        "on",
        "null",
        "None",
        "\x00",
        "9" * 400,
        "9" * 5000,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "{{ 7*7 }}",
    ]
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
CHOICE = st.sampled_from(sorted({value for fact in FACTS.values() for value in fact.values}))


def _value(name):
    fact = FACTS.get(name)
    own = st.sampled_from(fact.values) if fact is not None and fact.values else st.nothing()
    return st.one_of(own, CHOICE, NUMBER_TEXT, TRICKY, TEXT)


@st.composite
def form_posts(draw, *, fields=FORM_FIELDS):
    """A POST body: some of the form's fields (and some it does not have), each with zero or more values."""
    names = draw(st.lists(st.sampled_from(fields + EXTRA_FIELDS), unique=True))
    return {name: draw(st.lists(_value(name), max_size=3)) for name in names}


def as_query_dict(data):
    query = QueryDict(mutable=True)
    for name, values in data.items():
        query.setlist(name, values)
    return query


def assert_refusal_names_fields(form):
    assert form.errors, "a refusal without a reason"
    assert set(form.errors) <= set(form.fields), f"errors not on a field: {dict(form.errors)}"
    assert all(message.strip() for messages in form.errors.values() for message in messages)


@pytest.fixture
def clinician_client(client, make_user):
    user = role_user(make_user, "fuzz-clinician", roles.CLINICIAN)
    client.force_login(user)
    return client, user


# ------------------------------------------------------------------ the case form


@FUZZ
@given(data=form_posts())
def test_the_form_accepts_only_valid_facts_and_names_every_refused_field(data):
    form = CaseUpdateForm(as_query_dict(data))
    if form.is_valid():
        assert validate_case(dict(form.facts)) == form.facts
        assert form.cleaned_data["lock_version"] >= 0
    else:
        assert_refusal_names_fields(form)


@FEWER
@given(data=form_posts(fields=list(CaseForm.base_fields)))
@example(data={})  # an empty POST once showed a blank form with no reason
def test_posting_anything_to_the_new_case_form_saves_or_refuses_by_field(clinician_client, published_version, data):
    client, user = clinician_client
    before = Case.objects.count()
    response = client.post(reverse("cases:create"), data)
    if response.status_code == 302:
        case = Case.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert case.created_by == user
        assert case.lock_version == 0
        assert validate_case({name: getattr(case, name) for name in FACTS}) == case.facts
    else:
        assert response.status_code == 200
        assert_refusal_names_fields(response.context["form"])
        assert Case.objects.count() == before


@FEWER
@given(data=form_posts(), keep_version=st.booleans())
@example(data={}, keep_version=False)
def test_posting_anything_to_the_edit_form_saves_refuses_or_reports_a_conflict(
    clinician_client, published_version, data, keep_version
):
    client, user = clinician_client
    case = Case.objects.filter(created_by=user).first() or make_case(user, subtype="ISM")
    if keep_version:
        data = {**data, "lock_version": [str(case.lock_version)]}
    response = client.post(reverse("cases:update", args=[case.pk]), data)
    saved = Case.objects.get(pk=case.pk)
    if response.status_code == 302:
        assert saved.lock_version == case.lock_version + 1
        assert saved.created_by == user
    elif response.status_code == 409:
        assert saved.lock_version == case.lock_version
        assert response.context["conflict"].saved.lock_version == saved.lock_version
    else:
        assert response.status_code == 200
        assert_refusal_names_fields(response.context["form"])
        assert saved.lock_version == case.lock_version


@FEWER
@given(data=form_posts(fields=list(CaseForm.base_fields)))
@example(data={"subtype": ["ISM"], "antihistamine_response": ["sometimes"], "symptoms": ["sneezing"]})  # radio, boxes
def test_the_live_preview_shows_lines_or_names_what_stops_them(clinician_client, published_version, data):
    client, _ = clinician_client
    response = client.post(reverse("cases:preview"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    refusal = re.search(r'<div class="alert alert-warning preview-errors".*?</ul>', html, re.S)
    if refusal:
        items = re.findall(r"<li>(.*?)</li>", refusal.group(0), re.S)
        assert items, "a preview refusal without a reason"
        unnamed = [item for item in items if not re.match(r'<a class="alert-link" href="#id_\w+">[^<]+</a>: ', item)]
        assert not unnamed, f"preview refusals that name no field: {unnamed}"
    else:
        assert "data-paragraph=" in html or "preview-empty" in html


# ------------------------------------------------------------------ evaluate_case and its parser

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    CHOICE,
)
JSON_ANY = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))
FACT_VALUE = st.one_of(JSON_ANY, CHOICE, st.lists(CHOICE, max_size=4), st.integers(-10, 200), st.floats(-10, 2e5))
# Mostly fact names, so the validator's every branch is reached, plus unknown names.
CASE_OBJECT = st.dictionaries(st.sampled_from(list(FACTS)) | TEXT, FACT_VALUE, max_size=len(FACTS) + 2)


@st.composite
def case_texts(draw):
    """What arrives on stdin: JSON of a case-like object or anything else, or text that is not JSON at all."""
    kind = draw(st.sampled_from(["object", "any", "text", "duplicate", "deep"]))
    if kind == "object":
        return json.dumps(draw(CASE_OBJECT))
    if kind == "any":
        return json.dumps(draw(JSON_ANY))
    if kind == "duplicate":
        name = draw(st.sampled_from(list(FACTS)))
        return f'{{"{name}": {json.dumps(draw(FACT_VALUE))}, "{name}": {json.dumps(draw(FACT_VALUE))}}}'
    if kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=50_000))
        return "[" * depth + "]" * draw(st.integers(min_value=0, max_value=depth))
    return draw(TEXT)


def _input_keys(text):
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return set()
    return set(data) if isinstance(data, dict) else set()


@FUZZ
@given(text=case_texts())
def test_parse_case_json_returns_every_fact_or_names_each_refused_field(text):
    try:
        facts = parse_case_json(text)
    except CaseValidationError as exc:
        assert exc.errors, "a refusal without a reason"
        named = set(FACTS) | {"case"} | _input_keys(text)
        assert set(exc.errors) <= named, f"refused fields that are not fields: {set(exc.errors) - named}"
        assert all(isinstance(message, str) and message.strip() for message in exc.errors.values())
    else:
        assert set(facts) == set(FACTS)
        assert validate_case(dict(facts)) == facts


# A CommandError names what it refuses first: a fact (or "case"), the path, or the version option.
COMMAND_REFUSALS = ("invalid case: ", "path: ", "guidance: ", "--guidance-version: ")


@FEWER
@given(
    raw=st.one_of(case_texts().map(lambda text: text.encode()), st.binary(max_size=64)),
    version=st.none() | st.integers(min_value=-5, max_value=10**12),
)
def test_evaluate_case_prints_recommendations_or_a_refusal_naming_the_field(tmp_path, published_version, raw, version):
    path = tmp_path / "case.json"
    path.write_bytes(raw)
    out = io.StringIO()
    options = {} if version is None else {"guidance_version": version}
    try:
        call_command("evaluate_case", str(path), stdout=out, **options)
    except CommandError as exc:
        message = str(exc)
        assert message.startswith(COMMAND_REFUSALS), f"a refusal that names no field: {message}"
        if message.startswith("invalid case: "):
            rest = message.removeprefix("invalid case: ")
            named = set(FACTS) | {"case"} | _input_keys(raw.decode("utf-8-sig"))
            assert any(rest.startswith(f"{name}: ") for name in named), message
    else:
        output = json.loads(out.getvalue())
        assert output["guidance"]["version"] == (version if version is not None else published_version.number)
        assert all({"paragraph", "kind", "rule"} <= set(line) for line in output["recommendations"])
