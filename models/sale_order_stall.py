from odoo import api, fields, models
from odoo.fields import Domain


class SaleOrder(models.Model):
    _inherit = "sale.order"

    has_stalled_shipment = fields.Boolean(
        string="Stalled Shipment",
        compute="_compute_has_stalled_shipment",
        search="_search_has_stalled_shipment",
        help="A delivery of this order is on its way but no tracking news came for the "
        "company's stall period.",
    )

    @api.depends("picking_ids.is_stalled")
    def _compute_has_stalled_shipment(self):
        for order in self:
            order.has_stalled_shipment = any(order.picking_ids.mapped("is_stalled"))

    def _search_has_stalled_shipment(self, operator, value):
        if operator != "in":
            return NotImplemented
        stalled = Domain("picking_ids", "any", [("is_stalled", "=", True)])
        return stalled if True in value else ~stalled
