"""A warehouse that picks, packs and ships, and receives in two steps.

What the customer sees (the order's stage, the delivered quantities, the
shipment and its tracking, a return's completion) follows the last step,
the transfer to the customer; the internal steps before it change none of
it."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestMultiStepWarehouse(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_multi_step_warehouse()
        cls.wh = cls.multi_step_warehouse
        cls.env.company.return_window_days = 30
        cls.carrier = cls._create_carrier(
            "Three Step Freight", "https://track.example.com/?ref=<shipmenttrackingnumber>"
        )
        cls._set_stock(cls.storable, 100, cls.wh.lot_stock_id)
        cls.template_shipped = cls.env.ref(
            "customer_order_management.mail_template_shipment_shipped"
        )

    def _order(self, qty=10, **vals):
        order = self._create_order(
            qty=qty,
            warehouse_id=self.wh.id,
            carrier_id=self.carrier.id,
            user_id=self.salesman.id,
            **vals,
        )
        order.action_confirm()
        return order

    def _open(self, picking_type, order=None, ret=None):
        """The open transfer of ``picking_type`` of ``order`` (or of the
        return ``ret``); the next steps only exist once the previous one is
        done."""
        domain = [("customer_return_id", "=", ret.id)] if ret else [("sale_id", "=", order.id)]
        picking = self.env["stock.picking"].search(
            [
                *domain,
                ("picking_type_id", "=", picking_type.id),
                ("state", "not in", ("done", "cancel")),
            ]
        )
        self.assertEqual(len(picking), 1, f"one open {picking_type.name} transfer")
        return picking

    def _shipped_mails(self, picking):
        return self._customer_mails(picking, self.template_shipped)

    def _analysis_row(self, order):
        self.env.flush_all()
        # A SQL view: what was read before is stale.
        self.env["customer.order.analysis"].invalidate_model()
        return self.env["customer.order.analysis"].search([("order_id", "=", order.id)])

    def test_the_stage_follows_the_delivery_to_the_customer(self):
        order = self._order(qty=10, commitment_date=fields.Datetime.now())
        self.assertEqual(order.lifecycle_stage, "confirmed")
        self.assertEqual(
            order.picking_ids.picking_type_id, self.wh.pick_type_id, "picking comes first"
        )
        for step in (self.wh.pick_type_id, self.wh.pack_type_id):
            with self.subTest(step=step.name):
                self._validate(self._open(step, order))
                self.assertEqual(order.lifecycle_stage, "confirmed", "not shipped yet")
                self.assertEqual(order.order_line.qty_delivered, 0)
                self.assertFalse(self._analysis_row(order).delivered_date)
        self._validate(self._open(self.wh.out_type_id, order), {self.storable: 4})
        self.assertEqual(order.lifecycle_stage, "partially_shipped")
        self.assertEqual(order.order_line.qty_delivered, 4)
        self.assertFalse(self._analysis_row(order).delivered_date, "not fully shipped")
        self._validate(self._open(self.wh.out_type_id, order))
        self.assertEqual(order.lifecycle_stage, "shipped")
        self.assertEqual(order.order_line.qty_delivered, 10)
        self.assertTrue(self._analysis_row(order).delivered_date)

    def test_a_late_order_stays_late_until_it_ships(self):
        order = self._order(qty=2, commitment_date=fields.Datetime.now() + timedelta(days=1))
        order.commitment_date = fields.Datetime.now() - timedelta(days=2)
        self.assertTrue(order.is_late)
        self._validate(self._open(self.wh.pick_type_id, order))
        self._validate(self._open(self.wh.pack_type_id, order))
        self.assertTrue(order.is_late, "packed is not shipped")
        self._validate(self._open(self.wh.out_type_id, order))
        self.assertFalse(order.is_late)

    def test_the_shipment_is_tracked_on_the_ship_step(self):
        order = self._order(qty=5)
        # Odoo gives the order's carrier to every step of the route.
        self.assertEqual(order.picking_ids.carrier_id, self.carrier)
        pick = self._validate(self._open(self.wh.pick_type_id, order))
        pack = self._validate(self._open(self.wh.pack_type_id, order))
        for picking in pick | pack:
            with self.subTest(step=picking.picking_type_id.name):
                self.assertRecordValues(
                    picking, [{"state": "done", "shipment_state": False, "shipped_date": False}]
                )
                self.assertFalse(picking.tracking_event_ids)
                self.assertFalse(self._shipped_mails(picking), "nothing left the warehouse")
        with self.assertRaises(ValidationError):
            self.env["stock.picking.tracking.event"].create(
                {"picking_id": pick.id, "status": "in_transit"}
            )
        out = self._open(self.wh.out_type_id, order)
        self.assertEqual(out.shipment_state, "pending")
        out.carrier_tracking_ref = "3S-1"
        self._validate(out)
        self.assertRecordValues(out, [{"shipment_state": "shipped"}])
        self.assertTrue(out.shipped_date)
        self.assertEqual(out.tracking_event_ids.status, "shipped")
        self.assertEqual(len(self._shipped_mails(out)), 1)
        self.assertIn("3S-1", self._shipped_mails(out).body)
        # The carrier's events land on the delivery to the customer, even
        # when an internal step carries the same reference.
        pick.carrier_tracking_ref = "3S-1"
        event, created = self.carrier._process_tracking_payload(
            {
                "tracking_ref": "3S-1",
                "status": "in_transit",
                "event_time": fields.Datetime.now().isoformat(),
            }
        )
        self.assertTrue(created)
        self.assertEqual(event.picking_id, out)
        self.assertEqual(out.shipment_state, "in_transit")
        self.assertFalse(pick.tracking_event_ids)

    def test_an_exchange_is_done_when_the_replacement_reaches_the_customer(self):
        order = self._order(qty=3)
        self._ship_all(order)
        self.assertEqual(order.lifecycle_stage, "shipped")
        ret = self._create_return(order, qty=1, resolution="exchange")
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        # Two-step reception: the goods come back to the input location first.
        self.assertRecordValues(
            ret.return_picking_id,
            [
                {
                    "picking_type_id": self.wh.in_type_id.id,
                    "location_dest_id": self.wh.wh_input_stock_loc_id.id,
                }
            ],
        )
        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.received_qty, 1)
        self.assertEqual(order.order_line.qty_delivered, 2)
        # The replacement goes through pick, pack and ship, one at a time.
        for step in (self.wh.pick_type_id, self.wh.pack_type_id):
            with self.subTest(step=step.name):
                self._validate(self._open(step, ret=ret).with_user(self.stock_user))
                self.assertEqual(ret.state, "received", "the customer has nothing yet")
                self.assertEqual(order.order_line.qty_delivered, 2)
                self.assertEqual(order.lifecycle_stage, "shipped", "a replacement is no backlog")
        out = self._open(self.wh.out_type_id, ret=ret)
        self.assertEqual(ret.replacement_picking_id, out)
        self.assertEqual(out.move_ids.customer_return_line_id, ret.line_ids)
        self._validate(out.with_user(self.stock_user))
        self.assertEqual(ret.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 3)
        self.assertEqual(order.lifecycle_stage, "shipped")

    def _refunded_return(self, qty=2):
        order = self._order(qty=3)
        self._ship_all(order)
        ret = self._create_return(order, qty=qty)
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        ret.with_user(self.stock_user).action_receive()
        return order, ret

    def test_a_refund_is_done_at_the_input_and_put_away_later(self):
        order, ret = self._refunded_return(qty=2)
        self.assertEqual(ret.state, "done", "refunded on receipt, before the put-away")
        self.assertEqual(ret.refund_move_id.invoice_line_ids.quantity, 2)
        self.assertEqual(order.order_line.qty_delivered, 1)
        input_location = self.wh.wh_input_stock_loc_id
        self.assertEqual(self.storable.with_context(location=input_location.id).qty_available, 2)
        stock_before = self.storable.with_context(location=self.wh.lot_stock_id.id).qty_available
        put_away = self.env["stock.picking"].search(
            [("location_id", "=", input_location.id), ("state", "=", "assigned")]
        )
        self.assertEqual(put_away.picking_type_id, self.wh.store_type_id)
        self._validate(put_away.with_user(self.stock_user))
        self.assertEqual(
            self.storable.with_context(location=self.wh.lot_stock_id.id).qty_available,
            stock_before + 2,
        )
        # Moving the goods inside the warehouse receives nothing more.
        self.assertEqual(ret.line_ids.received_qty, 2)
        self.assertEqual(ret.refund_move_id.invoice_line_ids.quantity, 2)
        self.assertEqual(order.order_line.qty_delivered, 1)

    def test_the_put_away_is_no_replacement(self):
        """A refund has no replacement delivery: the put-away of the returned
        goods (input to stock) belongs to no return line."""
        _order, ret = self._refunded_return(qty=2)
        self.assertFalse(ret.replacement_picking_id)
