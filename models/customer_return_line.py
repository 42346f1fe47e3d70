import math

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import protected_write
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
        [("refund", "Refund"), ("exchange", "Exchange"), ("repair", "Repair")],
        required=True,
        default="refund",
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
    repair_ids = fields.One2many(
        "repair.order",
        "customer_return_line_id",
        string="Repairs",
        groups="stock.group_stock_user",
    )
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

    @api.constrains("sale_line_id", "return_id", "quantity", "resolution")
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
            if line.resolution == "repair" and not line.product_id.is_repairable:
                raise ValidationError(
                    self.env._(
                        "%s cannot be sent in for repair: choose a refund or an exchange.",
                        line.product_id.display_name,
                    )
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

    def _create_repairs(self):
        """Send the received items of the repair lines of ``self`` to the
        workshop: one Odoo repair order per line, under warranty or quoted
        (see ``repair.order._on_return_repairs_created``). Called when the
        return receipt is done; a line gets its repair once."""
        lines = self.filtered(
            lambda ln: ln.resolution == "repair" and ln.received_qty and not ln.sudo().repair_ids
        )
        if not lines:
            return self.env["repair.order"]
        vals_list = [line._prepare_repair_vals() for line in lines]
        # sudo: the receipt's validator sends the goods to repair without
        # needing repair or sales rights.
        with protected_write(self.env["repair.order"]) as Repair:
            repairs = Repair.create(vals_list)
        repairs._on_return_repairs_created()
        return repairs

    def _prepare_repair_vals(self):
        """Hook: the values of the repair of ``self`` (one received repair
        line): the received item (product, lot, quantity) of the customer,
        from the return receipt, in the receiving warehouse's repair
        operation type. Called by ``_create_repairs``."""
        self.ensure_one()
        ret = self.return_id
        received = self.move_ids.filtered(
            lambda m: (
                m.state == "done"
                and m.picking_code == "incoming"
                and m.picking_id.customer_return_id == ret
            )
        )
        receipt = received.picking_id[:1] or ret.return_picking_id
        warehouse = receipt.picking_type_id.warehouse_id or ret.order_id.warehouse_id
        under_warranty = self._is_under_warranty(received)
        vals = {
            "product_id": self.product_id.id,
            "product_qty": self.received_qty,
            "product_uom": self.product_uom_id.id,
            "lot_id": received.move_line_ids.lot_id[:1].id,
            "partner_id": ret.partner_id.id,
            "company_id": ret.company_id.id,
            "picking_id": receipt.id,
            "under_warranty": under_warranty,
            # Under warranty the repair belongs to the order it is covered
            # by; otherwise its sale order is the quotation made for it.
            "sale_order_id": ret.order_id.id if under_warranty else False,
            "customer_return_line_id": self.id,
            "return_received_date": fields.Datetime.now(),
            "user_id": False,
            "internal_notes": ret.note or False,
        }
        if warehouse.repair_type_id:
            vals["picking_type_id"] = warehouse.repair_type_id.id
        return vals

    def _is_under_warranty(self, received_moves):
        """Whether the item of ``self`` (one line) was delivered within its
        warranty period (the product's, else the company's), counted from
        the delivery it came back from."""
        self.ensure_one()
        months = (
            self.product_id.product_tmpl_id.repair_warranty_months
            or self.return_id.company_id.repair_warranty_months
        )
        delivered = max(
            received_moves.origin_returned_move_id.mapped("date"),
            default=self.return_id.delivery_date,
        )
        if not months or not delivered:
            return False
        return delivered + relativedelta(months=months) >= fields.Datetime.now()

    def _is_resolution_complete(self):
        """Hook: whether what ``self`` (one received line) asks for is
        complete: a replacement or a repaired item shipped to the customer
        (every step of its route done), a refund once received. Called by
        ``customer.return._mark_done_if_complete``."""
        self.ensure_one()
        moves = self._get_replacement_moves()
        if self.resolution == "repair" and self.received_qty and not moves:
            return False
        return all(move.state in ("done", "cancel") for move in moves)

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
