"""The dashboard's charts as SVG drawn on the server by a Django template (cases/includes/chart.svg).

Each row is its label in full, wrapped over as many lines as it needs, with
its bar below it; the value stands at the right edge. The SVG has no viewBox
and is never scaled: it takes its column's width, positions across it are
percentages, and every text keeps its size in CSS pixels, at 1366 px as on a
390 px phone. The value axis is on top with whole-number ticks (percent ticks
where the chart shows shares); no title is rotated, so none can sit on a label.

No script, no inline style and no external address reach the page (checked
here after rendering); each row links to its cases. The drawing is cached by
a hash of everything it is made of, this module's layout included.
"""

import hashlib
import json
import math
import re
import textwrap
from dataclasses import dataclass

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

CACHE_SECONDS = 3600
TEMPLATE = "cases/includes/chart.svg"
LAYOUT_VERSION = 4  # raise when the layout or the template changes: cached drawings are keyed by it

LABEL_PX = 14  # row labels
SMALL_PX = 13  # ticks, values, the axis title; both stay at or above 11 CSS px on a phone (nothing scales)
LINE_PX = 18  # one line of a label
BAR_PX = 14
ROW_GAP_PX = 12
AXIS_PX = 44  # the axis title and the tick labels above the first row
# A label wraps at this many characters: about 300 px at 14 px, inside a 390 px phone's column.
WRAP_CHARS = 40
PLOT_SHARE = 82  # % of the width the bars may take; the values stand in the rest, right-aligned
MAX_TICKS = 5


class UnsafeChartError(ValueError):
    """The drawing holds something the page must not carry."""


@dataclass(frozen=True)
class Tick:
    x: float  # % of the width
    text: str


@dataclass(frozen=True)
class DrawnRow:
    href: str
    top: int  # the row's band, all of it a target for the pointer
    height: int
    lines: tuple  # (y, text) of each line of the label
    bar_y: int
    bar_width: float  # % of the width
    value_y: int
    value_text: str


def ticks(largest, *, percent=False):
    """Whole-number ticks from 0 past `largest`, at most MAX_TICKS of them, a step of 1, 2 or 5 times a power of 10.

    Shares in percent stop at 100. Returns the ticks and the top of the axis.
    """
    step = next(step for step in _steps() if math.ceil(largest / step) <= MAX_TICKS - 1)
    top = max(1, math.ceil(largest / step)) * step
    if percent:
        top = min(top, 100)
    return list(range(0, top + 1, step)), top


def _steps():
    power = 1
    while True:
        yield from (power, 2 * power, 5 * power)
        power *= 10


def layout(chart):
    """Where each row, bar and tick goes: positions down in px, across in % of the width."""
    percent = chart.percent
    values, top = ticks(max((row.value for row in chart.rows), default=0), percent=percent)
    scale = PLOT_SHARE / top
    axis = [Tick(round(n * scale, 2), f"{n}%" if percent else f"{n:,}") for n in values]
    rows, y = [], AXIS_PX
    for row in chart.rows:
        wrapped = textwrap.wrap(row.label, WRAP_CHARS, break_long_words=True) or [""]
        lines = tuple((y + LABEL_PX + i * LINE_PX, text) for i, text in enumerate(wrapped))
        bar_y = y + len(wrapped) * LINE_PX + 4
        rows.append(
            DrawnRow(
                href=row.href,
                top=y,
                height=len(wrapped) * LINE_PX + 4 + BAR_PX + ROW_GAP_PX // 2,
                lines=lines,
                bar_y=bar_y,
                bar_width=round(min(row.value, top) * scale, 2),
                value_y=bar_y + BAR_PX - 2,
                value_text=row.value_text,
            )
        )
        y = bar_y + BAR_PX + ROW_GAP_PX
    return {"ticks": axis, "rows": rows, "height": y, "grid_top": AXIS_PX - 6, "grid_bottom": y - ROW_GAP_PX // 2}


def chart_key(chart, *, dom_id):
    """What the chart's drawing, and its section of the page around it, are cached by."""
    return _digest(chart, dom_id)


def chart_svg(chart, *, dom_id):
    """The chart as inline SVG, safe for the page, from the cache when the same chart was drawn before."""
    key = f"chart-svg:{_digest(chart, dom_id)}"
    cache = caches["charts"]
    svg = cache.get(key)
    if svg is None:
        svg = _checked(draw(chart, dom_id=dom_id))
        cache.set(key, svg, CACHE_SECONDS)
    return mark_safe(svg)  # noqa: S308 - rendered with autoescape, then checked by _checked


def draw(chart, *, dom_id):
    context = {
        "chart": chart,
        "dom_id": dom_id,
        "description": _description(chart),
        "label_px": LABEL_PX,
        "small_px": SMALL_PX,
        "bar_px": BAR_PX,
        "plot_share": PLOT_SHARE,
        **layout(chart),
    }
    return render_to_string(TEMPLATE, context).strip()


def _digest(chart, dom_id):
    """A hash of everything the drawing is made of: the layout, its words, its data and the links (the query)."""
    drawn = {
        "layout": [LAYOUT_VERSION, LABEL_PX, SMALL_PX, WRAP_CHARS, PLOT_SHARE, dom_id],
        "chart": [chart.slug, chart.title, chart.description, chart.label_title, chart.value_title, chart.percent],
        "rows": [
            [row.label, row.value, row.value_text, row.href, [[cell.text, cell.href] for cell in row.cells]]
            for row in chart.rows
        ],
        "columns": list(chart.columns),
    }
    return hashlib.sha256(json.dumps(drawn, sort_keys=True, default=str).encode()).hexdigest()


def _checked(svg):
    lowered = svg.lower()
    if "<script" in lowered or "style=" in lowered or "<style" in lowered or "://" in lowered:
        raise UnsafeChartError("the chart's SVG holds a script, a style or an external address")
    if "<foreignobject" in lowered or re.search(r"\son\w+=", lowered):
        raise UnsafeChartError("the chart's SVG holds foreign content or an event handler")
    return svg


def _description(chart):
    figures = "; ".join(f"{row.label}: {row.value_text}" for row in chart.rows[:12])
    more = f"; and {len(chart.rows) - 12} more in the table" if len(chart.rows) > 12 else ""
    return f"{chart.description} {figures or 'No cases.'}{more}"
