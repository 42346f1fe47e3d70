from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import (
    check_protected_create,
    check_protected_write,
    write_protected,
)

# Written only by the session's methods (see tools/protected.py): each
# line's book quantity and what was taken of it.
LINE_OWNED_FIELDS = {
    "theoretical_qty",
    "snapshot_date",
    "quant_id",
    "package_id",
    "needs_recount",
    "count_date",
    "difference_qty",
    "difference_percent",
    "difference_value",
}

VARIANCE_REASONS = [
    ("miscount", "Earlier miscount"),
    ("damaged", "Damaged or expired"),
    ("loss", "Loss or theft"),
    ("unrecorded_receipt", "Unrecorded receipt"),
    ("unrecorded_shipment", "Unrecorded shipment"),
    ("misplaced", "Misplaced"),
    ("other", "Other"),
]


class StockCountLine(models.Model):
    _name = "stock.count.line"
    _description = "Stock Count Line"
    _order = "session_id, location_id, product_id, lot_id, id"
    _check_company_auto = True

    session_id = fields.Many2one(
        "stock.count.session", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="session_id.company_id", store=True, index=True)
    state = fields.Selection(related="session_id.state")
    blind = fields.Boolean(related="session_id.blind")
    location_id = fields.Many2one("stock.location", required=True, check_company=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        index=True,
        domain="[('is_storable', '=', True)]",
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    package_id = fields.Many2one("stock.package", readonly=True)
    quant_id = fields.Many2one("stock.quant", readonly=True, index="btree_not_null")
    theoretical_qty = fields.Float(string="Book Quantity", digits="Product Unit", readonly=True)
    counted_qty = fields.Float(string="Counted Quantity", digits="Product Unit")
    is_counted = fields.Boolean(
        string="Counted",
        help="Set as soon as a quantity is entered; tick it to confirm a count of zero.",
    )
    difference_qty = fields.Float(
        string="Difference",
        digits="Product Unit",
        compute="_compute_difference",
        store=True,
    )
    difference_percent = fields.Float(
        string="Difference (%)", compute="_compute_difference", store=True
    )
    difference_value = fields.Monetary(
        compute="_compute_difference", store=True, currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="session_id.currency_id")
    reason = fields.Selection(VARIANCE_REASONS, string="Variance Reason")
    note = fields.Char()
    snapshot_date = fields.Datetime(readonly=True)
    needs_recount = fields.Boolean(
        string="To Recount",
        readonly=True,
        help="Stock of this line moved after its book quantity was taken: count it again.",
    )
    count_date = fields.Datetime(readonly=True)

    @api.depends("theoretical_qty", "counted_qty", "is_counted", "product_id.standard_price")
    def _compute_difference(self):
        for line in self:
            if not line.is_counted:
                line.difference_qty = line.difference_percent = line.difference_value = 0.0
                continue
            diff = line.counted_qty - line.theoretical_qty
            line.difference_qty = diff
            if line.theoretical_qty:
                line.difference_percent = diff * 100.0 / abs(line.theoretical_qty)
            else:
                line.difference_percent = 100.0 if diff else 0.0
            price = line.product_id.with_company(line.session_id.company_id).standard_price
            line.difference_value = line.session_id.currency_id.round(diff * price)

    @api.constrains("counted_qty")
    def _check_counted_qty(self):
        for line in self:
            if line.counted_qty < 0:
                raise ValidationError(
                    self.env._(
                        "The counted quantity of %(product)s cannot be negative.",
                        product=line.product_id.display_name,
                    )
                )

    @api.constrains("location_id", "session_id")
    def _check_location_in_session(self):
        for line in self:
            session_location = line.session_id.location_id
            if line.location_id and not line.location_id._child_of(session_location):
                raise ValidationError(
                    self.env._(
                        "%(location)s is outside the counted location %(session_location)s.",
                        location=line.location_id.display_name,
                        session_location=session_location.display_name,
                    )
                )

    @api.onchange("counted_qty")
    def _onchange_counted_qty(self):
        self.is_counted = True

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, LINE_OWNED_FIELDS)
        for vals in vals_list:
            if "counted_qty" in vals and "is_counted" not in vals:
                vals["is_counted"] = True
            if not vals.get("snapshot_date"):
                vals["snapshot_date"] = fields.Datetime.now()
        lines = super().create(vals_list)
        lines.filtered(
            lambda line: line.state in ("to_approve", "done", "cancelled")
        )._raise_locked()
        return lines

    @api.constrains("session_id", "product_id", "location_id", "lot_id", "package_id")
    def _check_one_line_per_stock(self):
        """Each stock (product, location, lot, package) is counted on one
        line of a session: a second line would apply a second, unchecked
        count of the same quant."""
        duplicates = self._read_group(
            [("session_id", "in", self.session_id.ids)],
            ["session_id", "product_id", "location_id", "lot_id", "package_id"],
            having=[("__count", ">", 1)],
        )
        if duplicates:
            _session, product, location, _lot, _package = duplicates[0]
            raise ValidationError(
                self.env._(
                    "%(product)s in %(location)s is already on a line of this count: enter "
                    "what you counted there.",
                    product=product.display_name,
                    location=location.display_name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_decided(self):
        if self.filtered(lambda line: line.state in ("to_approve", "done")):
            raise UserError(
                self.env._("Lines of a count waiting for approval or applied cannot be deleted.")
            )

    def write(self, vals):
        check_protected_write(self, vals, LINE_OWNED_FIELDS)
        if "session_id" in vals:
            raise UserError(self.env._("A count line stays in the count it was created in."))
        if "counted_qty" in vals and "is_counted" not in vals:
            vals = dict(vals, is_counted=True)
        if set(vals) & {"counted_qty", "is_counted", "product_id", "lot_id", "location_id"}:
            self.filtered(
                lambda line: line.state in ("to_approve", "done", "cancelled")
            )._raise_locked()
        return super().write(vals)

    def _raise_locked(self):
        if self:
            raise UserError(
                self.env._(
                    "%(session)s is no longer being counted: its lines cannot change.",
                    session=self[0].session_id.name,
                )
            )

    def _exceeds_threshold(self):
        """True when one of the lines' variance exceeds its company's value or
        percent approval threshold (a threshold of 0 is off)."""
        for line in self:
            company = line.session_id.company_id
            if line.product_uom_id.is_zero(line.difference_qty):
                continue
            if company.count_approval_value and abs(line.difference_value) > (
                company.count_approval_value
            ):
                return True
            if company.count_approval_percent and abs(line.difference_percent) > (
                company.count_approval_percent
            ):
                return True
        return False

    def _get_quant_create_values(self):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "location_id": self.location_id.id,
            "lot_id": self.lot_id.id,
            "inventory_quantity": self.counted_qty,
        }

    def action_recount(self):
        """Take a new snapshot of the lines' book quantities and count again."""
        for line in self:
            if line.state != "in_progress":
                raise UserError(
                    self.env._("Only lines of a session being counted can be recounted.")
                )
        now = fields.Datetime.now()
        for line in self:
            if line.quant_id.exists():
                book = line.quant_id.quantity
            else:
                book = sum(
                    self.env["stock.quant"]
                    .search(
                        [
                            ("product_id", "=", line.product_id.id),
                            ("location_id", "=", line.location_id.id),
                            ("lot_id", "=", line.lot_id.id),
                        ]
                    )
                    .mapped("quantity")
                )
            # A new snapshot of the book quantity, taken here and nowhere else.
            write_protected(
                line,
                {
                    "theoretical_qty": book,
                    "snapshot_date": now,
                    "needs_recount": False,
                    "is_counted": False,
                    "counted_qty": 0.0,
                },
            )
        return True

    def action_set_counted_to_book(self):
        """Counter confirms the book quantity (never in blind counts)."""
        for line in self:
            if line.blind:
                raise UserError(self.env._("In a blind count, enter what you counted."))
        for line in self:
            line.write({"counted_qty": line.theoretical_qty, "is_counted": True})
        return True
