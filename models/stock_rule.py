from odoo import models


class StockRule(models.Model):
    _inherit = "stock.rule"

    def _get_custom_move_fields(self):
        # A replacement's delivery move remembers the return line it ships.
        # A repaired item's ship-back is restricted to its owner, the customer.
        return [
            *super()._get_custom_move_fields(),
            "customer_return_line_id",
            "restrict_partner_id",
        ]

    def _push_prepare_move_copy_values(self, move_to_copy, new_date):
        values = super()._push_prepare_move_copy_values(move_to_copy, new_date)
        if move_to_copy.customer_return_line_id and move_to_copy.picking_code == "incoming":
            # The put-away of returned goods (input to stock) moves them inside
            # the warehouse: it receives nothing of the return and ships no
            # replacement (see stock.move._assign_picking).
            values["customer_return_line_id"] = False
        return values
