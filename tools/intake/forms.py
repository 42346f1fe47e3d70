"""XLSX and CSV order forms, read by their header row.

The columns are found by name in :data:`HEADER_SYNONYMS` (one table, English
and Chinese; add a name to its tuple to accept it). A label cell such as
``Customer reference:`` (or ``客户订单号``) above the table, followed by its
value, gives the customer's order number; so does a column of that name.

XLSX files are opened read-only with cached values only (``data_only``): a
formula is never evaluated, its last saved result is read. Before opening,
the sizes of the zip members are checked: a file that unzips to more than
:data:`MAX_UNZIPPED_BYTES` is refused unread.
"""

import csv
import io
import re
import zipfile

from odoo.tools import LazyTranslate

from .model import IntakeError, ParsedLine, ParsedOrder

_lt = LazyTranslate(__name__)

# field -> the header names that mean it (compared lower-case, without
# spaces and punctuation). Extend here.
HEADER_SYNONYMS = {
    "code": (
        "code",
        "sku",
        "item code",
        "product code",
        "item no",
        "item number",
        "part number",
        "article",
        "reference",
        "物料编码",
        "产品编码",
        "物料代码",
        "编码",
        "货号",
    ),
    "barcode": ("barcode", "ean", "gtin", "upc", "条码", "条形码"),
    "description": (
        "description",
        "product",
        "product name",
        "item",
        "name",
        "品名",
        "产品名称",
        "名称",
        "描述",
    ),
    "quantity": ("quantity", "qty", "ordered quantity", "数量", "订购数量"),
    "price_unit": ("unit price", "price", "price per unit", "单价"),
    "uom": ("unit", "uom", "unit of measure", "单位"),
    "customer_ref": (
        "customer reference",
        "customer order number",
        "po number",
        "po",
        "order number",
        "purchase order",
        "客户订单号",
        "订单号",
        "采购订单号",
    ),
}

MAX_ROWS = 2000
# Rows read below the header, blank ones included: a blank row costs as much
# to read as a full one (an XLSX declaring the largest range pads each row to
# 16,384 cells), so a file of millions of empty rows is refused, not read.
MAX_SCANNED_ROWS = 10 * MAX_ROWS
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_MEMBER_RATIO = 200
HEADER_SCAN_ROWS = 30

# ASCII and full-width (Chinese) punctuation.
_PUNCT = re.compile(r"[\s:\uff1a.#*_\-/()\uff08\uff09]+")


def _norm(text):
    return _PUNCT.sub("", str(text or "")).lower()


_LOOKUP = {_norm(name): key for key, names in HEADER_SYNONYMS.items() for name in names}


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value):
    """``value`` as a float, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _cell_text(value).replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def read_table(rows):
    """Read an order form from ``rows`` (lists of cell values, top to bottom).

    :raise IntakeError: no header row with a code (or description) and a
        quantity column, or more than :data:`MAX_ROWS` rows."""
    rows = iter(rows)
    order = ParsedOrder()
    columns = None
    for _index in range(HEADER_SCAN_ROWS):
        row = next(rows, None)
        if row is None:
            break
        keys = [_LOOKUP.get(_norm(cell)) if isinstance(cell, str) else None for cell in row]
        found = {key: col for col, key in reversed(list(enumerate(keys))) if key}
        if "quantity" in found and ({"code", "barcode", "description"} & found.keys()):
            columns = found
            break
        # A label above the table: "Customer reference: | PO-123".
        for col, key in enumerate(keys):
            if key == "customer_ref":
                value = next((_cell_text(v) for v in row[col + 1 :] if _cell_text(v)), "")
                order.customer_ref = order.customer_ref or value[:120]
    if columns is None:
        raise IntakeError(
            _lt(
                "no header row was found (a column for the product code or description "
                "and one for the quantity)"
            )
        )
    count = 0
    for scanned, row in enumerate(rows, start=1):
        if scanned > MAX_SCANNED_ROWS:
            raise IntakeError(
                _lt("the order form has more than %(max)s rows", max=MAX_SCANNED_ROWS)
            )
        # In the document's column order: the raw row of a note reads as the customer wrote it.
        cells = {
            key: (row[col] if col < len(row) else None)
            for key, col in sorted(columns.items(), key=lambda item: item[1])
        }
        if not any(_cell_text(value) for value in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise IntakeError(_lt("the order form has more than %(max)s rows", max=MAX_ROWS))
        order.lines.append(_parse_row(cells, order))
    return order


def _parse_row(cells, order):
    raw = " | ".join(_cell_text(value) for value in cells.values() if _cell_text(value))
    line = ParsedLine(
        raw=raw[:500],
        code=_cell_text(cells.get("code"))[:64],
        barcode=_cell_text(cells.get("barcode"))[:64],
        description=_cell_text(cells.get("description"))[:500],
        uom=_cell_text(cells.get("uom"))[:64],
    )
    ref = _cell_text(cells.get("customer_ref"))
    if ref and not order.customer_ref:
        order.customer_ref = ref[:120]
    quantity = _number(cells.get("quantity"))
    if quantity is None:
        line.problem = str(_lt("the quantity is not a number"))
    elif quantity <= 0:
        line.problem = str(_lt("the quantity is zero or negative"))
    else:
        line.quantity = quantity
    if "price_unit" in cells and _cell_text(cells["price_unit"]):
        line.price_unit = _number(cells["price_unit"])
    if not (line.code or line.barcode or line.description):
        line.problem = line.problem or str(_lt("the row has no product code or description"))
    return line


def _check_zip(raw):
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        raise IntakeError(_lt("the XLSX file is damaged or not an XLSX file")) from None
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        ratio_bomb = any(
            member.file_size > 1024 * 1024
            and member.file_size > MAX_MEMBER_RATIO * max(member.compress_size, 1)
            for member in members
        )
        if total > MAX_UNZIPPED_BYTES or ratio_bomb:
            raise IntakeError(
                _lt("the XLSX file unpacks to %(size)s MB, too large to read", size=total >> 20)
            )


def read_xlsx(raw):
    """Read the first worksheet of an XLSX order form (cached values only)."""
    import openpyxl  # noqa: PLC0415 (only needed for XLSX)

    _check_zip(raw)
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(raw), read_only=True, data_only=True, keep_links=False
        )
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds on a damaged file)
        raise IntakeError(_lt("the XLSX file is damaged or not an XLSX file")) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise IntakeError(_lt("the XLSX file has no worksheet"))
        try:
            return read_table(sheet.iter_rows(values_only=True))
        except IntakeError:
            raise
        except Exception:  # noqa: BLE001
            raise IntakeError(_lt("the XLSX file is damaged or not an XLSX file")) from None
    finally:
        book.close()


def _decode(raw):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_csv(raw):
    """Read a CSV order form (UTF-8 or GB18030; comma, semicolon or tab)."""
    if len(raw) > MAX_UNZIPPED_BYTES:
        raise IntakeError(_lt("the CSV file is too large to read"))
    text = _decode(raw)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return read_table(csv.reader(io.StringIO(text), dialect))
    except csv.Error:
        raise IntakeError(_lt("the CSV file is damaged")) from None
