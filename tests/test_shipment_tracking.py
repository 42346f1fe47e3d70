import base64
from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CustomerOrderCommon

# A 1x1 PNG, base64-encoded (a signature).
PIXEL_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8cf00000301010018dd8db00000"
        "000049454e44ae426082"
    )
).decode()


@tagged("post_install", "-at_install")
class TestShipmentTracking(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.carrier = cls._create_carrier(
            "Fast Freight", "https://track.example.com/?ref=<shipmenttrackingnumber>"
        )
        cls.template_shipped = cls.env.ref(
            "customer_order_management.mail_template_shipment_shipped"
        )
        cls.template_delivered = cls.env.ref(
            "customer_order_management.mail_template_shipment_delivered"
        )
        cls.template_backorder = cls.env.ref(
            "customer_order_management.mail_template_shipment_backorder"
        )

    def _confirmed(self, qty=5):
        order = self._create_order(qty=qty)
        order.action_confirm()
        picking = order.picking_ids
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": f"TRK-{order.id}"})
        return order

    def _event(self, picking, status, minutes_ago=0, **vals):
        return self.env["stock.picking.tracking.event"].create(
            {
                "picking_id": picking.id,
                "status": status,
                "event_date": fields.Datetime.now() - timedelta(minutes=minutes_ago),
                **vals,
            }
        )

    # Validation ---------------------------------------------------------

    def test_validation_ships_and_mails_once(self):
        order = self._confirmed()
        picking = self._deliver(order)
        self.assertRecordValues(picking, [{"shipment_state": "shipped", "state": "done"}])
        self.assertTrue(picking.shipped_date)
        self.assertRecordValues(
            picking.tracking_event_ids, [{"status": "shipped", "source": "manual"}]
        )
        mails = self._customer_mails(picking, self.template_shipped)
        self.assertEqual(len(mails), 1)
        self.assertIn("track.example.com", mails.body)
        self.assertIn(picking.carrier_tracking_ref, mails.body)
        self.assertEqual(order.lifecycle_stage, "shipped")
        self.assertFalse(self._customer_mails(picking, self.template_backorder))

    def test_no_double_mail_with_odoo_confirmation(self):
        self.env.company.stock_move_email_validation = True
        order = self._confirmed()
        picking = self._deliver(order)
        self.assertEqual(picking.shipment_state, "shipped")
        self.assertFalse(self._customer_mails(picking, self.template_shipped))

    def test_setting_off_sends_nothing(self):
        self.env.company.order_shipment_email = False
        picking = self._deliver(self._confirmed())
        self.assertFalse(self._customer_mails(picking, self.template_shipped))

    def test_backorder_notice_and_rollup(self):
        order = self._confirmed(qty=10)
        first = self._deliver(order, {self.storable: 4})
        self.assertEqual(order.lifecycle_stage, "partially_shipped")
        self.assertEqual(len(self._customer_mails(first, self.template_backorder)), 1)
        self.assertIn("6.0", self._customer_mails(first, self.template_backorder).body)
        backorder = first.backorder_ids
        backorder.carrier_id = self.carrier
        self._deliver(order)
        self.assertEqual(order.lifecycle_stage, "shipped")
        for picking in order.picking_ids:
            self._event(picking, "delivered")
        self.assertEqual(order.lifecycle_stage, "delivered")

    def test_cancelled_backorder_rollup(self):
        order = self._confirmed(qty=10)
        first = self._deliver(order, {self.storable: 4})
        first.backorder_ids.action_cancel()
        self.assertEqual(order.lifecycle_stage, "shipped")
        self._event(first, "delivered")
        self.assertEqual(order.lifecycle_stage, "delivered")

    def test_non_outgoing_pickings_have_no_shipment(self):
        receipt_type = self.warehouse.in_type_id
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": receipt_type.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
            }
        )
        self.assertFalse(receipt.shipment_state)
        with self.assertRaises(ValidationError):
            self._event(receipt, "in_transit")

    # Events -------------------------------------------------------------

    def test_state_follows_latest_event(self):
        picking = self._deliver(self._confirmed())
        picking.tracking_event_ids.event_date = fields.Datetime.now() - timedelta(hours=2)
        self._event(picking, "in_transit", minutes_ago=30, location="Hub A")
        self.assertEqual(picking.shipment_state, "in_transit")
        self._event(picking, "out_for_delivery", minutes_ago=10)
        self.assertEqual(picking.shipment_state, "out_for_delivery")
        # An older event arriving late never moves the state backwards.
        self._event(picking, "in_transit", minutes_ago=20, location="Hub B")
        self.assertEqual(picking.shipment_state, "out_for_delivery")
        self._event(picking, "delivered", minutes_ago=1)
        self.assertEqual(picking.shipment_state, "delivered")
        self.assertEqual(len(self._customer_mails(picking, self.template_delivered)), 1)
        self.assertTrue(picking.delivered_date)

    def test_event_before_shipping_refused(self):
        order = self._confirmed()
        with self.assertRaisesRegex(ValidationError, "not shipped yet"), self.cr.savepoint():
            self._event(order.picking_ids, "in_transit")
        self.assertFalse(order.picking_ids.tracking_event_ids)
        self.assertEqual(order.picking_ids.shipment_state, "pending")

    def test_future_event_refused(self):
        picking = self._deliver(self._confirmed())
        with self.assertRaisesRegex(ValidationError, "future"), self.cr.savepoint():
            self._event(picking, "in_transit", minutes_ago=-60)
        self._event(picking, "in_transit", minutes_ago=-5)  # within the clock tolerance
        self.assertEqual(len(picking.tracking_event_ids), 2)

    def test_exception_schedules_activity(self):
        order = self._confirmed()
        picking = self._deliver(order)
        self._event(picking, "exception", description="Address not found")
        self.assertEqual(picking.shipment_state, "exception")
        activity = picking.activity_ids.filtered(lambda a: "exception" in (a.summary or "").lower())
        self.assertEqual(len(activity), 1)
        self.assertIn("Address not found", str(activity.note))

    def test_duplicate_external_id_refused(self):
        picking = self._deliver(self._confirmed())
        self._event(picking, "in_transit", external_id="E1")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(UniqueViolation),
            self.cr.savepoint(),
        ):
            self._event(picking, "in_transit", external_id="E1")

    # Delivery confirmation wizard ---------------------------------------

    def test_confirm_delivery_wizard(self):
        order = self._confirmed()
        picking = self._deliver(order)
        action = picking.with_user(self.stock_user).action_confirm_delivery()
        form = Form(
            self.env[action["res_model"]]
            .with_user(self.stock_user)
            .with_context(**action["context"])
        )
        form.received_by = "Jane at reception"
        form.note = "Left at reception desk"
        form.signature = PIXEL_PNG
        form.save().action_confirm()
        self.assertRecordValues(
            picking, [{"shipment_state": "delivered", "received_by": "Jane at reception"}]
        )
        self.assertTrue(picking.signature)
        self.assertEqual(order.lifecycle_stage, "delivered")
        self.assertEqual(len(self._customer_mails(picking, self.template_delivered)), 1)
        with self.assertRaisesRegex(UserError, "already confirmed"):
            picking.with_user(self.stock_user).action_confirm_delivery()

    def test_confirm_delivery_not_done_refused(self):
        order = self._confirmed()
        with self.assertRaisesRegex(UserError, "not validated"):
            order.picking_ids.action_confirm_delivery()

    def test_confirm_delivery_permissions(self):
        picking = self._deliver(self._confirmed())
        with self.assertRaises(AccessError):
            self.env["stock.picking.delivery.confirm"].with_user(self.salesman).create(
                {"picking_id": picking.id, "received_by": "x"}
            )
        with self.assertRaises(AccessError):
            self.env["stock.picking.tracking.event"].with_user(self.salesman).create(
                {"picking_id": picking.id, "status": "delivered"}
            )
        self.assertEqual(picking.shipment_state, "shipped")

    def test_carrier_token(self):
        token = self.carrier.tracking_webhook_token
        self.assertGreaterEqual(len(token), 32)
        self.assertIn(token, self.carrier.tracking_webhook_url)
        self.assertEqual(self.env["delivery.carrier"]._find_by_tracking_token(token), self.carrier)
        self.carrier.action_regenerate_tracking_token()
        self.assertNotEqual(self.carrier.tracking_webhook_token, token)
        self.assertFalse(self.env["delivery.carrier"]._find_by_tracking_token(token))
        self.assertFalse(self.env["delivery.carrier"]._find_by_tracking_token(""))
        other = self.carrier.copy()
        self.assertNotEqual(other.tracking_webhook_token, self.carrier.tracking_webhook_token)
