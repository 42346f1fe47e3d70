"""Order lines typed in an e-mail: ``A-100 20``, ``A-100 x 20``, ``20 × A-100``."""

import re

from .model import ParsedLine

_QTY = r"(?P<qty>\d{1,7}(?:[.,]\d{1,4})?)"
# A code has a letter (or is a barcode of 8+ digits) and no spaces.
_CODE = r"(?P<code>(?=[\w\-./]*[^\W\d_])[\w][\w\-./]{0,63}|\d{8,14})"
_TIMES = r"[x×X*]"
_PATTERNS = [
    re.compile(rf"^{_CODE}\s*{_TIMES}\s*{_QTY}$"),
    re.compile(rf"^{_CODE}\s+{_QTY}$"),
    re.compile(rf"^{_QTY}\s*{_TIMES}\s*{_CODE}$"),
]
_BULLET = re.compile(r"^(?:[-*•·]\s+|\d{1,3}[.)]\s+)")


def parse_text_lines(text, max_lines=2000):
    """The order lines of an e-mail body (plain text): each line that is
    only a code and a quantity; anything else is prose and ignored. Reading
    stops at the signature (``-- ``) or a quoted reply."""
    lines = []
    for line in (text or "").splitlines():
        if line.startswith(("-- ", ">")) or line.strip() == "--":
            break
        stripped = _BULLET.sub("", line.strip())
        for pattern in _PATTERNS:
            match = pattern.match(stripped)
            if match:
                quantity = float(match["qty"].replace(",", "."))
                lines.append(ParsedLine(raw=line.strip(), code=match["code"], quantity=quantity))
                break
        if len(lines) >= max_lines:
            break
    return lines
