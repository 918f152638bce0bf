"""The report's charts as SVG, drawn by pygal: no JavaScript, each network in the colour the
calendar gives it, each chart's numbers also in a table beside it (the template's).

A chart goes into the page as an image (`data:` address) rather than inline: pygal's style
sheet then applies to the chart alone, and the page stays one file a client can keep. pygal
writes the day it drew a chart in a comment, which is dropped, so the same data draws the same
bytes (`cmsite report --from`). Without its prefix, pygal gives its rules for the whole
chart an empty selector, which browsers skip and WeasyPrint's SVG renderer rejects along with
every other rule (the chart then prints black): they are given the selector `svg`. Each
point's value is in the SVG (`<desc class="value">`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

from cmsite.calendar.html import POST_COLOUR, network_colour
from cmsite.report.figures import Chart

WIDTH, HEIGHT = 800, 360
_WHOLE_CHART = re.compile(r"(^|\})\s*\{")  # a rule with no selector, at the start or after another


def chart_svg(chart: Chart, format_day: Callable[..., str]) -> str:
    """The chart as an SVG document, `format_day(day)` under each day; its title is the page's
    (a caption, in the site's language), not drawn."""
    import pygal
    from pygal.etree import etree
    from pygal.style import Style

    style = Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1c1917",
        foreground_strong="#1c1917",
        foreground_subtle="#57534e",
        font_family="DejaVu Sans, Verdana, sans-serif",
        colors=tuple(network_colour(s.colour_key) if s.colour_key else POST_COLOUR for s in chart.series),
    )
    kind = pygal.StackedBar if chart.kind == "bar" else pygal.Line
    drawn = kind(
        style=style,
        width=WIDTH,
        height=HEIGHT,
        no_prefix=True,  # no random id: the same data, the same bytes
        js=[],  # no script: readable as it is
        disable_xml_declaration=True,
        allow_interruptions=True,  # a day with no count yet is a gap, not a zero
        legend_at_bottom=True,
        truncate_legend=-1,
        x_labels=[format_day(day) for day in chart.days],
        x_labels_major_every=7,
        show_minor_x_labels=False,
        min_scale=1,
    )
    for series in chart.series:
        drawn.add(series.name, list(series.points))
    root = drawn.render_tree()
    for node in list(root):
        if callable(node.tag):  # a comment: pygal's credits and the day it drew the chart
            root.remove(node)
    for sheet in root.iter("style"):
        sheet.text = _WHOLE_CHART.sub(r"\1svg{", sheet.text or "")
    return etree.tostring(root, encoding="unicode")


def data_address(svg: str) -> str:
    """The SVG as a `data:` address for an <img>."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
