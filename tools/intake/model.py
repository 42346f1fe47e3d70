from dataclasses import dataclass, field


class IntakeError(Exception):
    """A document that cannot be read at all; the message says why, in
    plain words, for the salesperson."""


@dataclass
class ParsedLine:
    """One row of a purchase order as the customer wrote it.

    ``problem`` is set when the row cannot become an order line as is (a
    quantity that is not a positive number, ...): it is kept as a note."""

    raw: str
    code: str = ""
    description: str = ""
    quantity: float = 0.0
    price_unit: float | None = None
    uom: str = ""
    barcode: str = ""
    problem: str = ""


@dataclass
class ParsedOrder:
    customer_ref: str = ""
    lines: list[ParsedLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
