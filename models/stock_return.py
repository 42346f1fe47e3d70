from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    customer_return_line_id = fields.Many2one(
        "customer.return.line", string="Customer Return Line", index="btree_not_null", copy=False
    )


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    customer_return_id = fields.Many2one(
        "customer.return", string="Customer Return", index="btree_not_null", copy=False
    )
