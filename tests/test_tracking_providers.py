"""Signed pushes of the tracking providers on the carrier webhook (issue 19).

Payloads follow the providers' documented examples (AfterShip tracking_update
webhook, EasyPost Event of a Tracker, 17TRACK v2.2 TRACKING_UPDATED, 快递100
订阅推送 form); each provider class runs the same battery of behaviours."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import urlencode

from werkzeug.datastructures import Headers, MultiDict

from odoo import fields
from odoo.tests import BaseCase, HttpCase, tagged

from ..tools import tracking_providers
from ..tools.tracking_providers import aftership, easypost, kuaidi100, track17
from .common import CustomerOrderCommon

WEBHOOK = "/customer_order_management/tracking/{}"
LOGGER = "odoo.addons.customer_order_management"


class ProviderPushMixin:
    """What every provider must do; a subclass says how its pushes look."""

    provider = None  # the provider module
    secret = "s3cr3t-Ключ-🔑"  # non-ASCII on purpose: encodings must match
    # Two statuses of the provider: one that maps to in_transit, one it does not know.
    transit_status = None
    unknown_status = "BrandNewStatus2031"
    other_format = None  # a signed body of another provider's format

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.carrier = cls._feed_carrier("Feed Freight")
        cls.other_carrier = cls._feed_carrier("Other Freight")
        cls.picking = cls._shipped("REF-1", cls.carrier)
        cls.other_picking = cls._shipped("OTHER-1", cls.other_carrier)
        cls.now = fields.Datetime.now().replace(microsecond=0)

    @classmethod
    def _feed_carrier(cls, name):
        carrier = cls._create_carrier(name)
        carrier.write(
            {"tracking_provider": cls.provider.NAME, "tracking_webhook_secret": cls.secret}
        )
        return carrier

    @classmethod
    def _shipped(cls, ref, carrier):
        order = cls._create_order(qty=1)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": carrier.id, "carrier_tracking_ref": ref})
        picking = cls._deliver(order)
        picking.tracking_event_ids.event_date = fields.Datetime.now() - timedelta(days=2)
        return picking

    # -- building pushes ------------------------------------------------

    def _point(self, status, minutes_ago, location="Shenzhen Hub", text="Parcel scanned", **kw):
        return dict(
            status=status,
            when=self.now - timedelta(minutes=minutes_ago),
            location=location,
            text=text,
            **kw,
        )

    def _body(self, ref, points):
        """The provider's payload for ``points`` (newest first) as bytes."""
        raise NotImplementedError

    def _request(self, body, signature=True, secret=None):
        """``(data, headers)`` of a push of ``body``; ``signature`` False
        sends none, a string sends that one."""
        raise NotImplementedError

    def _post(self, body, signature=True, secret=None, carrier=None):
        data, headers = self._request(body, signature, secret)
        carrier = carrier or self.carrier
        return self.url_open(
            WEBHOOK.format(carrier.tracking_webhook_token), data=data, headers=headers
        )

    def _push(self, points, ref="REF-1", **kw):
        return self._post(self._body(ref, points), **kw)

    def _events(self, picking=None):
        picking = picking or self.picking
        picking.invalidate_recordset()
        return picking.tracking_event_ids.filtered(lambda e: e.source == "carrier")

    def _assert_ok(self, response):
        self.assertEqual(response.status_code, 200, response.text)

    def _assert_refused(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertIn("error", body)

    # -- the battery -----------------------------------------------------

    def test_signed_push_creates_every_checkpoint(self):
        points = [
            self._point(self.transit_status, 10, "Hub B", "Departed"),
            self._point(self.transit_status, 60, "Hub A", "Arrived"),
            self._point(self.transit_status, 120, "Origin", "Picked up"),
        ]
        response = self._push(points)
        self._assert_ok(response)
        events = self._events()
        self.assertEqual(len(events), 3)
        self.assertEqual(set(events.mapped("status")), {"in_transit"})
        self.assertEqual(set(events.mapped("provider_status")), {self.transit_status})
        self.assertEqual(
            sorted(events.mapped("event_date")),
            sorted(p["when"] for p in points),
            "every checkpoint time is stored in UTC",
        )
        self.assertEqual(set(events.mapped("description")), {"Departed", "Arrived", "Picked up"})
        self.assertEqual(self.picking.shipment_state, "in_transit")

    def test_each_mapped_status(self):
        mapped = self._mapped_statuses()
        points = [
            self._point(key, len(mapped) - index, text=f"Event {key}")
            for index, (key, _value) in enumerate(mapped)
        ]
        points = self._newest_first(points)
        self._assert_ok(self._push(points))
        events = self._events()
        self.assertEqual(len(events), len(mapped))
        got = {event.description: event.status for event in events}
        self.assertEqual(got, {f"Event {key}": value for key, value in mapped})
        latest_key, latest_status = mapped[-1]
        self.assertEqual(self.picking.shipment_state, latest_status, latest_key)

    def _mapped_statuses(self):
        return [(key, value) for key, value in self.provider.STATUS_MAP.items() if value]

    def _newest_first(self, points):
        return sorted(points, key=lambda p: p["when"], reverse=True)

    def test_replay_of_full_history_creates_nothing(self):
        points = [self._point(self.transit_status, m, text=f"Scan {m}") for m in (5, 30, 90)]
        self._assert_ok(self._push(points))
        self.assertEqual(len(self._events()), 3)
        self._assert_ok(self._push(points))
        self.assertEqual(len(self._events()), 3, "a replay creates nothing")
        newer = [self._point(self.transit_status, 1, text="Scan 1"), *points]
        self._assert_ok(self._push(newer))
        self.assertEqual(len(self._events()), 4, "the full history adds only what is new")

    def test_bad_signature(self):
        body = self._body("REF-1", [self._point(self.transit_status, 5, text="SECRET-BODY")])
        with self.assertLogs(LOGGER, level="DEBUG") as logs:
            self._assert_refused(self._post(body, secret="not-the-secret"), 403)
            self._assert_refused(self._post(body, signature="0" * 64), 403)
        self.assertFalse(self._events())
        output = "\n".join(logs.output)
        self.assertNotIn("SECRET-BODY", output, "the body is never logged")
        self.assertNotIn(self.secret, output, "the secret is never logged")

    def test_missing_signature(self):
        body = self._body("REF-1", [self._point(self.transit_status, 5)])
        self._assert_refused(self._post(body, signature=False), 403)
        self.assertFalse(self._events())

    def test_signature_over_another_body(self):
        signed = self._body("REF-1", [self._point(self.transit_status, 5, text="Original")])
        forged = self._body("REF-1", [self._point(self.transit_status, 5, text="Forged")])
        signature = self.provider.sign(self.secret, signed)
        self._assert_refused(self._post(forged, signature=signature), 403)
        self.assertFalse(self._events())
        self._assert_ok(self._post(signed, signature=signature))

    def test_unknown_status_is_stored_without_state_change(self):
        self._assert_ok(self._push([self._point(self.transit_status, 30)]))
        self.assertEqual(self.picking.shipment_state, "in_transit")
        response = self._push(
            [
                self._point(self.unknown_status, 5, text="Something new"),
                self._point(self.transit_status, 30),
            ]
        )
        self._assert_ok(response)
        event = self._events().filtered(lambda e: e.provider_status == self.unknown_status)
        self.assertEqual(len(event), 1)
        self.assertFalse(event.status)
        self.assertEqual(event.description, "Something new")
        self.assertEqual(self.picking.shipment_state, "in_transit", "no state change")

    def test_wrong_format(self):
        self._assert_refused(self._post(self.other_format), 400)
        self.assertFalse(self._events())

    def test_malformed_body(self):
        self._assert_refused(self._post(b"{not json"), 400)
        self._assert_refused(self._post(json.dumps([1, 2]).encode()), 400)
        self.assertFalse(self._events())

    def test_oversized_body(self):
        body = self._body("REF-1", [self._point(self.transit_status, 5, text="x" * 1000)] * 1100)
        self.assertGreater(len(body), tracking_providers.MAX_PUSH_BYTES)
        self._assert_refused(self._post(body), 413)
        self.assertFalse(self._events())

    def test_empty_body(self):
        self._assert_refused(
            self.url_open(
                WEBHOOK.format(self.carrier.tracking_webhook_token),
                data=b"",
                headers={"Content-Type": "application/json"},
                method="POST",
            ),
            400,
        )
        self.assertFalse(self._events())

    def test_number_of_another_carrier(self):
        response = self._push([self._point(self.transit_status, 5)], ref="OTHER-1")
        self._assert_refused(response, 404)
        self.assertFalse(self._events(self.other_picking))
        # Its own carrier's address takes it.
        body = self._body("OTHER-1", [self._point(self.transit_status, 5)])
        self._assert_ok(self._post(body, carrier=self.other_carrier))
        self.assertEqual(len(self._events(self.other_picking)), 1)

    def test_no_secret_configured(self):
        self.carrier.tracking_webhook_secret = False
        self._assert_refused(self._push([self._point(self.transit_status, 5)]), 403)
        self.assertFalse(self._events())


class JsonProviderMixin(ProviderPushMixin):
    ping = None  # a signed notification about no shipment

    def _request(self, body, signature=True, secret=None):
        headers = {"Content-Type": "application/json"}
        if signature is True:
            headers[self.provider.SIGNATURE_HEADER] = self.provider.sign(
                secret or self.secret, body
            )
        elif signature:
            headers[self.provider.SIGNATURE_HEADER] = signature
        return body, headers

    def test_ping_without_shipment_is_answered_200(self):
        response = self._post(self.ping)
        self._assert_ok(response)
        self.assertEqual(response.json()["result"], "ignored")
        self.assertFalse(self._events())


@tagged("post_install", "-at_install")
class TestAfterShipPush(JsonProviderMixin, CustomerOrderCommon, HttpCase):
    provider = aftership
    transit_status = "InTransit"
    other_format = json.dumps({"object": "Event", "result": {"object": "Tracker"}}).encode()
    ping = json.dumps({"event": "tracking_update", "event_id": "ping", "msg": {}}).encode()

    def _body(self, ref, points):
        checkpoints = [
            {
                "slug": "ups",
                # AfterShip gives the checkpoint's local time with its offset.
                "checkpoint_time": (p["when"] + timedelta(hours=8)).isoformat() + "+08:00",
                "created_at": p["when"].isoformat() + "+00:00",
                "city": p["location"],
                "country_name": "China",
                "location": p["location"],
                "message": p["text"],
                "tag": p["status"].split("_")[0],
                "subtag": p["status"] if "_" in p["status"] else False,
                "subtag_message": p["text"],
                "raw_tag": "FPX_L_RPIF",
            }
            for p in points
        ]
        return json.dumps(
            {
                "event": "tracking_update",
                "event_id": "3fa0ba0b-0d6a-4b4d-9bb2-b0b5d2a5e1d4",
                "is_tracking_first_tag": False,
                "msg": {
                    "id": "5b7658cec7c33c0e007de3c5",
                    "tracking_number": ref,
                    "slug": "ups",
                    "tag": points[0]["status"].split("_")[0] if points else "Pending",
                    "checkpoints": list(reversed(checkpoints)),
                },
                "ts": 1700000000,
            }
        ).encode()

    def test_subtag_falls_back_to_its_tag(self):
        response = self._push([self._point("Exception_011", 5, text="Returned to sender")])
        self._assert_ok(response)
        event = self._events()
        self.assertRecordValues(
            event, [{"status": "exception", "provider_status": "Exception_011"}]
        )
        self.assertEqual(self.picking.shipment_state, "exception")

    def test_checkpoint_id_is_the_key(self):
        body = json.loads(self._body("REF-1", [self._point("InTransit", 5, text="A")]))
        body["msg"]["checkpoints"][0]["id"] = "cp-1"
        self._assert_ok(self._post(json.dumps(body).encode()))
        body["msg"]["checkpoints"][0]["message"] = "A, reworded by the carrier"
        self._assert_ok(self._post(json.dumps(body).encode()))
        self.assertRecordValues(self._events(), [{"external_id": "aftership:cp-1"}])


@tagged("post_install", "-at_install")
class TestEasyPostPush(JsonProviderMixin, CustomerOrderCommon, HttpCase):
    provider = easypost
    transit_status = "in_transit"
    unknown_status = "teleported"
    other_format = json.dumps({"event": "TRACKING_UPDATED", "data": {"number": "REF-1"}}).encode()
    ping = json.dumps(
        {"object": "Event", "description": "batch.updated", "result": {"object": "Batch"}}
    ).encode()

    def _body(self, ref, points):
        details = [
            {
                "object": "TrackingDetail",
                "message": p["text"],
                "description": "",
                "status": p["status"],
                "status_detail": "arrived_at_facility",
                "datetime": p["when"].isoformat() + "Z",
                "source": "USPS",
                "carrier_code": "",
                "tracking_location": {
                    "object": "TrackingLocation",
                    "city": p["location"],
                    "state": "CA",
                    "country": "US",
                    "zip": "94107",
                },
            }
            for p in reversed(points)
        ]
        return json.dumps(
            {
                "object": "Event",
                "id": "evt_1b2c3d",
                "mode": "test",
                "description": "tracker.updated",
                "previous_attributes": {"status": "unknown"},
                "result": {
                    "object": "Tracker",
                    "id": "trk_c8e0edb5bb284caa934a0d3db23a148z",
                    "mode": "test",
                    "tracking_code": ref,
                    "status": points[0]["status"] if points else "unknown",
                    "carrier": "USPS",
                    "tracking_details": details,
                },
            }
        ).encode()

    def test_secret_is_nfkd_normalized(self):
        # "ﬁ" (U+FB01) is "fi" after NFKD: EasyPost signs with the normalized form.
        self.carrier.tracking_webhook_secret = "ﬁle-secret"
        body = self._body("REF-1", [self._point("in_transit", 5)])
        self._assert_ok(self._post(body, secret="file-secret"))
        self.assertEqual(len(self._events()), 1)

    def test_signature_header_format(self):
        signature = easypost.sign("abc", b"{}")
        self.assertTrue(signature.startswith("hmac-sha256-hex="))
        self.assertEqual(len(signature), len("hmac-sha256-hex=") + 64)


@tagged("post_install", "-at_install")
class TestTrack17Push(JsonProviderMixin, CustomerOrderCommon, HttpCase):
    provider = track17
    transit_status = "InTransit_Arrival"
    other_format = json.dumps(
        {"event": "tracking_update", "msg": {"tracking_number": "REF-1"}}
    ).encode()
    ping = json.dumps({"event": "TRACKING_STOPPED", "data": {"number": "REF-1"}}).encode()

    def _body(self, ref, points):
        events = [
            {
                "time_iso": (p["when"] + timedelta(hours=8)).isoformat() + "+08:00",
                "time_utc": p["when"].isoformat() + "Z",
                "time_raw": {"date": None, "time": None, "timezone": None},
                "description": p["text"],
                "location": p["location"],
                "stage": "",
                "sub_status": p["status"],
                "address": {"country": "CN", "city": p["location"]},
            }
            for p in points
        ]
        latest = points[0]["status"] if points else "NotFound"
        return json.dumps(
            {
                "event": "TRACKING_UPDATED",
                "data": {
                    "number": ref,
                    "carrier": 3011,
                    "param": None,
                    "tag": None,
                    "track_info": {
                        "latest_status": {
                            "status": latest.split("_")[0],
                            "sub_status": latest,
                            "sub_status_descr": None,
                        },
                        "latest_event": events[0] if events else None,
                        "tracking": {
                            "providers_hash": 1,
                            "providers": [
                                {
                                    "provider": {"key": 3011, "name": "China Post"},
                                    "latest_sync_status": "Success",
                                    "events": events,
                                }
                            ],
                        },
                    },
                },
            }
        ).encode()

    def test_sub_status_falls_back_to_its_status(self):
        self._assert_ok(self._push([self._point("DeliveryFailure_Rejected", 5)]))
        self.assertRecordValues(
            self._events(),
            [{"status": "exception", "provider_status": "DeliveryFailure_Rejected"}],
        )


@tagged("post_install", "-at_install")
class TestKuaidi100Push(ProviderPushMixin, CustomerOrderCommon, HttpCase):
    provider = kuaidi100
    transit_status = "0"
    unknown_status = "9999"
    other_format = json.dumps({"event": "TRACKING_UPDATED", "data": {"number": "REF-1"}})

    def _item(self, point):
        cst = (point["when"] + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
        item = {
            "context": point["text"],
            "time": cst,
            "ftime": cst,
            "areaCode": "440300000000",
            "areaName": point["location"],
            "location": point["location"],
        }
        if point["status"].isdigit():
            item.update(status="在途", statusCode=point["status"])
        else:
            item.update(status=point["status"])
        return item

    def _param(self, ref, points):
        state = points[0]["status"] if points and points[0]["status"].isdigit() else "0"
        return json.dumps(
            {
                "status": "polling",
                "billstatus": "got",
                "message": "",
                "autoCheck": "0",
                "comOld": "",
                "comNew": "",
                "lastResult": {
                    "message": "ok",
                    "state": state,
                    "status": "200",
                    "condition": "F00",
                    "ischeck": "0",
                    "com": "yuantong",
                    "nu": ref,
                    "data": [self._item(p) for p in points],
                },
            },
            ensure_ascii=False,
        )

    def _body(self, ref, points):
        return self._param(ref, points)

    def _request(self, body, signature=True, secret=None):
        if isinstance(body, bytes):
            body = body.decode()
        form = {"param": body}
        if signature is True:
            form["sign"] = kuaidi100.sign(secret or self.secret, body)
        elif signature:
            form["sign"] = signature
        return urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}

    def _mapped_statuses(self):
        # The names are tested below: a push's newest checkpoint has a code.
        return [(k, v) for k, v in kuaidi100.STATUS_MAP.items() if v and k.isdigit()]

    def _assert_refused(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(
            set(response.json()), {"result", "returnCode", "message"}, "快递100's shape"
        )
        self.assertEqual(response.json()["result"], False)
        self.assertEqual(response.json()["returnCode"], str(status))

    def test_reply_is_exactly_kuaidi100s(self):
        response = self._push([self._point("0", 5)])
        self._assert_ok(response)
        self.assertEqual(response.json(), {"result": True, "returnCode": "200", "message": "成功"})

    def test_sign_compared_case_insensitively(self):
        param = self._param("REF-1", [self._point("0", 5)])
        response = self._post(param, signature=kuaidi100.sign(self.secret, param).lower())
        self._assert_ok(response)
        self.assertEqual(len(self._events()), 1)

    def test_china_standard_time_is_converted_to_utc(self):
        point = self._point("1", 90, text="【深圳市】快件已揽收")
        self._assert_ok(self._push([point]))
        self.assertRecordValues(
            self._events(),
            [
                {
                    "event_date": point["when"],
                    "status": "in_transit",
                    "provider_status": "1",
                    "description": "【深圳市】快件已揽收",
                }
            ],
        )

    def test_chinese_status_names_map(self):
        names = [key for key, value in kuaidi100.STATUS_MAP.items() if value and not key.isdigit()]
        points = [self._point("0", 1, text="newest")] + [
            self._point(name, 2 + index, text=name) for index, name in enumerate(names)
        ]
        self._assert_ok(self._push(points))
        got = {e.description: e.status for e in self._events()}
        for name in names:
            self.assertEqual(got[name], kuaidi100.STATUS_MAP[name], name)

    def test_full_history_of_200_checkpoints_fits(self):
        points = [
            self._point(
                "0",
                5 + index,
                location="广东省深圳市南山区",
                text=f"【深圳转运中心】快件已发往 北京 第{index}站",
            )
            for index in range(200)
        ]
        data, _headers = self._request(self._body("REF-1", points))
        self.assertLess(len(data), tracking_providers.MAX_PUSH_BYTES)
        self._assert_ok(self._push(points))
        self.assertEqual(len(self._events()), 200)

    def test_newest_checkpoint_keeps_its_key_in_the_next_push(self):
        """The newest checkpoint takes the shipment's ``state``; in the next
        push it is an older one with only its status name: still the same
        checkpoint, not a new event."""
        older = [self._point("1", 30, text="已揽收"), self._point("0", 60, text="已下单")]
        first = json.loads(self._param("REF-1", older))
        for item, name in zip(first["lastResult"]["data"], ("揽收", "在途"), strict=True):
            item.pop("statusCode")
            item["status"] = name
        self._assert_ok(self._post(json.dumps(first, ensure_ascii=False)))
        self.assertEqual(sorted(self._events().mapped("provider_status")), ["1", "在途"])
        newest = self._point("5", 5, text="派件中")
        second = json.loads(self._param("REF-1", [newest, *older]))
        for item, name in zip(second["lastResult"]["data"], ("派件", "揽收", "在途"), strict=True):
            item.pop("statusCode")
            item["status"] = name
        self._assert_ok(self._post(json.dumps(second, ensure_ascii=False)))
        events = self._events()
        self.assertEqual(len(events), 3, "only the new checkpoint is recorded")
        self.assertEqual(self.picking.shipment_state, "out_for_delivery")

    def test_abort_push_without_checkpoints(self):
        param = json.loads(self._param("REF-1", []))
        param.update(status="abort", message="3天查询无记录")
        self._assert_ok(self._post(json.dumps(param, ensure_ascii=False)))
        self.assertFalse(self._events())

    def test_malformed_body(self):
        self._assert_refused(self._post("{not json"), 400)
        self._assert_refused(self._post(json.dumps([1, 2])), 400)
        self.assertFalse(self._events())


@tagged("post_install", "-at_install")
class TestProviderPushQueries(CustomerOrderCommon):
    """A push costs the same queries whatever the length of its history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 10)
        cls.carrier = cls._create_carrier("Count Freight")
        cls.carrier.write({"tracking_provider": "kuaidi100", "tracking_webhook_secret": "salt"})
        order = cls._create_order(qty=1)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": cls.carrier.id, "carrier_tracking_ref": "Q-1"})
        cls.picking = cls._deliver(order)
        cls.picking.tracking_event_ids.event_date = fields.Datetime.now() - timedelta(days=2)
        cls.push_clock = fields.Datetime.now()

    def _form(self, minutes):
        # One clock for every push: a push built a second later must list
        # the same checkpoints at the same times (their keys hash the time).
        now = self.push_clock
        data = [
            {
                "context": f"快件在途 {m}",
                "ftime": (now - timedelta(minutes=m) + timedelta(hours=8)).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "areaName": "广东省深圳市",
                "status": "在途",
            }
            for m in minutes
        ]
        param = json.dumps(
            {"status": "polling", "lastResult": {"nu": "Q-1", "state": "0", "data": data}}
        )
        return MultiDict({"param": param, "sign": kuaidi100.sign("salt", param)})

    def _count(self, form):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        events, _picking = self.carrier._process_provider_push(b"", form, Headers())
        self.env.flush_all()
        return self.env.cr.sql_log_count - before, len(events)

    def test_query_count_does_not_grow_with_history(self):
        # Newest first, as 快递100 sends them: 199 known checkpoints, then 200 with 1 new.
        self._count(self._form(range(101, 300)))
        long_push, created = self._count(self._form(range(100, 300)))
        self.assertEqual(created, 1)
        short_push, created = self._count(self._form([50]))
        self.assertEqual(created, 1)
        self.assertEqual(long_push, short_push)
        self.assertEqual(len(self.picking.tracking_event_ids.filtered("provider_status")), 201)


@tagged("post_install", "-at_install")
class TestCarrierFeedSecurity(CustomerOrderCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carrier = cls._create_carrier("Secret Freight")
        cls.carrier.write(
            {"tracking_provider": "aftership", "tracking_webhook_secret": "top-secret"}
        )

    def _call(self, user, method, args):
        self.authenticate(user.login, user.login + "x" * (8 - len(user.login)))
        response = self.url_open(
            f"/web/dataset/call_kw/delivery.carrier/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": "delivery.carrier",
                        "method": method,
                        "args": args,
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_stock_user_cannot_read_or_set_the_secret(self):
        for fields_ in (["tracking_webhook_secret"], ["tracking_provider"]):
            reply = self._call(self.stock_user, "read", [self.carrier.ids, fields_])
            self.assertIn("error", reply)
            self.assertNotIn("top-secret", json.dumps(reply))
        reply = self._call(self.stock_user, "read", [self.carrier.ids, []])
        self.assertNotIn("top-secret", json.dumps(reply))
        self.assertNotIn("tracking_webhook_secret", json.dumps(reply.get("result")))
        reply = self._call(
            self.stock_user, "write", [self.carrier.ids, {"tracking_webhook_secret": "mine"}]
        )
        self.assertIn("error", reply)
        self.assertEqual(self.carrier.tracking_webhook_secret, "top-secret")

    def test_stock_manager_reads_and_sets_the_secret(self):
        reply = self._call(
            self.stock_manager, "read", [self.carrier.ids, ["tracking_webhook_secret"]]
        )
        self.assertEqual(reply["result"][0]["tracking_webhook_secret"], "top-secret")
        reply = self._call(
            self.stock_manager,
            "write",
            [
                self.carrier.ids,
                {"tracking_provider": "kuaidi100", "tracking_webhook_secret": "salt"},
            ],
        )
        self.assertTrue(reply["result"])
        self.assertRecordValues(
            self.carrier, [{"tracking_provider": "kuaidi100", "tracking_webhook_secret": "salt"}]
        )


@tagged("post_install", "-at_install")
class TestProviderFunctions(BaseCase):
    """The documented signature schemes, computed independently."""

    def test_aftership_signature(self):
        body = b'{"event":"tracking_update"}'
        expected = base64.b64encode(hmac.new(b"k", body, hashlib.sha256).digest()).decode()
        self.assertEqual(aftership.sign("k", body), expected)
        self.assertTrue(aftership.verify("k", body, None, {"aftership-hmac-sha256": expected}))
        self.assertFalse(
            aftership.verify("k", body + b" ", None, {"aftership-hmac-sha256": expected})
        )

    def test_track17_signature(self):
        body = b'{"event":"TRACKING_UPDATED"}'
        expected = hashlib.sha256(body + b"/KEY").hexdigest()
        self.assertTrue(track17.verify("KEY", body, None, {"sign": expected}))
        self.assertTrue(track17.verify("KEY", body, None, {"sign": expected.upper()}))
        self.assertFalse(track17.verify("KEY2", body, None, {"sign": expected}))

    def test_kuaidi100_signature(self):
        param = '{"lastResult":{}}'
        expected = hashlib.md5((param + "salt").encode()).hexdigest().upper()
        self.assertEqual(kuaidi100.sign("salt", param), expected)
        form = MultiDict([("param", param), ("sign", expected)])
        self.assertTrue(kuaidi100.verify("salt", b"", form, {}))
        # Two param fields: which one was signed? Neither is taken.
        form.add("param", param)
        self.assertFalse(kuaidi100.verify("salt", b"", form, {}))

    def test_hash_key_is_stable_and_distinguishes(self):
        when = fields.Datetime.now().replace(microsecond=0)
        one = tracking_providers.common.stable_key("x", "", when, "0", "A", "t")
        self.assertEqual(one, tracking_providers.common.stable_key("x", "", when, "0", "A", "t"))
        self.assertNotEqual(one, tracking_providers.common.stable_key("x", "", when, "0", "B", "t"))
        self.assertLessEqual(len(one), 256)
