"""Excel number formats of the addon's exports: one place builds them, so a
currency symbol is always quoted (in "KSh" Excel would read "h" as hours; in
"AED", "E" as an exponent and "D" as days)."""

# The number formats of the column kinds that are not money.
NUMBER_FORMATS = {
    "int": "#,##0",
    "qty": "#,##0.00",
    "date": "yyyy-mm-dd",
    "month": "mmm yyyy",
}


def quote_literal(text):
    """``text`` as literal text of an Excel number format: in double quotes,
    where no character is a code. A quoted literal cannot hold a double
    quote, so each one is escaped with a backslash between quoted parts
    (``K"Sh`` gives ``"K"\\""Sh"``)."""
    return '\\"'.join(f'"{part}"' if part else "" for part in text.split('"'))


def amount_format(symbol="", position="after", digits=2):
    """The number format of an amount: thousands separators, ``digits``
    decimals and the quoted ``symbol`` before or after the number
    (``position`` as ``res.currency.position``: "before" or "after")."""
    if position not in ("before", "after"):
        raise ValueError(f"Unknown symbol position {position!r}")
    number = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if not symbol:
        return number
    literal = quote_literal(symbol)
    return f"{literal} {number}" if position == "before" else f"{number} {literal}"


def money_format(currency=None):
    """The number format of amounts in ``currency`` (a ``res.currency`` or
    anything with its ``symbol``, ``name``, ``position`` and
    ``decimal_places``); without a currency, two decimals and no symbol."""
    if not currency:
        return amount_format()
    return amount_format(
        currency.symbol or currency.name or "",
        currency.position or "after",
        currency.decimal_places,
    )


def percent_format(digits=1):
    """The number format of a ratio (0.25) shown as a percentage (25.0%)."""
    return "0" + ("." + "0" * digits if digits > 0 else "") + "%"
