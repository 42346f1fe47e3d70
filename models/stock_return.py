from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    customer_return_line_id = fields.Many2one(
        "customer.return.line", index="btree_not_null", copy=False
    )


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    customer_return_id = fields.Many2one("customer.return", index="btree_not_null", copy=False)
