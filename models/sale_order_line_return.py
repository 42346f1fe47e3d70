from odoo import models
from odoo.fields import Domain

from .customer_return import PENDING_RETURN_STATES


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _get_pending_return_qty(self, exclude=None):
        """Quantities asked by pending returns, per order line id, in one
        grouped query."""
        if not self.ids:
            return {}
        domain = Domain("sale_line_id", "in", self.ids) & Domain(
            "return_id.state", "in", PENDING_RETURN_STATES
        )
        if exclude:
            domain &= Domain("return_id", "not in", exclude.ids)
        return {
            sale_line.id: qty
            for sale_line, qty in self.env["customer.return.line"]
            .sudo()
            ._read_group(domain, ["sale_line_id"], ["quantity:sum"])
        }

    def _get_returnable_qty(self):
        """Per order line id: what the customer can still ask to return."""
        pending = self._get_pending_return_qty()
        return {
            line.id: max(line.qty_delivered - pending.get(line.id, 0.0), 0.0)
            for line in self
            if line.product_id.is_returnable and not line.display_type
        }
