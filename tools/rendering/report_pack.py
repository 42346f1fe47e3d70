"""The report pack's workbook: a summary sheet (KPIs, monthly trend and its
native chart), then one sheet per section, from the data the pack model
gathers (``customer.order.report.pack._get_data``)."""

import io

import xlsxwriter

from odoo.tools.translate import LazyTranslate

from .number_formats import NUMBER_FORMATS
from .xlsx import Column, Styles, Total, set_print_setup, sheet_name, write_table

_lt = LazyTranslate(__name__)

# Product names are long ("[FURN_6667] Acoustic Bloc Screens (Black)"):
# their column widens further than the others before a name is cut.
PRODUCT_WIDTH = 80
# The columns of each section's sheet; the keys are those of the rows of
# customer.order.report.pack's _get_section_<code>.
SECTION_COLUMNS = {
    "channels": (
        Column(_lt("Channel"), "channel"),
        Column(_lt("Orders"), "orders", "int"),
        Column(_lt("Revenue"), "revenue", "money"),
    ),
    "products": (
        Column(_lt("Product"), "product", max_width=PRODUCT_WIDTH),
        Column(_lt("Ordered"), "qty_ordered", "qty"),
        Column(_lt("Delivered"), "qty_delivered", "qty"),
        Column(_lt("Returned"), "qty_returned", "qty"),
        Column(_lt("Revenue"), "revenue", "money"),
    ),
    "customers": (
        Column(_lt("Customer"), "customer"),
        Column(_lt("Orders"), "orders", "int"),
        Column(_lt("Revenue"), "revenue", "money"),
        Column(_lt("Returned Qty"), "qty_returned", "qty"),
    ),
    "returns": (
        Column(_lt("Return"), "reference"),
        Column(_lt("Requested On"), "date", "date"),
        Column(_lt("Customer"), "customer"),
        Column(_lt("Product"), "product", max_width=PRODUCT_WIDTH),
        Column(_lt("Quantity"), "quantity", "qty"),
        Column(_lt("Value"), "value", "money"),
        Column(_lt("Reason"), "reason"),
        Column(_lt("Resolution"), "resolution"),
        Column(_lt("Status"), "state"),
    ),
    "repairs": (
        Column(_lt("Product"), "product", max_width=PRODUCT_WIDTH),
        Column(_lt("Reason"), "reason"),
        Column(_lt("Repairs"), "repairs", "int"),
        Column(_lt("Under Warranty"), "under_warranty", "int"),
        Column(_lt("Shipped Back"), "shipped_back", "int"),
        Column(_lt("Lead Time (days)"), "lead_days", "qty"),
    ),
    "backlog": (
        Column(_lt("Order"), "order"),
        Column(_lt("Customer"), "customer"),
        Column(_lt("Stage"), "stage"),
        Column(_lt("Days in Stage"), "days", "int"),
        Column(_lt("Promised"), "promised", "date"),
        Column(_lt("Late"), "late", "bool"),
    ),
    "inventory": (
        Column(_lt("Product"), "product", max_width=PRODUCT_WIDTH),
        Column(_lt("ABC Class"), "abc"),
        Column(_lt("On Hand"), "on_hand", "qty"),
        Column(_lt("Free"), "free", "qty"),
        Column(_lt("Open Demand"), "open_demand", "qty"),
        Column(_lt("Reorder Min"), "reorder_min", "qty"),
        Column(_lt("Shortage"), "shortage", "qty"),
    ),
}
# The KPIs of the summary sheet: label, key in data["kpis"], kind.
KPI_ROWS = (
    (_lt("Orders"), "orders", "int"),
    (_lt("Revenue"), "revenue", "money"),
    (_lt("Average Order Value"), "average_order_value", "money"),
    (_lt("On-time Delivery Rate"), "on_time_rate", "percent"),
    (_lt("Fill Rate"), "fill_rate", "percent"),
    (_lt("Return Rate"), "return_rate", "percent"),
    (_lt("Average Review Time (h)"), "average_review_hours", "qty"),
)
# The summary's trend table shares its columns with the KPIs above it,
# whose widths it keeps.
TREND_COLUMNS = (
    Column(_lt("Month"), "month", "month"),
    Column(_lt("Orders"), "orders", "int"),
    Column(_lt("Revenue"), "revenue", "money"),
)
SUMMARY_WIDTHS = (28, 16, 16, 16)


def render_report_pack(data, sections, translate):
    """The pack as XLSX bytes. ``data`` is the pack's data; ``sections``
    the (title, columns, rows) of each section's sheet, in order, where
    ``rows`` may be any iterable (written as it comes, with constant
    memory); ``translate`` is the translation of the reader (``env._``)."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    styles = Styles(book, data["currency"])
    _write_summary(book, styles, data, translate)
    for title, columns, rows in sections:
        sheet = book.add_worksheet(sheet_name(title))
        money = tuple(column.key for column in columns if column.kind == "money")
        # The sums of the amounts under the rows: SUM formulas, in money.
        totals = (Total(_lt("Total"), money, if_empty=False),) if money else ()
        write_table(sheet, styles, columns, rows, translate=translate, totals=totals)
    book.close()
    return output.getvalue()


def _write_summary(book, styles, data, translate):
    summary = book.add_worksheet(sheet_name(translate(_lt("Summary"))))
    for col, width in enumerate(_summary_widths(styles, data)):
        summary.set_column(col, col, width)
    set_print_setup(summary)
    summary.write_string(0, 0, translate(_lt("Order Management Summary")), styles.title)
    summary.write_string(
        1,
        0,
        translate(
            _lt(
                "%(start)s to %(end)s (%(tz)s)",
                start=data["date_from"].isoformat(),
                end=data["date_to"].isoformat(),
                tz=data["tz"],
            )
        ),
    )
    kpis = data["kpis"]
    summary.write_row(3, 0, [translate(_lt("Indicator")), translate(_lt("Value"))], styles.header)
    for row, (label, key, kind) in enumerate(KPI_ROWS, start=4):
        summary.write_string(row, 0, translate(label), styles.label)
        if kpis[key] is None:
            summary.write_string(row, 1, "-")
        else:
            summary.write_number(row, 1, kpis[key], styles.cell[kind])
    trend = write_table(
        summary,
        styles,
        TREND_COLUMNS,
        data["trend"],
        translate=translate,
        header_row=4 + len(KPI_ROWS) + 1,
        freeze=False,
        autofilter=False,
        fit_widths=False,
        print_setup=False,
    )
    if trend.row_count:
        chart = book.add_chart({"type": "line"})
        chart.add_series(
            {
                "name": translate(_lt("Revenue")),
                "categories": trend.chart_range("month"),
                "values": trend.chart_range("revenue"),
                "marker": {"type": "circle"},
            }
        )
        chart.set_title({"name": translate(_lt("Revenue by Month"))})
        chart.set_legend({"none": True})
        # Months on the axis, not date serial numbers.
        chart.set_x_axis({"date_axis": True, "num_format": NUMBER_FORMATS["month"]})
        # Beside the KPIs and the trend table.
        summary.insert_chart(3, len(SUMMARY_WIDTHS), chart)


def _summary_widths(styles, data):
    """SUMMARY_WIDTHS, widened where a KPI or a month's revenue is longer
    (a long currency symbol)."""
    kpis = data["kpis"]
    values = [styles.number_width(kind, kpis[key]) for _label, key, kind in KPI_ROWS if kpis[key]]
    revenues = [styles.number_width("money", point["revenue"] or 0.0) for point in data["trend"]]
    label, value, revenue, spare = SUMMARY_WIDTHS
    return (
        label,
        max(value, max(values, default=0) + 2),
        max(revenue, max(revenues, default=0) + 2),
        spare,
    )
