from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command

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

    @api.model
    def _demo_create_repair_returns(self, partner_id, product_id, part_id, reason_id):
        """Demo data only: two repair returns of ``product_id`` (made
        repairable) by ``partner_id``, one delivered a month ago (repaired
        under warranty) and one fourteen months ago (its quotation for one
        ``part_id`` sent to the customer), each from an order confirmed,
        shipped, returned, approved and received by its own methods. Called
        once, at install. Private: no client can call it."""
        now = fields.Datetime.now()
        product = self.env["product.product"].browse(product_id)
        product.is_repairable = True
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(product, warehouse.lot_stock_id, 2)
        part = self.env["product.product"].browse(part_id)
        Quant._update_available_quantity(part, warehouse.lot_stock_id, 10)
        returns = self.browse()
        stories = [
            ("PO-2024-150", relativedelta(days=33), "The desk no longer goes up."),
            ("PO-2023-087", relativedelta(months=14), "Our older desk stopped moving as well."),
        ]
        for reference, age, note in stories:
            order = self.env["sale.order"].create(
                {
                    "partner_id": partner_id,
                    "client_order_ref": reference,
                    "warehouse_id": warehouse.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": 1, "price_unit": 900}
                        )
                    ],
                }
            )
            order.action_confirm()
            delivery = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
            delivery.action_assign()
            delivery.move_ids.write({"quantity": 1, "picked": True})
            delivery.with_context(skip_sms=True).button_validate()
            order._demo_backdate(
                {"confirmed": now - age - relativedelta(days=2), "shipped": now - age}
            )
            returns |= self.create(
                {
                    "order_id": order.id,
                    "note": note,
                    "line_ids": [
                        Command.create(
                            {
                                "sale_line_id": order.order_line.id,
                                "quantity": 1,
                                "reason_id": reason_id,
                                "resolution": "repair",
                            }
                        )
                    ],
                }
            )
        returns.action_submit()
        returns.action_approve()
        returns.with_context(skip_sms=True).action_receive()
        returns._demo_quote_repairs(part_id)
        return True
