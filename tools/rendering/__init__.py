"""Rendering of the addon's exports, kept out of the models: the models
gather plain data (lists of dicts) and these modules draw it from specs."""

from .count_discrepancies import DISCREPANCY_COLUMNS, render_discrepancy_xlsx
from .number_formats import amount_format, money_format, percent_format, quote_literal
from .report_pack import SECTION_COLUMNS, render_report_pack
from .svg import demand_svg, trend_svg
from .xlsx import Column, Styles, Table, Total, set_print_setup, sheet_name, write_table

__all__ = [
    "DISCREPANCY_COLUMNS",
    "SECTION_COLUMNS",
    "Column",
    "Styles",
    "Table",
    "Total",
    "amount_format",
    "demand_svg",
    "money_format",
    "percent_format",
    "quote_literal",
    "render_discrepancy_xlsx",
    "render_report_pack",
    "set_print_setup",
    "sheet_name",
    "trend_svg",
    "write_table",
]
