"""The dashboard's charts read at 1366 px and on a 390 px phone: no label clipped or overlapped, no text under 11 px.

Every text of every chart is measured in Chromium: its box lies wholly inside
its SVG, no two texts of a chart overlap, and its font size in CSS pixels
after any scaling (the SVG's screen transform times its computed size) is at
least 11. With MASTOWEB_SCREENSHOTS=1 the pages are saved to docs/screenshots/.
"""

import os
from pathlib import Path
from random import Random

import pytest
from playwright.sync_api import expect

from cases.management.commands.seed_cases import random_case_facts
from cases.models import CaseLine
from tests.cases.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct-horse-battery-staple"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SMALLEST_PX = 11

# Each text of each chart: its words, its box on screen, its SVG's box and its size in CSS px after scaling.
MEASURE = """
svgs => svgs.map(svg => {
  const box = svg.getBoundingClientRect();
  return {
    chart: svg.closest("[data-chart]").dataset.chart,
    svg: {left: box.left, right: box.right, top: box.top, bottom: box.bottom},
    texts: [...svg.querySelectorAll("text")].map(text => {
      const r = text.getBoundingClientRect();
      const scale = Math.hypot(text.getScreenCTM().a, text.getScreenCTM().b);
      return {
        text: text.textContent,
        left: r.left, right: r.right, top: r.top, bottom: r.bottom,
        px: parseFloat(getComputedStyle(text).fontSize) * scale,
        overflows: text.getComputedTextLength() > 0 && r.width + 0.5 < text.getComputedTextLength() * scale,
      };
    }),
  };
})
"""


@pytest.fixture
def busy_clinic(clinician, published_version):
    """Forty cases drawn as seed_cases draws them: most lines of the guidance fire, with long labels."""
    rng = Random(21)
    return [make_case(clinician, **random_case_facts(rng)) for _ in range(40)]


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def overlap(a, b):
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5 and (
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5
    )


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_every_chart_label_is_whole_legible_and_clear_of_the_others(page, live_server, reviewer, busy_clinic, width):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/cases/review/dashboard/")
    expect(page.get_by_role("heading", name="Cases by subtype")).to_be_visible()

    charts = page.locator("[data-chart] svg").evaluate_all(MEASURE)

    assert [chart["chart"] for chart in charts] == ["over-time", "subtype", "rules", "cautions", "uptake"]
    labels = 0
    for chart in charts:
        svg, texts = chart["svg"], chart["texts"]
        assert texts, chart["chart"]
        for text in texts:
            where = f"{chart['chart']}: {text['text']!r} at {width}"
            assert svg["left"] - 0.5 <= text["left"] and text["right"] <= svg["right"] + 0.5, f"clipped across: {where}"
            assert svg["top"] - 0.5 <= text["top"] and text["bottom"] <= svg["bottom"] + 0.5, f"clipped down: {where}"
            assert not text["overflows"], f"squeezed: {where}"
            assert text["px"] >= SMALLEST_PX, f"{text['px']:.1f} px: {where}"
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                assert not overlap(a, b), f"{chart['chart']}: {a['text']!r} overlaps {b['text']!r} at {width}"
        labels += len(texts)
    assert labels > 40
    # The rule chart names lines in the guidance's words, never by rule id.
    rule_ids = set(CaseLine.objects.values_list("rule", flat=True))
    drawn = {text["text"].strip() for text in next(c for c in charts if c["chart"] == "rules")["texts"]}
    assert rule_ids and not rule_ids & drawn
    if os.environ.get("MASTOWEB_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("main").screenshot(path=SCREENSHOTS / f"dashboard-{WIDTHS[width]['width']}.png")


def test_the_check_fails_on_a_clipped_label(page, live_server, reviewer, busy_clinic):
    """The measurement itself: a label pushed past the SVG's edge is caught."""
    page.set_viewport_size(WIDTHS["phone"])
    log_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/cases/review/dashboard/")
    page.locator("#rules svg text.bar-chart-label").first.evaluate("text => text.setAttribute('x', '-40')")

    chart = next(c for c in page.locator("[data-chart] svg").evaluate_all(MEASURE) if c["chart"] == "rules")

    clipped = [t["text"] for t in chart["texts"] if t["left"] < chart["svg"]["left"] - 0.5]
    assert len(clipped) == 1
