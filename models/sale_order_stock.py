from odoo import fields, models
from odoo.fields import Domain


class SaleOrder(models.Model):
    _inherit = "sale.order"

    stock_at_risk = fields.Boolean(
        string="Stock at Risk",
        compute="_compute_stock_at_risk",
        search="_search_stock_at_risk",
        help="The order waits for stock: an open stock-shortage issue in its review, or a "
        "delivery that is not ready because goods are missing in its warehouse.",
    )

    def _stock_at_risk_domain(self):
        return Domain.OR(
            [
                Domain(
                    "review_issue_ids",
                    "any",
                    [("state", "=", "open"), ("rule_id.check_type", "=", "stock_shortage")],
                )
                & Domain("state", "in", ("draft", "sent")),
                Domain(
                    "picking_ids",
                    "any",
                    [
                        ("picking_type_code", "=", "outgoing"),
                        ("state", "in", ("confirmed", "waiting")),
                    ],
                )
                & Domain("state", "=", "sale"),
            ]
        )

    def _compute_stock_at_risk(self):
        stored = self.filtered("id")
        at_risk = (
            self.search(Domain("id", "in", stored.ids) & self._stock_at_risk_domain())
            if stored
            else self.browse()
        )
        for order in self:
            order.stock_at_risk = order in at_risk

    def _search_stock_at_risk(self, operator, value):
        if operator != "in":
            return NotImplemented
        domain = self._stock_at_risk_domain()
        return domain if True in value else ~domain
