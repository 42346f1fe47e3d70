"""XLSX tables of the addon's exports, written from column specs: the
header, the rows, the totals (formulas over the columns' own cells), the
column widths and the print setup all follow the columns' positions, so a
column added to a spec moves every formula and total with it."""

import math
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from unicodedata import east_asian_width

from xlsxwriter.utility import xl_range

from .number_formats import NUMBER_FORMATS, money_format, percent_format

A4 = 9  # xlsxwriter's paper index for A4
HEADER_COLOR = "#714B67"
CHECK_MARK = "✔"
NUMBER_KINDS = frozenset({"int", "qty", "money", "percent"})
KINDS = NUMBER_KINDS | {"text", "date", "month", "bool"}
# Widths (in characters) of the kinds whose text has a fixed length.
FIXED_WIDTHS = {"date": 10, "month": 8, "bool": 1}
# What a total may sum: all the values, the negative ones, the positive ones.
CRITERIA = (None, "<0", ">0")
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# A text starting with one of these is a formula to a spreadsheet once
# retyped or saved as CSV: written as a string in a cell of the Text
# number format ("@"), it stays text.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``label`` is the header: a string, or a lazy translation (``_lt``) that
    the writer translates. The value of a row is ``row[key]``, or
    ``get(row)`` when ``get`` is given. ``kind`` formats it: text, int, qty,
    money, percent, date, month or bool (a check mark when true). ``width``
    fixes the width in characters; without it the width follows the header
    and the longest value, from ``min_width`` to ``max_width``."""

    label: Any
    key: str
    kind: str = "text"
    get: Any = None
    width: float | None = None
    min_width: float = 6
    max_width: float = 60

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r} for {self.key!r}")


@dataclass(frozen=True)
class Total:
    """A totals row under a table: ``label`` in the column of
    ``label_key`` (the first column when None), and the sum of each column
    of ``keys``, only of its negative or positive values when ``criteria``
    is "<0" or ">0".

    The sum is a SUM/SUMIF formula over the column's cells (its value
    cached for viewers that do not compute), or the number itself when
    ``formula`` is False. ``if_empty`` False leaves the row out of a table
    without rows."""

    label: Any
    keys: tuple
    criteria: str | None = None
    label_key: str | None = None
    formula: bool = True
    if_empty: bool = True

    def __post_init__(self):
        if self.criteria not in CRITERIA:
            raise ValueError(f"Unsupported total criteria {self.criteria!r}")


@dataclass(frozen=True)
class Table:
    """Where write_table put a table: its sheet, columns, header row and
    row count (rows are 0-based, as in xlsxwriter)."""

    sheet: Any
    columns: tuple
    header_row: int
    row_count: int

    @property
    def first_row(self):
        return self.header_row + 1

    @property
    def last_row(self):
        """The last row of data (the header row when there is none)."""
        return self.header_row + self.row_count

    def col(self, key):
        """The index of the column of ``key``."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise ValueError(f"No column {key!r} in the table")

    def cells(self, key):
        """The A1 range of the data cells of column ``key`` ("K5:K9")."""
        col = self.col(key)
        return xl_range(self.first_row, col, max(self.last_row, self.first_row), col)

    def chart_range(self, key):
        """The data cells of column ``key``, as a chart series takes them."""
        col = self.col(key)
        return [self.sheet.name, self.first_row, col, self.last_row, col]


class Styles:
    """The cell formats of one workbook: title, header, labels, and per
    column kind the cell's format and the totals row's (money in the
    number format of ``currency``, see ``money_format``)."""

    def __init__(self, book, currency=None):
        self.money_format = money_format(currency)
        self._money_digits = currency.decimal_places if currency else 2
        symbol = (currency.symbol or currency.name or "") if currency else ""
        self._money_extra = len(symbol) + 1 if symbol else 0
        number_formats = {
            **NUMBER_FORMATS,
            "money": self.money_format,
            "percent": percent_format(),
        }
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format(
            {"bold": True, "bg_color": HEADER_COLOR, "font_color": "#FFFFFF", "border": 1}
        )
        # Over a column of numbers, the header stands on the right as they do.
        self.header_number = book.add_format(
            {
                "bold": True,
                "bg_color": HEADER_COLOR,
                "font_color": "#FFFFFF",
                "border": 1,
                "align": "right",
            }
        )
        self.label = book.add_format({"bold": True})
        self.total_label = book.add_format({"bold": True, "top": 1})
        self.cell = {"text": book.add_format(), "bool": book.add_format({"align": "center"})}
        self.quoted_text = book.add_format({"num_format": "@"})
        self.total = {}
        for kind, num_format in number_formats.items():
            self.cell[kind] = book.add_format({"num_format": num_format})
            self.total[kind] = book.add_format({"bold": True, "top": 1, "num_format": num_format})

    def number_width(self, kind, value):
        """About how many characters ``value`` takes once formatted."""
        if kind == "percent":
            return len(f"{value * 100:.1f}%")
        if kind == "money":
            return len(f"{value:,.{max(self._money_digits, 0)}f}") + self._money_extra
        return len(f"{value:,.{2 if kind == 'qty' else 0}f}")


def text_width(text):
    """How many character columns ``text`` takes: two for a wide (Chinese,
    Japanese, Korean, full-width) character, one for the others."""
    return sum(2 if east_asian_width(char) in "WF" else 1 for char in text)


def set_print_setup(sheet, header_row=None):
    """Print ``sheet`` landscape on A4, one page wide (as many pages long as
    the rows need), with row ``header_row`` repeated on every page."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    if header_row is not None:
        sheet.repeat_rows(header_row)


def sheet_name(name):
    """``name`` as Excel accepts a sheet's name: at most 31 characters,
    none of ``[]:*?/\\``."""
    return INVALID_SHEET_CHARS.sub("-", str(name))[:31]


def write_table(
    sheet,
    styles,
    columns,
    rows,
    *,
    translate=str,
    header_row=0,
    totals=(),
    totals_gap=0,
    freeze=True,
    autofilter=True,
    fit_widths=True,
    print_setup=True,
):
    """Write a table on ``sheet`` from row ``header_row`` down, and return
    where it is (a ``Table``).

    ``columns`` are the ``Column`` specs; ``rows`` any iterable of
    mappings, written as it comes (an iterator of many rows is never held
    in memory). ``translate`` turns the labels into text (``env._`` for
    lazy translations). ``totals`` (``Total`` specs) follow the last row,
    ``totals_gap`` empty rows below it. The header row is frozen, filtered
    and printed on every page, unless told otherwise."""
    columns = tuple(columns)
    positions = {column.key: index for index, column in enumerate(columns)}
    summed = set()
    for total in totals:
        for key in (*total.keys, *([total.label_key] if total.label_key else [])):
            if key not in positions:
                raise ValueError(f"A total names no column {key!r}")
        for key in total.keys:
            if columns[positions[key]].kind not in NUMBER_KINDS:
                raise ValueError(f"A total sums a column that is not a number: {key!r}")
            summed.add(positions[key])
    labels = [translate(column.label) for column in columns]
    for col, (column, label) in enumerate(zip(columns, labels, strict=True)):
        header = styles.header_number if column.kind in NUMBER_KINDS else styles.header
        sheet.write_string(header_row, col, label, header)
    count, widths, sums, negatives = _write_rows(sheet, styles, columns, rows, header_row, summed)
    table = Table(sheet, columns, header_row, count)
    row = table.last_row + 1 + totals_gap
    for total in totals:
        if count or total.if_empty:
            _write_total(table, styles, total, row, translate, sums, negatives, widths)
            row += 1
    if fit_widths:
        for col, column in enumerate(columns):
            sheet.set_column(col, col, _width(column, labels[col], widths[col], autofilter))
    if freeze:
        sheet.freeze_panes(header_row + 1, 0)
    if autofilter:
        sheet.autofilter(header_row, 0, table.last_row, len(columns) - 1)
    if print_setup:
        set_print_setup(sheet, header_row)
    return table


def _write_rows(sheet, styles, columns, rows, header_row, summed):
    """Write the rows under the header; return their count, the width of
    each column's longest value, and the sums (all and negative values)
    of the ``summed`` columns."""
    size = len(columns)
    widths = [FIXED_WIDTHS.get(column.kind, 0) for column in columns]
    sums, negatives = [0.0] * size, [0.0] * size
    high, low = [0] * size, [0] * size
    texts, marks, dates, numbers = _column_writers(sheet, styles, columns, summed)
    write_number = sheet.write_number
    count = 0
    for count, row in enumerate(rows, start=1):
        index = header_row + count
        for col, get, write, cell_format in texts:
            value = get(row)
            if value:
                if str(value)[0] in FORMULA_TRIGGERS:
                    cell_format = styles.quoted_text
                write(index, col, value, cell_format)
                widths[col] = max(widths[col], text_width(value))
        for col, get, write, cell_format in marks:
            if get(row):
                write(index, col, CHECK_MARK, cell_format)
        for col, get, write, cell_format in dates:
            value = get(row)
            if value:
                write(index, col, value, cell_format)
        for col, get, cell_format, in_total in numbers:
            value = get(row)
            if value is None or value is False:
                continue
            write_number(index, col, value, cell_format)
            high[col], low[col] = max(high[col], value), min(low[col], value)
            if in_total:
                sums[col] += value
                negatives[col] += min(value, 0)
    for col, column in enumerate(columns):
        if column.kind in NUMBER_KINDS:
            widths[col] = max(
                styles.number_width(column.kind, high[col]),
                styles.number_width(column.kind, low[col]),
            )
    return count, widths, sums, negatives


def _column_writers(sheet, styles, columns, summed):
    """One typed writer per column, chosen once (the rows may be many): no
    type guessing per cell. Empty values leave the cell empty (no FALSE for
    an empty text); a zero quantity is written. Returns the text, check
    mark, date and number columns, each as (index, getter, writer, format),
    the numbers as (index, getter, format, summed)."""
    texts, marks, dates, numbers = [], [], [], []
    for col, column in enumerate(columns):
        get = column.get or itemgetter(column.key)
        cell_format = styles.cell[column.kind]
        if column.kind in NUMBER_KINDS:
            numbers.append((col, get, cell_format, col in summed))
        elif column.kind == "text":
            texts.append((col, get, sheet.write_string, cell_format))
        elif column.kind == "bool":
            marks.append((col, get, sheet.write_string, cell_format))
        else:
            dates.append((col, get, sheet.write_datetime, cell_format))
    return texts, marks, dates, numbers


def _write_total(table, styles, total, row, translate, sums, negatives, widths):
    sheet = table.sheet
    label_col = table.col(total.label_key) if total.label_key else 0
    label = translate(total.label)
    sheet.write_string(row, label_col, label, styles.total_label)
    widths[label_col] = max(widths[label_col], math.ceil(text_width(label) * 1.1))
    for key in total.keys:
        col = table.col(key)
        kind = table.columns[col].kind
        if total.criteria == "<0":
            value = negatives[col]
        elif total.criteria == ">0":
            value = sums[col] - negatives[col]
        else:
            value = sums[col]
        widths[col] = max(widths[col], styles.number_width(kind, value))
        if total.formula and table.row_count:
            cells = table.cells(key)
            formula = f'=SUMIF({cells},"{total.criteria}")' if total.criteria else f"=SUM({cells})"
            sheet.write_formula(row, col, formula, styles.total[kind], value)
        else:
            sheet.write_number(row, col, value, styles.total[kind])


def _width(column, label, content, autofilter):
    """The width of ``column``: its own, or its header's (bold, with the
    filter's button) or its longest value's, within its bounds."""
    if column.width is not None:
        return column.width
    header = math.ceil(text_width(label) * 1.1) + (3 if autofilter else 1)
    return min(max(header, content + 2, column.min_width), column.max_width)
