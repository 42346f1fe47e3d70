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
