"""Inline SVG charts of the PDF reports: no extra dependency, and
wkhtmltopdf renders them."""

import math

from markupsafe import Markup, escape

LINE_COLOR = "#714B67"
AXIS_COLOR = "#999"
PAD = 24
# About how wide a character of a 10 px label is, and the space between two.
CHAR_WIDTH = 6
LABEL_GAP = 4


def month_label(point):
    """The axis label of a monthly point: its month as MM/YY."""
    return point["month"].strftime("%m/%y")


def trend_svg(points, width=640, height=180, value_key="revenue", label=month_label):
    """A line chart of ``points`` (mappings, in order): ``point[value_key]``
    on the vertical axis (None counts as 0), and under every point its
    ``label(point)``: straight when the points are at least a label's
    width apart, else turned 45 degrees (the chart grows to hold them) so
    that no label overlaps the next. The horizontal axis is at zero, so
    negative values go below it. No points, no chart (an empty Markup)."""
    if not points:
        return Markup("")
    values = [point[value_key] or 0.0 for point in points]
    texts = [label(point) for point in points]
    low, high = min(min(values), 0.0), max(max(values), 0.0)
    span = (high - low) or 1.0
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    longest = max(len(text) for text in texts) * CHAR_WIDTH
    turned = len(values) > 1 and step < longest + LABEL_GAP
    # Turned labels hang below the axis: the chart is taller by their drop.
    label_room = math.ceil(longest * math.sqrt(0.5)) + 6 if turned else 0
    total_height = height + label_room

    def y_of(value):
        return height - PAD - (value - low) / span * (height - 2 * PAD)

    coordinates = [(PAD + index * step, y_of(value)) for index, value in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE_COLOR}"/>' for x, y in coordinates
    )
    if turned:
        labels = "".join(
            f'<text x="{x:.1f}" y="{height - 12}" font-size="10" text-anchor="end" '
            f'transform="rotate(-45 {x:.1f} {height - 12})">{escape(text)}</text>'
            for (x, _y), text in zip(coordinates, texts, strict=True)
        )
    else:
        labels = "".join(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
            f"{escape(text)}</text>"
            for (x, _y), text in zip(coordinates, texts, strict=True)
        )
    axis = f"{y_of(0.0):g}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_height}" '
        f'viewBox="0 0 {width} {total_height}" class="o_com_trend">'
        f'<line x1="{PAD}" y1="{axis}" x2="{width - PAD}" y2="{axis}" stroke="{AXIS_COLOR}"/>'
        f'<polyline fill="none" stroke="{LINE_COLOR}" stroke-width="2" points="{path}"/>'
        f"{dots}{labels}</svg>"
    )


FORECAST_COLOR = "#017E84"


def demand_svg(weeks, weekly_forecast, width=480, height=120, title=""):
    """A bar per week of ``weeks`` (demand per week, oldest first) and the
    forecast per week as a dashed line across them: the planner line's
    chart. No weeks, no chart (an empty Markup)."""
    if not weeks:
        return Markup("")
    high = max(max(weeks), weekly_forecast, 0.0) or 1.0
    step = (width - 2 * PAD) / len(weeks)
    bar = max(step - 2, 1.0)

    def y_of(value):
        return height - PAD - value / high * (height - 2 * PAD)

    bars = "".join(
        f'<rect x="{PAD + index * step:.1f}" y="{y_of(value):.1f}" width="{bar:.1f}" '
        f'height="{max(height - PAD - y_of(value), 0.0):.1f}" fill="{LINE_COLOR}" '
        f'fill-opacity="0.6"><title>{escape(f"{value:g}")}</title></rect>'
        for index, value in enumerate(weeks)
    )
    forecast_y = f"{y_of(weekly_forecast):.1f}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="o_com_demand" role="img">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{height - PAD}" x2="{width - PAD}" y2="{height - PAD}" '
        f'stroke="{AXIS_COLOR}"/>{bars}'
        f'<line x1="{PAD}" y1="{forecast_y}" x2="{width - PAD}" y2="{forecast_y}" '
        f'stroke="{FORECAST_COLOR}" stroke-width="2" stroke-dasharray="6 3" '
        f'class="o_com_forecast"/></svg>'
    )
