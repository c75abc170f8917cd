"""System checks: the case vocabulary (guidance/facts.py) and the Case columns must agree.

Every fact is a column of Case with the fact's choices, default, nullability
and range; a fact without a column, or a column that disagrees, fails
`manage.py check` (and so every test run, runserver and deploy) naming both.
"""

from django.core import checks
from django.db.models import NOT_PROVIDED


def _default(field):
    if field.default is NOT_PROVIDED:
        return None
    return field.default() if callable(field.default) else field.default


def _fact_default(fact):
    return list(fact.default) if isinstance(fact.default, tuple) else fact.default


@checks.register(checks.Tags.models)
def check_case_columns_match_the_vocabulary(app_configs=None, **kwargs):
    from cases.models import Case
    from guidance.facts import FACTS

    errors = []

    def error(name, message, hint):
        errors.append(checks.Error(f"Case.{name}: {message}", hint=hint, obj=Case, id="mastoweb.E001"))

    columns = {field.name: field for field in Case._meta.get_fields() if getattr(field, "concrete", False)}
    for name, fact in FACTS.items():
        field = columns.get(name)
        if field is None:
            error(name, f"the case fact {name!r} has no column.", "Add the field to cases.models.Case and a migration.")
            continue
        if fact.kind == "enum" and [value for value, _ in field.choices or ()] != list(fact.values):
            error(name, "its choices differ from the vocabulary's.", f"Use {list(fact.values)}.")
        if _default(field) != _fact_default(fact) and not (fact.default is None and field.null):
            error(name, f"its default {_default(field)!r} differs from the vocabulary's {fact.default!r}.", "")
        if (not fact.required and fact.default is None) != field.null:
            error(name, "it must be nullable exactly when the fact may be left out with no default.", "")
        if fact.kind in ("number", "integer"):
            bounds = f"{fact.minimum:g}" + ".." + f"{fact.maximum:g}"
            expected = {f"{name}__gte": fact.minimum, f"{name}__lte": fact.maximum}
            if not any(_checks_range(constraint, expected) for constraint in Case._meta.constraints):
                error(name, f"no check constraint keeps it within {bounds}.", "Add a CheckConstraint.")
    return errors


def _checks_range(constraint, expected):
    condition = getattr(constraint, "condition", None)
    if condition is None:
        return False
    found = {}

    def walk(node):
        for child in node.children:
            if isinstance(child, tuple):
                found[child[0]] = child[1]
            else:
                walk(child)

    walk(condition)
    return all(found.get(key) == value for key, value in expected.items())


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
