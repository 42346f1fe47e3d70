import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestTrackingWebhook(CustomerOrderCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.carrier = cls._create_carrier("Webhook Freight")
        cls.other_carrier = cls.carrier.copy()
        order = cls._create_order(qty=2)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": cls.carrier.id, "carrier_tracking_ref": "WH-1"})
        cls.picking = cls._deliver(order)
        cls.picking.tracking_event_ids.event_date = fields.Datetime.now() - timedelta(hours=3)

    def _post(self, payload, token=None, raw=None):
        token = token or self.carrier.tracking_webhook_token
        data = raw if raw is not None else json.dumps(payload)
        return self.url_open(
            f"/customer_order_management/tracking/{token}",
            data=data,
            headers={"Content-Type": "application/json"},
        )

    def _payload(self, **values):
        event_time = (fields.Datetime.now() - timedelta(minutes=5)).isoformat() + "Z"
        return {"tracking_ref": "WH-1", "status": "in_transit", "event_time": event_time, **values}

    def test_event_created(self):
        response = self._post(self._payload(location="Hub", description="Sorted", event_id="A1"))
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["result"], "created")
        self.assertEqual(body["shipment_state"], "in_transit")
        event = self.env["stock.picking.tracking.event"].browse(body["event_id"])
        self.assertRecordValues(
            event,
            [
                {
                    "picking_id": self.picking.id,
                    "status": "in_transit",
                    "source": "carrier",
                    "location": "Hub",
                    "description": "Sorted",
                    "external_id": "A1",
                }
            ],
        )

    def test_replay_creates_nothing(self):
        payload = self._payload(event_id="A2")
        first = self._post(payload)
        self.assertEqual(first.json()["result"], "created")
        second = self._post(payload)
        self.assertEqual(second.status_code, 200)
        self.assertEqual(second.json(), {**first.json(), "result": "duplicate"})
        self.assertEqual(len(self.picking.tracking_event_ids), 2)

    def test_offset_time_is_converted_to_utc(self):
        moment = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=1)
        local = (moment + timedelta(hours=2)).isoformat() + "+02:00"
        body = self._post(self._payload(event_time=local)).json()
        event = self.env["stock.picking.tracking.event"].browse(body["event_id"])
        self.assertEqual(event.event_date, moment)

    def test_bad_token(self):
        count = len(self.picking.tracking_event_ids)
        for token in ("not-a-token", self.other_carrier.tracking_webhook_token + "x"):
            response = self._post(self._payload(), token=token)
            self.assertEqual(response.status_code, 403)
            self.assertIn("error", response.json())
        # The other carrier's valid token does not reach this carrier's deliveries.
        response = self._post(self._payload(), token=self.other_carrier.tracking_webhook_token)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(len(self.picking.tracking_event_ids), count)

    def test_unknown_tracking_ref(self):
        response = self._post(self._payload(tracking_ref="NOPE"))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(len(self.picking.tracking_event_ids), 1)

    def test_bad_bodies(self):
        future = (fields.Datetime.now() + timedelta(days=1)).isoformat()
        cases = {
            "malformed json": "{not json",
            "not an object": json.dumps([1, 2]),
            "unknown status": json.dumps(self._payload(status="teleported")),
            "pending is not an event": json.dumps(self._payload(status="pending")),
            "missing fields": json.dumps({"tracking_ref": "WH-1"}),
            "bad time": json.dumps(self._payload(event_time="yesterday")),
            "future time": json.dumps(self._payload(event_time=future)),
            "bad type": json.dumps(self._payload(location={"a": 1})),
            "oversized": json.dumps(self._payload(description="x" * 20000)),
        }
        for name, raw in cases.items():
            with self.subTest(case=name):
                response = self._post(None, raw=raw)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn("error", response.json())
        self.assertEqual(len(self.picking.tracking_event_ids), 1)

    def test_hostile_bodies_get_400_and_write_nothing(self):
        """Bodies that used to answer 500 (or store nonsense) are refused."""
        cases = {
            "deeply nested": "[" * 8000 + "]" * 8000,
            "year 1 with an offset": json.dumps(
                self._payload(event_time="0001-01-01T00:00:00+01:00")
            ),
            "year 9999 with an offset": json.dumps(
                self._payload(event_time="9999-12-31T23:59:59-01:00")
            ),
            "year 1, no offset": json.dumps(self._payload(event_time="0001-01-01T00:00:00")),
            "two years ago": json.dumps(
                self._payload(
                    event_time=(fields.Datetime.now() - timedelta(days=730)).isoformat() + "Z"
                )
            ),
            "NUL in a text": json.dumps(self._payload(description="Sorted\x00 here")),
            "NUL in the event id": json.dumps(self._payload(event_id="A\x00B")),
            "event id longer than the column": json.dumps(self._payload(event_id="E" * 257)),
            "tracking ref longer than the column": json.dumps(
                self._payload(tracking_ref="W" * 257)
            ),
            "boolean as text": json.dumps(self._payload(location=True)),
            "lone surrogate": json.dumps(self._payload(location="Hub \ud800")),
            "lone surrogate in the reference": json.dumps(self._payload(tracking_ref="\udc00")),
        }
        events_before = self.env["stock.picking.tracking.event"].search_count([])
        for name, raw in cases.items():
            with self.subTest(case=name):
                response = self._post(None, raw=raw)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn("error", response.json())
        self.assertEqual(self.env["stock.picking.tracking.event"].search_count([]), events_before)
        self.assertEqual(self.picking.shipment_state, "shipped")

    def test_ids_up_to_the_limit_are_kept_whole(self):
        """The limit's boundary: two 256-character ids that differ only in
        their last character are two events (one character more is a 400,
        see above: cut, they would become one)."""
        prefix = "E" * 250
        for suffix in ("-first", "-other"):
            response = self._post(self._payload(event_id=prefix + suffix))
            self.assertEqual(response.json()["result"], "created", response.text)
        self.assertEqual(len(self.picking.tracking_event_ids), 3)

    def test_get_not_allowed(self):
        response = self.url_open(
            f"/customer_order_management/tracking/{self.carrier.tracking_webhook_token}"
        )
        self.assertEqual(response.status_code, 405)

    def test_exception_from_carrier_creates_activity(self):
        response = self._post(self._payload(status="exception", description="Damaged"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.picking.shipment_state, "exception")
        self.assertTrue(self.picking.activity_ids.filtered(lambda a: "Damaged" in str(a.note)))
