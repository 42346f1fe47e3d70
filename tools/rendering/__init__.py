"""Rendering of the addon's exports, kept out of the models: the models
gather plain data (lists of dicts) and these modules draw it from specs."""

from .number_formats import amount_format, money_format, percent_format, quote_literal
from .svg import trend_svg
from .xlsx import Column, Styles, Table, Total, set_print_setup, sheet_name, write_table

__all__ = [
    "Column",
    "Styles",
    "Table",
    "Total",
    "amount_format",
    "money_format",
    "percent_format",
    "quote_literal",
    "set_print_setup",
    "sheet_name",
    "trend_svg",
    "write_table",
]
