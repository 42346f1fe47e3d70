from odoo import fields, models

from ..tools import check_protected_write


class StockMove(models.Model):
    _inherit = "stock.move"

    customer_return_line_id = fields.Many2one(
        "customer.return.line",
        index="btree_not_null",
        # Kept on the moves split into a backorder of the return receipt.
        copy=True,
    )

    def write(self, vals):
        # Which return line a move receives or ships is the return's to say:
        # a refund is made of these moves.
        check_protected_write(self, vals, {"customer_return_line_id"})
        return super().write(vals)

    def _get_repair_owner(self):
        """The customer who owns the item ``self`` (one move) receives for
        repair or ships back from repair: the return's customer, the repair's
        partner (Odoo's repair moves the repaired item under that owner).
        Empty for any other move."""
        self.ensure_one()
        line = self.customer_return_line_id
        if line.resolution != "repair":
            return self.env["res.partner"]
        return line.sudo().return_id.partner_id

    def _action_done(self, cancel_backorder=False):
        # The item received for repair stays the customer's: an owned quant,
        # out of the company's valuation, that no other delivery reserves
        # (see stock.quant._gather); whatever the receipt's lines say.
        for move in self.filtered(
            lambda m: m.customer_return_line_id and m.location_id.usage == "customer"
        ):
            owner = move._get_repair_owner()
            if not owner:
                continue
            if move.restrict_partner_id != owner:
                move.restrict_partner_id = owner
            lines = move.move_line_ids.filtered(lambda ml, o=owner: ml.owner_id != o)
            if lines:
                lines.owner_id = owner
                # Valued as the company's while the lines had no owner.
                move.value = 0.0
        return super()._action_done(cancel_backorder=cancel_backorder)

    def _prepare_move_line_vals(self, quantity=None, reserved_quant=None):
        vals = super()._prepare_move_line_vals(quantity=quantity, reserved_quant=reserved_quant)
        # The lines receiving an item for repair are the customer's from the
        # start (never valued as the company's).
        if (
            not reserved_quant
            and self.restrict_partner_id
            and self.location_id.usage == "customer"
            and self._get_repair_owner() == self.restrict_partner_id
        ):
            vals["owner_id"] = self.restrict_partner_id.id
        return vals

    def _update_reserved_quantity(
        self, need, location_id, lot_id=None, package_id=None, owner_id=None, strict=True
    ):
        # The ship-back of a repaired item takes exactly the customer's item:
        # its owner and the repair's lot.
        if not owner_id and self.restrict_partner_id and self.customer_return_line_id:
            owner = self._get_repair_owner()
            if owner == self.restrict_partner_id:
                owner_id = owner
                repair = self.customer_return_line_id.sudo().repair_ids[:1]
                lot_id = lot_id or repair.lot_id or None
        return super()._update_reserved_quantity(
            need,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )

    def _assign_picking(self):
        result = super()._assign_picking()
        # Each step of a replacement's route lands in its return.
        replacement = self.filtered(
            lambda m: m.customer_return_line_id and m.picking_id.picking_type_code != "incoming"
        )
        for ret, moves in replacement.grouped(
            lambda m: m.customer_return_line_id.return_id
        ).items():
            ret._link_replacement_pickings(moves.picking_id)
        return result
