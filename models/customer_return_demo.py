from odoo import fields, models

from ..tools import write_protected
from .sale_order_demo import demo_backdate_messages

# The steps of a return's story and the date each one sets.
DEMO_RETURN_STEPS = {
    "requested": "request_date",
    "decided": "decision_date",
    "received": "received_date",
    "done": "done_date",
}


class CustomerReturn(models.Model):
    _inherit = "customer.return"

    def _demo_backdate(self, dates):
        """Demo data only (``demo/*.xml``): the returns went through their
        steps at install, by their own methods; move the dates of those
        steps into the past (``dates``: ``{step: datetime}``, steps
        ``requested``, ``decided``, ``received`` (with the receipt's
        validation) and ``done``). Called after each step, it dates the
        messages that step posted on the returns, their receipts and
        orders. Private: no client can call it."""
        to_datetime = fields.Datetime.to_datetime
        dates = {step: to_datetime(value) for step, value in dates.items()}
        write_protected(self, {DEMO_RETURN_STEPS[step]: date for step, date in dates.items()})
        if "received" in dates:
            receipts = self.return_picking_id.filtered(lambda p: p.state == "done")
            receipts.write({"date_done": dates["received"]})
            receipts.move_ids.write({"date": dates["received"]})
            receipts.move_line_ids.write({"date": dates["received"]})
        latest = max(dates.values())
        for records in (self, self.return_picking_id, self.order_id):
            demo_backdate_messages(records, latest)
        return True

    def _demo_quote_repairs(self, part_id):
        """Demo data only: the workshop adds one ``part_id`` to each repair
        of ``self`` waiting for a quotation and sends the quotation to the
        customer. Private: no client can call it."""
        repairs = self.repair_ids.filtered(
            lambda r: r.state == "draft" and r._is_awaiting_quotation_acceptance()
        )
        self.env["stock.move"].create(
            [
                {
                    "repair_id": repair.id,
                    "repair_line_type": "add",
                    "product_id": part_id,
                    "product_uom_qty": 1.0,
                }
                for repair in repairs
            ]
        )
        repairs.action_send_return_quotation()
        return True
