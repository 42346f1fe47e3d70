"""Inline SVG charts of the PDF reports: no extra dependency, and
wkhtmltopdf renders them."""

from markupsafe import Markup, escape

LINE_COLOR = "#714B67"
AXIS_COLOR = "#999"
PAD = 24


def month_label(point):
    """The axis label of a monthly point: its month as MM/YY."""
    return point["month"].strftime("%m/%y")


def trend_svg(points, width=640, height=180, value_key="revenue", label=month_label):
    """A line chart of ``points`` (mappings, in order): ``point[value_key]``
    on the vertical axis (None counts as 0), and under every point its
    ``label(point)``. The horizontal axis is at zero, so negative values
    go below it. No points, no chart (an empty Markup)."""
    if not points:
        return Markup("")
    values = [point[value_key] or 0.0 for point in points]
    low, high = min(min(values), 0.0), max(max(values), 0.0)
    span = (high - low) or 1.0
    step = (width - 2 * PAD) / max(len(values) - 1, 1)

    def y_of(value):
        return height - PAD - (value - low) / span * (height - 2 * PAD)

    coordinates = [(PAD + index * step, y_of(value)) for index, value in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE_COLOR}"/>' for x, y in coordinates
    )
    labels = "".join(
        f'<text x="{x:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
        f"{escape(label(point))}</text>"
        for (x, _y), point in zip(coordinates, points, strict=True)
    )
    axis = f"{y_of(0.0):g}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="o_com_trend">'
        f'<line x1="{PAD}" y1="{axis}" x2="{width - PAD}" y2="{axis}" stroke="{AXIS_COLOR}"/>'
        f'<polyline fill="none" stroke="{LINE_COLOR}" stroke-width="2" points="{path}"/>'
        f"{dots}{labels}</svg>"
    )
