"""The discrepancy workbook of a stock count session, from the rows the
session gathers (``stock.count.session._get_discrepancy_rows``)."""

import io

import xlsxwriter

from odoo.tools.translate import LazyTranslate

from .xlsx import Column, Styles, Total, sheet_name, write_table

_lt = LazyTranslate(__name__)

DISCREPANCY_COLUMNS = (
    Column(_lt("Product"), "product"),
    Column(_lt("Reference"), "reference"),
    Column(_lt("ABC"), "abc"),
    Column(_lt("Location"), "location"),
    Column(_lt("Lot/Serial"), "lot"),
    Column(_lt("Book Qty"), "book_qty", "qty"),
    Column(_lt("Counted Qty"), "counted_qty", "qty"),
    Column(_lt("Difference"), "difference_qty", "qty"),
    Column(_lt("Difference %"), "difference_percent", "percent"),
    Column(_lt("Unit Cost"), "unit_cost", "money"),
    Column(_lt("Difference Value"), "difference_value", "money"),
    Column(_lt("Reason"), "reason"),
)
# Losses, gains and net of the value, labelled in the column before it.
VALUE_KEYS = ("difference_value",)
DISCREPANCY_TOTALS = (
    Total(_lt("Losses"), VALUE_KEYS, "<0", label_key="unit_cost"),
    Total(_lt("Gains"), VALUE_KEYS, ">0", label_key="unit_cost"),
    Total(_lt("Net"), VALUE_KEYS, label_key="unit_cost"),
)
HEADER_ROW = 3


def render_discrepancy_xlsx(rows, *, title, subtitle, currency, translate):
    """The discrepancy workbook as XLSX bytes: ``title`` and ``subtitle``
    above a table of ``rows`` (frozen header, autofilter, losses, gains and
    net by value as formulas), printed landscape one page wide. Amounts are
    in ``currency``; ``translate`` is the reader's translation (``env._``)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles = Styles(book, currency)
    sheet = book.add_worksheet(sheet_name(translate(_lt("Discrepancies"))))
    sheet.write_string(0, 0, title, styles.title)
    sheet.write_string(1, 0, subtitle)
    write_table(
        sheet,
        styles,
        DISCREPANCY_COLUMNS,
        rows,
        translate=translate,
        header_row=HEADER_ROW,
        totals=DISCREPANCY_TOTALS,
        totals_gap=1,
    )
    book.close()
    return buffer.getvalue()
