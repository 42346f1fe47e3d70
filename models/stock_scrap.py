from odoo import fields, models


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    customer_return_id = fields.Many2one("customer.return", index="btree_not_null", copy=False)
