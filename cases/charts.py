"""The dashboard's charts as SVG drawn on the server (Altair's Vega-Lite, rendered by vl-convert).

No script, no inline style and no external address reach the page: the SVG
is checked and trimmed here (namespaces dropped, since inline SVG in HTML needs
none; xlink:href written as href), given a title and a description for
assistive technology, and cached by a hash of the chart's specification,
which holds its data.
"""

import hashlib
import json
import re

import altair as alt
import vl_convert
from django.core.cache import caches
from django.utils.html import escape
from django.utils.safestring import mark_safe

CACHE_SECONDS = 3600
WIDTH = 420
BAR_COLOUR = "#0a58ca"  # 4.5:1 and more on white, as the app's links
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


class UnsafeChartError(ValueError):
    """The renderer produced something the page must not carry."""


def chart_spec(chart):
    """The Vega-Lite specification of a horizontal bar chart of the chart's rows; each bar links to its cases."""
    data = [
        {"label": row.label, "value": row.value, "href": row.href, "text": f"{row.label}: {row.value_text}"}
        for row in chart.rows
    ]
    bars = (
        alt.Chart(alt.Data(values=data), width=WIDTH)
        .mark_bar(color=BAR_COLOUR, cursor="pointer")
        .encode(
            y=alt.Y("label:N", sort=None, title=chart.label_title, axis=alt.Axis(labelLimit=260)),
            x=alt.X("value:Q", title=chart.value_title),
            href="href:N",
            description="text:N",
        )
        .configure(font=FONT, background="white")
        .configure_view(stroke=None)
    )
    return bars.to_dict()


# vl-convert resolves a link against its data loader's base (simple concatenation); the links
# are the app's own paths, so that base comes off again. Any other address fails _trimmed.
LOADER_BASE = "https://vega.github.io/vega-datasets/"
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def chart_svg(chart, *, dom_id):
    """The chart as inline SVG, safe for the page, from the cache when the same spec was drawn before."""
    key = f"chart-svg:{_digest(chart)}"
    cache = caches["charts"]
    svg = cache.get(key)
    if svg is None:
        svg = _trimmed(vl_convert.vegalite_to_svg(chart_spec(chart)))
        cache.set(key, svg, CACHE_SECONDS)
    return mark_safe(_labelled(svg, chart, dom_id=dom_id))  # noqa: S308 - checked by _trimmed, labels escaped


def _digest(chart):
    """A hash of everything the chart's spec is made of: its words, its data and the links (the query).

    Building the Altair spec validates it, which costs more than drawing from
    the cache, so the key is taken from the chart itself.
    """
    drawn = {
        "style": [WIDTH, BAR_COLOUR, FONT, alt.__version__, vl_convert.__version__],
        "chart": [chart.title, chart.label_title, chart.value_title],
        "rows": [[row.label, row.value, row.value_text, row.href] for row in chart.rows],
    }
    return hashlib.sha256(json.dumps(drawn, sort_keys=True).encode()).hexdigest()


def _trimmed(svg):
    svg = _NAMESPACES.sub("", svg).replace("xlink:href=", "href=").replace(f'href="{LOADER_BASE}/', 'href="/')
    lowered = svg.lower()
    if "<script" in lowered or "style=" in lowered or "<style" in lowered or "://" in lowered:
        raise UnsafeChartError("the chart's SVG holds a script, a style or an external address")
    if "<foreignobject" in lowered or re.search(r"\son\w+=", lowered):
        raise UnsafeChartError("the chart's SVG holds foreign content or an event handler")
    return svg


def _labelled(svg, chart, *, dom_id):
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        raise UnsafeChartError("the renderer returned no SVG")
    tag = opening.group()[:-1]
    labelled = (
        f'{tag} role="graphics-document document" aria-labelledby="{dom_id}-title {dom_id}-desc">'
        f'<title id="{dom_id}-title">{escape(chart.title)}</title>'
        f'<desc id="{dom_id}-desc">{escape(_description(chart))}</desc>'
    )
    return svg[: opening.start()] + labelled + svg[opening.end() :]


def _description(chart):
    figures = "; ".join(f"{row.label}: {row.value_text}" for row in chart.rows[:12])
    more = f"; and {len(chart.rows) - 12} more in the table" if len(chart.rows) > 12 else ""
    return f"{chart.description} {figures or 'No cases.'}{more}"
