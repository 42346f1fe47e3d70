from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    tracking_subscription_ids = fields.One2many(
        "customer.order.tracking.subscription",
        "picking_id",
        string="Tracking Registrations",
        readonly=True,
    )

    def write(self, vals):
        result = super().write(vals)
        if "carrier_tracking_ref" in vals or "carrier_id" in vals:
            # A tracking reference given after validation is registered too.
            self.env["customer.order.tracking.subscription"]._enqueue(self)
        return result

    def _mark_shipped(self):
        result = super()._mark_shipped()
        # Queued only: the provider is called by the queue's cron, so that
        # its outage never blocks the validation.
        self.env["customer.order.tracking.subscription"]._enqueue(self)
        return result
