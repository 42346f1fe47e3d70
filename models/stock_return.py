from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    customer_return_line_id = fields.Many2one(
        "customer.return.line",
        index="btree_not_null",
        # Kept on the moves split into a backorder of the return receipt.
        copy=True,
    )


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    customer_return_id = fields.Many2one("customer.return", index="btree_not_null", copy=False)
