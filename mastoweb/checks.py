"""System checks: the case vocabulary (guidance/facts.py), the Case columns and the case form must agree.

Every fact is the column of Case that cases.models builds from it (type,
choices, default, nullability, label) with its check constraints (known value,
range), and a field of the case form with a place in its layout. A fact
without a column, or a column that disagrees, fails `manage.py check` (and so
every test run, runserver and deploy) naming both. A vocabulary changed without
its migration is caught by `makemigrations --check`. And the published guidance
version has what the case pages and the dashboard name (mastoweb.W003).
"""

from django.core import checks


def _described(kwargs, key):
    return repr(kwargs[key]) if key in kwargs else "none"


@checks.register(checks.Tags.models)
def check_case_columns_match_the_vocabulary(app_configs=None, **kwargs):
    """Every fact is the Case column cases.models.fact_column builds from it, kept by its constraints."""
    from cases.models import Case, fact_column, fact_constraints
    from guidance.facts import FACTS

    errors = []

    def error(name, message, hint=""):
        errors.append(checks.Error(f"Case.{name}: {message}", hint=hint, obj=Case, id="mastoweb.E001"))

    columns = {field.name: field for field in Case._meta.get_fields() if getattr(field, "concrete", False)}
    migrate = "Run makemigrations: the column is built from the vocabulary, so a migration brings the table in step."
    for name, fact in FACTS.items():
        field = columns.get(name)
        if field is None:
            error(name, f"the case fact {name!r} has no column.", migrate)
            continue
        wanted = fact_column(fact)
        wanted.set_attributes_from_name(name)
        _, path, _, have = field.deconstruct()
        _, wanted_path, _, want = wanted.deconstruct()
        if path != wanted_path:
            error(name, f"it is a {path}, the {fact.kind} fact wants a {wanted_path}.", migrate)
        for key in sorted(set(have) | set(want)):
            if have.get(key) == want.get(key) or (key == "blank" and have.get("null") != want.get("null")):
                continue
            if key == "choices":
                error(name, "its choices differ from the vocabulary's.", f"Use {list(fact.values)}.")
            elif key == "default":
                error(name, f"its default {_described(have, key)} differs from the vocabulary's {fact.default!r}.")
            elif key == "null":
                error(name, "it must be nullable exactly when the fact may be left out with no default.")
            else:
                error(name, f"its {key} {_described(have, key)} differs from the vocabulary's {_described(want, key)}.")
        for constraint in fact_constraints(fact):
            if constraint not in Case._meta.constraints:
                if fact.is_numeric:
                    message = f"no check constraint keeps it within {fact.minimum:g}..{fact.maximum:g}."
                else:
                    message = f"no check constraint keeps it to {list(fact.values)}."
                error(name, message, f"Case.Meta.constraints needs {constraint.name} (cases.models.fact_constraints).")
    return errors


@checks.register()
def check_the_case_form_asks_every_fact(app_configs=None, **kwargs):
    """Every fact has a field in the case form and a place in its layout.

    A fact left out of either would be posted as missing, validated to its
    default, and an edit would silently overwrite what was stored.
    """
    from cases.forms import CaseForm
    from guidance.facts import FACTS

    form = CaseForm()
    in_layout = {pointer.name for pointer in form.helper.layout.get_field_names()}
    errors = []
    for name in FACTS:
        if name not in form.fields:
            errors.append(
                checks.Error(
                    f"CaseForm: the case fact {name!r} has no field.",
                    hint="Add it to cases.forms.CaseForm, or an edit would overwrite it with its default.",
                    obj=CaseForm,
                    id="mastoweb.E002",
                )
            )
        elif name not in in_layout:
            errors.append(
                checks.Error(
                    f"CaseForm: the case fact {name!r} is not in the form's layout, so it is never shown.",
                    hint="Add it to CaseForm's crispy Layout.",
                    obj=CaseForm,
                    id="mastoweb.E002",
                )
            )
    return errors


@checks.register(checks.Tags.database)
def check_the_published_guidance_has_what_the_pages_name(app_configs=None, databases=None, **kwargs):
    """The published version has every rule, section and fact that guidance/data/presentation.json names.

    Publishing refuses a draft without them; this catches the other way round, a release whose
    presentation.json names what the published version does not have (the dashboard would count
    nothing for it). A warning, not an error: the fix may be publishing the version that has it,
    which needs the site running. Run by `migrate` and `check --database default`.
    """
    from django.db import DatabaseError

    from guidance.publishing import version_presentation_problems
    from guidance.selectors import guidance_current_uncached

    if not databases:
        return []
    try:
        current = guidance_current_uncached()
        problems = version_presentation_problems(current) if current is not None else []
    except DatabaseError:
        return []  # not migrated yet: there is nothing published to check
    return [
        checks.Warning(
            f"Guidance v{current.number}, the published version: {problem}",
            hint="Publish a version that has it, or change guidance/data/presentation.json to name what it has.",
            obj="guidance/data/presentation.json",
            id="mastoweb.W003",
        )
        for problem in problems
    ]
