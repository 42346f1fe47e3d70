from odoo import models


class StockRule(models.Model):
    _inherit = "stock.rule"

    def _get_custom_move_fields(self):
        # A replacement's delivery move remembers the return line it ships.
        return [*super()._get_custom_move_fields(), "customer_return_line_id"]
