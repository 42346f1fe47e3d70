from odoo import api, models

from ..tools import changed_records

# Changing one of these after approval invalidates the approval.
MATERIAL_LINE_FIELDS = {
    "order_id",
    "product_id",
    "product_uom_qty",
    "product_uom_id",
    "price_unit",
    "discount",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._reset_review()
        return lines

    def write(self, vals):
        orders = changed_records(self, vals, MATERIAL_LINE_FIELDS).order_id
        if vals.get("order_id"):
            # A line moved between orders changes both.
            orders |= orders.browse(vals["order_id"])
        to_reset = orders._filter_review_resettable()
        result = super().write(vals)
        to_reset._reset_review()
        return result

    def unlink(self):
        to_reset = self.order_id._filter_review_resettable()
        result = super().unlink()
        to_reset._reset_review()
        return result
