"""The subtype check on the case pages: the notice, the findings panel, and the subtype applied by the clinician."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.audit_names import CaseAction

from .factories import make_case

pytestmark = pytest.mark.django_db

STALE_ISM = {
    "subtype": "ISM",
    "bm_mc_aggregates": "yes",
    "kit_d816v": "positive",
    "mc_cd2_cd25_cd30": "yes",
    "associated_hematologic_neoplasm": "no",
    "bm_aspirate_mc_pct": 2,
    "platelets_10e9_l": 62,
    "symptoms": ["ascites"],
}
NOTICE = 'data-notice="subtype-check"'


def apply(client, case, subtype, lock_version=None):
    data = {"subtype": subtype, "lock_version": case.lock_version if lock_version is None else lock_version}
    return client.post(reverse("cases:subtype_apply", args=[case.pk]), data, follow=True)


def test_a_stale_ism_case_shows_the_notice_above_the_management_with_the_finding(client, clinician, published_version):
    case = make_case(clinician, **STALE_ISM)
    client.force_login(clinician)

    page = client.get(case.get_absolute_url()).content.decode()

    assert NOTICE in page
    assert page.index(NOTICE) < page.index("at-a-glance") < page.index("Tailored management")
    assert "Platelets 62 \u00d7 10\u2079/L is a C-finding (confirm it is due to mast-cell infiltration)" in page
    assert 'data-apply-subtype="ASM"' in page
    assert f'href="{reverse("guidance:classification")}#criterion-C1"' in page


def test_the_findings_panel_lists_each_criterion_and_what_is_missing(client, clinician, published_version):
    case = make_case(clinician, subtype="ISM", bm_mc_aggregates="yes", kit_d816v="positive")
    client.force_login(clinician)

    page = client.get(case.get_absolute_url()).content.decode()

    assert 'data-criterion="major" data-status="met"' in page
    assert 'data-criterion="C1" data-status="unknown"' in page
    assert "Still missing to decide the subtype:" in page
    assert "Mast cells on the bone marrow aspirate smear" in page
    assert NOTICE not in page  # ISM is still among what the findings allow


def test_applying_the_supported_subtype_changes_it_audits_it_and_assesses_afresh(client, clinician, published_version):
    case = make_case(clinician, **STALE_ISM)
    client.force_login(clinician)

    response = apply(client, case, "ASM")

    case.refresh_from_db()
    assert case.subtype == "ASM"
    assert case.assessments.count() == 2
    assert case.assessments.order_by("-pk").first().facts["subtype"] == "ASM"
    event = AuditEvent.objects.get(action=CaseAction.SUBTYPE_APPLIED)
    assert event.details == {"from_subtype": "ISM", "to_subtype": "ASM", "system": "WHO 2022"}
    page = response.content.decode()
    assert NOTICE not in page
    # ASM's management now shows (the source's oral glucocorticoids for ASM with ascites).
    assert "asm-oral-glucocorticoids" in page


def test_a_subtype_the_check_does_not_propose_is_refused(client, clinician, published_version):
    case = make_case(clinician, **STALE_ISM)
    client.force_login(clinician)

    response = apply(client, case, "MCL")

    case.refresh_from_db()
    assert case.subtype == "ISM"
    assert "The subtype was not changed" in response.content.decode()
    assert not AuditEvent.objects.filter(action=CaseAction.SUBTYPE_APPLIED).exists()


def test_a_case_changed_meanwhile_is_not_changed(client, clinician, published_version):
    case = make_case(clinician, **STALE_ISM)
    client.force_login(clinician)

    response = apply(client, case, "ASM", lock_version=case.lock_version + 5)

    case.refresh_from_db()
    assert case.subtype == "ISM"
    assert "changed meanwhile" in response.content.decode()


def test_another_clinician_cannot_apply_it(client, clinician, outsider, published_version):
    case = make_case(clinician, **STALE_ISM)
    client.force_login(outsider)

    assert apply(client, case, "ASM").status_code == 404
    case.refresh_from_db()
    assert case.subtype == "ISM"


def test_the_preview_shows_the_notice_without_a_button(client, clinician, published_version):
    from .factories import form_data

    client.force_login(clinician)

    response = client.post(reverse("cases:preview"), form_data(label="x", **STALE_ISM), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert NOTICE in page
    assert "Change the subtype in the form if you agree." in page
    assert "data-apply-subtype" not in page


def test_the_reviewer_filters_and_counts_the_cases_whose_subtype_does_not_fit(
    client, clinician, reviewer, published_version
):
    stale = make_case(clinician, label="Stale ISM", **STALE_ISM)
    fitting = make_case(clinician, label="Fitting ISM", subtype="ISM")
    unknown = make_case(clinician, label="No subtype", subtype="unknown")
    assert (stale.subtype_fits, fitting.subtype_fits, unknown.subtype_fits) == (False, True, None)
    client.force_login(reviewer)

    listed = client.get(reverse("cases:review"), {"misfit": "on"}).content.decode()
    dashboard = client.get(reverse("cases:dashboard")).content.decode()
    export = b"".join(client.get(reverse("cases:review_export")).streaming_content).decode()

    assert "Stale ISM" in listed and "Fitting ISM" not in listed and "No subtype" not in listed
    assert "Recorded subtype does not fit the findings (WHO 2022)" in dashboard
    assert "misfit=on" in dashboard
    header, *rows = export.splitlines()
    assert "subtype_fits_findings,findings_allow" in header
    assert "platelets_10e9_l" in header
    stale_row = next(row for row in rows if "Stale ISM" in row)
    assert ",no,WHO 2022: ASM," in stale_row


def test_applying_the_subtype_moves_the_dashboard_count(client, clinician, reviewer, published_version):
    from cases.dashboard import dashboard_totals

    case = make_case(clinician, **STALE_ISM)
    assert dashboard_totals()[("misfit", "")] == 1
    client.force_login(clinician)

    apply(client, case, "ASM")

    assert dashboard_totals()[("misfit", "")] == 0
