from odoo import models

from ..tools import write_protected


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _demo_backdate_shipment(self, date):
        """Demo data only: the validated deliveries ``self`` left the
        warehouse on ``date`` (validation, moves, shipping date and the
        first tracking event); see ``sale.order._demo_backdate``."""
        write_protected(self.with_context(tracking_disable=True), {"shipped_date": date})
        self.with_context(tracking_disable=True).write({"date_done": date})
        self.move_ids.filtered(lambda m: m.state == "done").write({"date": date})
        self.move_line_ids.write({"date": date})
        shipped_events = self.tracking_event_ids.filtered(lambda e: e.status == "shipped")
        shipped_events.write({"event_date": date})
