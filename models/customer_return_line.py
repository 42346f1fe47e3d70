import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .customer_return import (
    MAX_QUANTITY,
    OPEN_RETURN_STATES,
    RETURN_LINE_REQUEST_FIELDS,
)


class CustomerReturnLine(models.Model):
    _name = "customer.return.line"
    _description = "Customer Return Line"
    _order = "return_id, id"

    return_id = fields.Many2one("customer.return", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="return_id.company_id", store=True)
    state = fields.Selection(related="return_id.state")
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        index=True,
        domain="[('order_id', '=', parent.order_id), ('display_type', '=', False)]",
    )
    product_id = fields.Many2one(
        "product.product", related="sale_line_id.product_id", store=True, string="Product"
    )
    product_uom_id = fields.Many2one(related="sale_line_id.product_uom_id", string="Unit")
    quantity = fields.Float(digits="Product Unit", required=True, default=1.0)
    reason_id = fields.Many2one("customer.return.reason", required=True)
    resolution = fields.Selection(
        [("refund", "Refund"), ("exchange", "Exchange")], required=True, default="refund"
    )
    disposition = fields.Selection(
        [("restock", "Restock"), ("scrap", "Scrap")],
        required=True,
        default="restock",
        help="What the warehouse does with the goods once received.",
    )
    delivered_qty = fields.Float(
        related="sale_line_id.qty_delivered", string="Delivered", digits="Product Unit"
    )
    returnable_qty = fields.Float(
        string="Returnable",
        digits="Product Unit",
        compute="_compute_returnable_qty",
        help="Delivered quantity less what other pending returns already ask for.",
    )
    move_ids = fields.One2many("stock.move", "customer_return_line_id", string="Stock Moves")
    received_qty = fields.Float(
        string="Received", digits="Product Unit", compute="_compute_received_qty"
    )

    _sale_line_unique = models.Constraint(
        "UNIQUE(return_id, sale_line_id)", "A return lists each order line once."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_quantity_value(vals)
        lines = super().create(vals_list)
        lines.return_id._check_request_editable()
        return lines

    def write(self, vals):
        self._check_quantity_value(vals)
        if "return_id" in vals:
            raise UserError(self.env._("A return line stays in the return it was created in."))
        if RETURN_LINE_REQUEST_FIELDS & vals.keys():
            self.return_id._check_request_editable()
        if "disposition" in vals:
            closed = self.return_id.filtered(lambda ret: ret.state not in OPEN_RETURN_STATES[:3])
            if closed:
                raise UserError(
                    self.env._(
                        "Return %s is closed or received: what happens to its goods is decided.",
                        closed[0].name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self.return_id.filtered(lambda ret: ret.state != "cancelled")._check_request_editable()

    @api.depends("sale_line_id.qty_delivered", "quantity")
    def _compute_returnable_qty(self):
        reserved = self.sale_line_id._get_pending_return_qty(exclude=self.return_id._origin)
        for line in self:
            line.returnable_qty = line.sale_line_id.qty_delivered - reserved.get(
                line.sale_line_id.id, 0.0
            )

    @api.depends("move_ids.state", "move_ids.quantity")
    def _compute_received_qty(self):
        for line in self:
            received = sum(
                move.product_uom._compute_quantity(move.quantity, line.product_uom_id)
                for move in line.move_ids
                if move.state == "done"
                and move.picking_code == "incoming"
                and move.picking_id.customer_return_id == line.return_id
            )
            # What comes back is refunded or replaced up to what was approved.
            line.received_qty = min(received, line.quantity)

    def _check_quantity_value(self, vals):
        """Refuse a quantity no rounding can take (infinite, not a number,
        astronomically large) before it reaches the column."""
        qty = vals.get("quantity")
        if isinstance(qty, int | float) and not (math.isfinite(qty) and abs(qty) <= MAX_QUANTITY):
            raise ValidationError(self.env._("Enter a real quantity to return."))

    @api.constrains("sale_line_id", "return_id", "quantity")
    def _check_line(self):
        for line in self:
            if line.sale_line_id.order_id != line.return_id.order_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s is not part of order %(order)s.",
                        product=line.sale_line_id.display_name,
                        order=line.return_id.order_id.name,
                    )
                )
            if not line.product_id.is_returnable:
                raise ValidationError(
                    self.env._("%s cannot be returned.", line.product_id.display_name)
                )
            if line.product_uom_id.compare(line.quantity, 0.0) <= 0:
                raise ValidationError(
                    self.env._(
                        "The quantity of %s to return must be positive.",
                        line.product_id.display_name,
                    )
                )
        self.filtered(lambda ln: ln.state in ("draft", "submitted"))._check_returnable_qty()

    def _check_returnable_qty(self):
        for line in self:
            if line.product_uom_id.compare(line.quantity, line.returnable_qty) > 0:
                raise ValidationError(
                    self.env._(
                        "You can return at most %(qty)s %(uom)s of %(product)s "
                        "(delivered, less other pending returns).",
                        qty=max(line.returnable_qty, 0.0),
                        uom=line.product_uom_id.name,
                        product=line.product_id.display_name,
                    )
                )

    def _prepare_replacement_procurement_values(self, reference):
        """Hook: the procurement values of the replacement of ``self`` (one
        exchanged line), those of its order line, shipped now and kept under
        the return's ``reference``. Called by ``_create_replacement``."""
        self.ensure_one()
        now = fields.Datetime.now()
        return dict(
            self.sale_line_id.sudo()._prepare_procurement_values(),
            reference_ids=reference,
            date_planned=now,
            date_deadline=now,
            customer_return_line_id=self.id,
        )

    def _get_replacement_moves(self):
        """The moves shipping the replacements of ``self`` to the customer,
        every step of the warehouse's route (not the moves of the receipt)."""
        return self.move_ids.filtered(
            lambda m: "customer" in (m.location_dest_id.usage, m.location_final_id.usage)
        )

    def _allocate_origin_moves(self):
        """Spread each line's quantity over the delivered moves of its order
        line, newest first, net of what was already returned from them.

        Returns a list of ``(origin move, return line, quantity)``."""
        allocations = []
        for line in self:
            remaining = line.quantity
            moves = line.sale_line_id.move_ids.filtered(
                lambda m: (
                    m.state == "done"
                    and m.picking_code == "outgoing"
                    and not m.origin_returned_move_id
                )
            ).sorted("date", reverse=True)
            for move in moves:
                if line.product_uom_id.compare(remaining, 0) <= 0:
                    break
                returned = sum(m.quantity for m in move.returned_move_ids if m.state != "cancel")
                available = move.product_uom._compute_quantity(
                    move.quantity - returned, line.product_uom_id
                )
                qty = min(available, remaining)
                if line.product_uom_id.compare(qty, 0) > 0:
                    allocations.append(
                        (move, line, line.product_uom_id._compute_quantity(qty, move.product_uom))
                    )
                    remaining -= qty
        return allocations
