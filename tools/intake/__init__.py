"""Order intake: the pure part of reading purchase-order documents.

Nothing here touches the database: each reader takes bytes (or text) and
returns a :class:`ParsedOrder` (rows and what could not be read), or raises
:class:`IntakeError` with a message in plain words. The ``sale.order`` model
matches the rows to products and writes the order in one go.

UBL / Peppol orders are not read here: Odoo's ``sale_edi_ubl`` decodes them;
:func:`parse_xml` only gives it a tree parsed without resolving any entity.
"""

import copy
import hashlib
import threading

from .forms import (
    HEADER_SYNONYMS,
    MAX_ROWS,
    MAX_SCANNED_ROWS,
    MAX_UNZIPPED_BYTES,
    read_csv,
    read_table,
    read_xlsx,
)
from .model import IntakeError, ParsedLine, ParsedOrder
from .text import parse_text_lines
from .xml import parse_xml

__all__ = [
    "HEADER_SYNONYMS",
    "MAX_ROWS",
    "MAX_SCANNED_ROWS",
    "MAX_UNZIPPED_BYTES",
    "IntakeError",
    "ParsedLine",
    "ParsedOrder",
    "parse_text_lines",
    "parse_xml",
    "read_cached",
    "read_csv",
    "read_table",
    "read_xlsx",
]


_CACHE_SIZE = 16
_cache = {}
_cache_lock = threading.Lock()


def read_cached(reader, raw):
    """``reader(raw)``, remembered for the last few files by content: the
    duplicate check and the decoder of one e-mail read each file once. A
    copy is returned (callers may change it); errors are not remembered."""
    key = (reader.__name__, hashlib.sha1(raw).hexdigest())
    with _cache_lock:
        parsed = _cache.get(key)
    if parsed is None:
        parsed = reader(raw)
        with _cache_lock:
            if len(_cache) >= _CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = parsed
    return copy.deepcopy(parsed)
