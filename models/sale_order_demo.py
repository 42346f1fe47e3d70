from datetime import timedelta

from odoo import fields, models

from ..tools import write_protected

# Days between a demo order's confirmation and the delivery promised.
DEMO_PROMISE_DAYS = 3

# The steps of an order's story and the date each one sets.
DEMO_ORDER_STEPS = {
    "received": "received_date",
    "submitted": "review_date",
    "decided": "review_decision_date",
    "confirmed": "date_order",
}


def demo_backdate_messages(records, date):
    """Demo data only: the messages posted on ``records`` by the steps just
    run (dated after ``date``) are dated ``date``, so that the chatter tells
    the same story as the documents."""
    # sudo: messages are dated by the demo loader, whoever its steps ran as.
    messages = (
        records.env["mail.message"]
        .sudo()
        .search([("model", "=", records._name), ("res_id", "in", records.ids), ("date", ">", date)])
    )
    messages.write({"date": date})


def _demo_backdate_shipment(deliveries, date):
    """Demo data only: the validated ``deliveries`` left the warehouse on
    ``date`` (validation, moves, shipping date, first tracking event)."""
    deliveries = deliveries.with_context(tracking_disable=True)
    write_protected(deliveries, {"shipped_date": date})
    deliveries.write({"scheduled_date": date, "date_done": date})
    deliveries.move_ids.filtered(lambda m: m.state == "done").write({"date": date})
    deliveries.move_line_ids.write({"date": date})
    shipped_events = deliveries.tracking_event_ids.filtered(lambda e: e.status == "shipped")
    shipped_events.write({"event_date": date})


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _demo_backdate(self, dates):
        """Demo data only (``demo/*.xml``): the orders went through their
        steps at install, by their own methods; move the dates of those
        steps into the past, so that the demo tells a story in time.

        ``dates``: ``{step: datetime}`` with steps ``received``,
        ``submitted``, ``decided`` (the review's decision and its issues'),
        ``confirmed`` (a quotation's order date: ``received``) and
        ``shipped`` (the validated deliveries: validation, shipping, first
        tracking event); ``delivered`` dates the messages only (the carrier's
        event dates the delivery). Called after each step, it dates the
        messages that step posted on the orders and their deliveries. Each
        order's stage is then dated by its latest step. Private: no client
        can call it."""
        to_datetime = fields.Datetime.to_datetime
        dates = {step: to_datetime(value) for step, value in dates.items()}
        vals = {
            DEMO_ORDER_STEPS[step]: date for step, date in dates.items() if step in DEMO_ORDER_STEPS
        }
        # The received date is tracked: a demo's past is no change to log.
        orders = self.with_context(tracking_disable=True)
        if vals:
            write_protected(orders, vals)
        if "confirmed" in dates:
            # The customer was promised delivery within three days.
            orders.filtered(lambda o: not o.commitment_date).commitment_date = dates[
                "confirmed"
            ] + timedelta(days=DEMO_PROMISE_DAYS)
        if "received" in dates and "confirmed" not in dates:
            # A quotation's order date is the day it came in.
            orders.filtered(lambda o: o.state in ("draft", "sent")).date_order = dates["received"]
        if "decided" in dates:
            issues = self.review_issue_ids.filtered(lambda i: i.state != "open")
            write_protected(issues, {"decided_date": dates["decided"]})
        if "shipped" in dates:
            deliveries = self._get_demo_deliveries().filtered(lambda p: p.state == "done")
            _demo_backdate_shipment(deliveries, dates["shipped"])
        if dates:
            latest = max(dates.values())
            demo_backdate_messages(self, latest)
            demo_backdate_messages(self._get_demo_deliveries(), latest)
        for order in orders:
            deliveries = order._get_demo_deliveries()
            steps = [
                order.received_date,
                order.review_date,
                order.review_decision_date,
                order.state == "sale" and order.date_order,
                *deliveries.mapped("shipped_date"),
                *deliveries.mapped("delivered_date"),
            ]
            order.lifecycle_stage_date = max(date for date in steps if date)
        return True

    def _get_demo_deliveries(self):
        return self.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and not p.customer_return_id
        )
