"""Labels once: recommendation kinds (guidance.kinds) and a case's outlook (TextChoices), each value with one label."""

from types import SimpleNamespace

from cases.forms import CaseReviewForm
from cases.selectors import Outlook, case_outlook
from guidance.kinds import Kind
from guidance.models import Rule


def test_rules_offer_exactly_the_kinds_each_with_its_label():
    assert Rule._meta.get_field("kind").choices == [(kind.value, kind.label) for kind in Kind]


def test_a_case_outlook_is_an_outlook_with_its_label():
    def case(assessed, checked=None, would_change=False):
        return SimpleNamespace(assessed_version=assessed, checked_version=checked, would_change=would_change)

    assert case_outlook(case(3), current_version=3) is Outlook.CURRENT
    assert case_outlook(case(2, 3, True), current_version=3) is Outlook.WOULD_CHANGE
    assert case_outlook(case(2, 3, False), current_version=3) is Outlook.UNCHANGED
    assert case_outlook(case(2, 2), current_version=3) is Outlook.UNCHECKED
    assert case_outlook(case(2), current_version=None) is None
    assert Outlook.WOULD_CHANGE.label == "Would change under the current version"
    assert Outlook.WOULD_CHANGE.badge and not Outlook.CURRENT.badge


def test_the_reviewer_filter_offers_every_outlook_by_its_label():
    assert CaseReviewForm.base_fields["outlook"].choices == [("", "Any"), *Outlook.choices]
