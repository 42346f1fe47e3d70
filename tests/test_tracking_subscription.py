import base64
import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs

import requests

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, tagged

from ..models import customer_order_tracking_subscription as subscription_module
from .common import CustomerOrderCommon
from .tracking_api_server import TrackingApiServer

MAX_ATTEMPTS = subscription_module.MAX_ATTEMPTS
PRIVATE_HOSTS_PARAM = "customer_order_management.tracking_api_private_hosts"
API_KEY = "sk-test-0123456789abcdef"

DEFAULT_REPLIES = {
    "/aftership/trackings": (201, {"meta": {"code": 201}, "data": {"id": "as-1"}}),
    "/easypost/v2/trackers": (201, {"id": "trk_1", "object": "Tracker"}),
    "/track17/track/v2.2/register": (
        200,
        {"code": 0, "data": {"accepted": [{"number": "X"}], "rejected": []}},
    ),
    "/kuaidi100/poll": (200, {"result": True, "returnCode": "200", "message": "提交成功"}),
}
PATHS = {
    "aftership": "/aftership/trackings",
    "easypost": "/easypost/v2/trackers",
    "track17": "/track17/track/v2.2/register",
    "kuaidi100": "/kuaidi100/poll",
}
CODES = {"aftership": "ups", "easypost": "USPS", "track17": "100003", "kuaidi100": "shunfeng"}


class TrackingSubscriptionCommon(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = TrackingApiServer(DEFAULT_REPLIES).start()
        cls.addClassCleanup(cls.server.stop)
        cls._set_stock(cls.storable, 1000)
        cls.carriers = {}
        for provider in PATHS:
            carrier = cls._create_carrier(f"{provider} carrier")
            carrier.write(
                {
                    "tracking_provider": provider,
                    "tracking_api_url": f"{cls.server.url}/{provider}",
                    "tracking_api_key": API_KEY,
                    "tracking_provider_carrier_code": CODES[provider],
                    "tracking_webhook_secret": "salt-123",
                }
            )
            cls.carriers[provider] = carrier
        cls.Subscription = cls.env["customer.order.tracking.subscription"]
        # The provider these tests talk to is on this machine (an address the
        # registration refuses unless the administrator allows it).
        cls.env["ir.config_parameter"].set_param(PRIVATE_HOSTS_PARAM, "True")

    def setUp(self):
        super().setUp()
        self.server.reset()

    def _ship(self, provider, ref="TRK0001", user=None):
        """An order of the salesman shipped with the carrier of ``provider``
        and tracking reference ``ref``; returns its delivery."""
        order = self._create_order(qty=1, user_id=self.salesman.id)
        order.action_confirm()
        picking = order.picking_ids
        picking.write({"carrier_id": self.carriers[provider].id, "carrier_tracking_ref": ref})
        if user:
            picking = picking.with_user(user)
        self._validate(picking)
        return picking

    def _run_cron(self):
        with self._cron_progress_not_committed():
            self.Subscription._cron_process_subscriptions()


@tagged("post_install", "-at_install")
class TestTrackingSubscription(TrackingSubscriptionCommon):
    def test_validation_queues_without_calling_the_provider(self):
        def no_http(*args, **kwargs):
            raise AssertionError("no HTTP call while validating")

        with (
            patch.object(requests.Session, "send", no_http),
            patch.object(requests, "request", no_http),
        ):
            picking = self._ship("aftership", user=self.stock_user)
        self.assertRecordValues(
            picking.tracking_subscription_ids,
            [{"state": "pending", "attempts": 0, "tracking_ref": "TRK0001", "last_error": False}],
        )
        self.assertFalse(self.server.requests)

    def test_generic_carrier_and_no_reference_queue_nothing(self):
        generic = self._create_carrier("Plain carrier")
        order = self._create_order(qty=1)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": generic.id, "carrier_tracking_ref": "G1"})
        self._validate(order.picking_ids)
        self.assertFalse(order.picking_ids.tracking_subscription_ids)
        picking = self._ship("aftership", ref=False)
        self.assertFalse(picking.tracking_subscription_ids)

    def test_reference_given_later_is_queued_once(self):
        picking = self._ship("easypost", ref=False)
        picking.carrier_tracking_ref = "LATE1"
        picking.carrier_tracking_ref = "LATE1"
        self.assertRecordValues(
            picking.tracking_subscription_ids, [{"state": "pending", "tracking_ref": "LATE1"}]
        )

    def test_each_provider_registers_with_its_request_shape(self):
        for provider, path in PATHS.items():
            with self.subTest(provider=provider):
                self.server.reset()
                picking = self._ship(provider, ref=f"REF-{provider}")
                self._run_cron()
                self.assertRecordValues(
                    picking.tracking_subscription_ids,
                    [{"state": "done", "attempts": 1, "last_error": False}],
                )
                self.assertEqual([r["path"] for r in self.server.requests], [path])
                request = self.server.requests[0]
                getattr(self, f"_check_{provider}_request")(request, picking)

    def _check_aftership_request(self, request, picking):
        self.assertEqual(request["headers"]["as-api-key"], API_KEY)
        self.assertEqual(
            json.loads(request["body"]),
            {"tracking_number": "REF-aftership", "slug": "ups", "order_number": picking.origin},
        )

    def _check_easypost_request(self, request, picking):
        expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
        self.assertEqual(request["headers"]["authorization"], expected)
        self.assertEqual(
            json.loads(request["body"]),
            {"tracker": {"tracking_code": "REF-easypost", "carrier": "USPS"}},
        )

    def _check_track17_request(self, request, picking):
        self.assertEqual(request["headers"]["17token"], API_KEY)
        self.assertEqual(
            json.loads(request["body"]), [{"number": "REF-track17", "carrier": 100003}]
        )

    def _check_kuaidi100_request(self, request, picking):
        self.assertTrue(
            request["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
        )
        form = parse_qs(request["body"].decode())
        self.assertEqual(form["schema"], ["json"])
        param = json.loads(form["param"][0])
        carrier = self.carriers["kuaidi100"]
        self.assertEqual(
            param,
            {
                "company": "shunfeng",
                "number": "REF-kuaidi100",
                "key": API_KEY,
                "parameters": {
                    "callbackurl": carrier.tracking_webhook_url,
                    "salt": "salt-123",
                    "resultv2": "1",
                },
            },
        )
        self.assertIn("/customer_order_management/tracking/", param["parameters"]["callbackurl"])

    def test_already_registered_counts_as_registered(self):
        self.server.script(
            PATHS["aftership"],
            (400, {"meta": {"code": 4003, "message": "Tracking already exists."}}),
        )
        self.server.script(
            PATHS["track17"],
            (
                200,
                {
                    "code": 0,
                    "data": {
                        "accepted": [],
                        "rejected": [
                            {"number": "X", "error": {"code": -18019901, "message": "registered"}}
                        ],
                    },
                },
            ),
        )
        self.server.script(
            PATHS["kuaidi100"], (200, {"result": False, "returnCode": "501", "message": "重复订阅"})
        )
        pickings = [self._ship(p, ref=f"DUP-{p}") for p in ("aftership", "track17", "kuaidi100")]
        self._run_cron()
        for picking in pickings:
            self.assertEqual(picking.tracking_subscription_ids.state, "done")

    def test_refusals_are_failures(self):
        self.server.script(
            PATHS["track17"],
            (
                200,
                {
                    "code": 0,
                    "data": {
                        "accepted": [],
                        "rejected": [
                            {"number": "X", "error": {"code": -18010012, "message": "bad"}}
                        ],
                    },
                },
            ),
        )
        self.server.script(
            PATHS["kuaidi100"], (200, {"result": False, "returnCode": "700", "message": "不支持"})
        )
        pickings = [self._ship(p, ref=f"BAD-{p}") for p in ("track17", "kuaidi100")]
        self._run_cron()
        errors = [p.tracking_subscription_ids.last_error for p in pickings]
        self.assertEqual([p.tracking_subscription_ids.state for p in pickings], ["pending"] * 2)
        self.assertIn("-18010012", errors[0])
        self.assertIn("700", errors[1])

    def test_outage_then_retry_with_backoff_then_success(self):
        picking = self._ship("aftership")
        self.server.script(PATHS["aftership"], (503, {"meta": {"code": 503, "message": "Down"}}))
        start = fields.Datetime.now()
        with freeze_time(start):
            self._run_cron()
        sub = picking.tracking_subscription_ids
        self.assertRecordValues(sub, [{"state": "pending", "attempts": 1}])
        self.assertEqual(sub.last_error, "HTTP 503: Down")
        self.assertEqual(sub.next_attempt, start + timedelta(minutes=5))
        # Not due yet: nothing is sent.
        with freeze_time(start + timedelta(minutes=4)):
            self._run_cron()
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(sub.attempts, 1)
        with freeze_time(start + timedelta(minutes=5)):
            self._run_cron()
        self.assertRecordValues(sub, [{"state": "done", "attempts": 2, "last_error": False}])
        self.assertEqual(len(self.server.requests), 2)

    def test_unreachable_provider_is_retried(self):
        picking = self._ship("easypost")
        self.carriers["easypost"].tracking_api_url = "http://127.0.0.1:9/easypost"
        self._run_cron()
        sub = picking.tracking_subscription_ids
        self.assertEqual(sub.state, "pending")
        self.assertEqual(sub.last_error, "The provider could not be reached (ConnectionError).")

    def test_only_public_https_addresses_get_the_key(self):
        """A stock manager cannot make the server send the API key (or any
        request) to this machine, the private network or the cloud's metadata
        address, nor over plain HTTP: unless the administrator allows private
        hosts (a system parameter, as these tests do)."""
        self.env["ir.config_parameter"].set_param(PRIVATE_HOSTS_PARAM, False)
        carrier = self.carriers["easypost"]
        for url, error in (
            (f"{self.server.url}/easypost", "must use https"),
            ("https://127.0.0.1:1/easypost", "not a public address"),
            ("https://169.254.169.254/latest", "not a public address"),
            ("https://10.1.2.3", "not a public address"),
            ("https://[::1]:8443", "not a public address"),
            ("https://localhost/easypost", "not a public address"),
        ):
            with self.subTest(url=url):
                picking = self._ship("easypost", ref=f"TRK-{len(url)}-{error[:3]}")
                carrier.tracking_api_url = url
                self._run_cron()
                sub = picking.tracking_subscription_ids
                self.assertEqual(sub.state, "pending")
                self.assertIn(error, sub.last_error)
                self.assertNotIn(API_KEY, sub.last_error)
        self.assertFalse(self.server.requests, "nothing was sent anywhere")

    def test_redirects_are_not_followed(self):
        """A provider address answering with a redirect does not take the
        request (and its key header) elsewhere: it is a failed attempt."""
        picking = self._ship("aftership")
        self.server.script(
            PATHS["aftership"], (307, {}, 0, {"Location": f"{self.server.url}/elsewhere"})
        )
        self._run_cron()
        self.assertEqual([r["path"] for r in self.server.requests], [PATHS["aftership"]])
        self.assertRecordValues(
            picking.tracking_subscription_ids, [{"state": "pending", "attempts": 1}]
        )

    def test_timeout_is_retried(self):
        picking = self._ship("easypost")
        # Odoo's tests raise any timeout below 10 s to 10 s: the real one.
        timeout = self.Subscription._get_request_timeout()
        self.server.script(PATHS["easypost"], (201, {}, timeout + 0.5))
        self._run_cron()
        sub = picking.tracking_subscription_ids
        self.assertRecordValues(sub, [{"state": "pending", "attempts": 1}])
        self.assertEqual(sub.last_error, f"The provider did not answer within {timeout} seconds.")

    def test_last_failure_tells_the_delivery_once(self):
        picking = self._ship("track17")
        self.server.script(PATHS["track17"], *[(500, {"message": "boom"})] * MAX_ATTEMPTS)
        sub = picking.tracking_subscription_ids
        moment = fields.Datetime.now()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            moment += timedelta(days=1)
            with freeze_time(moment):
                self._run_cron()
            self.assertEqual(sub.attempts, attempt)
        self.assertRecordValues(sub, [{"state": "failed", "last_error": "HTTP 500: boom"}])
        notes = self._messages_with(picking, "could not be registered")
        self.assertEqual(len(notes), 1)
        activity = picking.activity_ids.filtered(lambda a: "Tracking not registered" in a.summary)
        self.assertEqual(activity.user_id, self.salesman)
        # Given up: later runs send and write nothing.
        requests_before = len(self.server.requests)
        with freeze_time(moment + timedelta(days=30)):
            self._run_cron()
        self.assertEqual(len(self.server.requests), requests_before)
        self.assertEqual(len(self._messages_with(picking, "could not be registered")), 1)
        # A stock manager retries once the settings are fixed.
        sub.with_user(self.stock_manager).action_retry()
        self._run_cron()
        self.assertRecordValues(sub, [{"state": "done", "attempts": 1}])

    def test_cron_twice_second_run_changes_nothing(self):
        picking = self._ship("kuaidi100")
        self._run_cron()
        sub = picking.tracking_subscription_ids
        before = sub.read(["state", "attempts", "done_date", "write_date"])
        self._run_cron()
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(sub.read(["state", "attempts", "done_date", "write_date"]), before)

    def test_key_never_in_error_nor_log(self):
        picking = self._ship("aftership")
        self.server.script(
            PATHS["aftership"], (401, {"meta": {"code": 401, "message": f"Invalid key {API_KEY}"}})
        )
        with self.assertLogs("odoo.addons.customer_order_management", level="DEBUG") as logs:
            self._run_cron()
            # assertLogs needs one record at least: ours says which attempt failed.
        sub = picking.tracking_subscription_ids
        self.assertEqual(sub.last_error, "HTTP 401: Invalid key ***")
        self.assertFalse([line for line in logs.output if API_KEY in line])

    def test_missing_key_is_a_failure_not_a_crash(self):
        picking = self._ship("easypost")
        self.carriers["easypost"].tracking_api_key = False
        self._run_cron()
        sub = picking.tracking_subscription_ids
        self.assertEqual(sub.state, "pending")
        self.assertIn("No tracking API key", sub.last_error)
        self.assertFalse(self.server.requests)

    def test_provider_default_url(self):
        carrier = self._create_carrier("Defaults")
        carrier.tracking_provider = "kuaidi100"
        self.assertEqual(carrier.tracking_api_url, "https://poll.kuaidi100.com")
        carrier.tracking_provider = "track17"
        self.assertEqual(carrier.tracking_api_url, "https://api.17track.net")

    def test_permissions(self):
        picking = self._ship("aftership")
        sub = picking.tracking_subscription_ids
        carrier = self.carriers["aftership"]
        # Stock users read the queue, never change it.
        self.assertEqual(sub.with_user(self.stock_user).state, "pending")
        with self.assertRaises(AccessError):
            sub.with_user(self.stock_user).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.Subscription.with_user(self.stock_user).create(
                {"picking_id": picking.id, "carrier_id": carrier.id, "tracking_ref": "X"}
            )
        with self.assertRaises(AccessError):
            sub.with_user(self.stock_user).action_retry()
        # Managers neither, but through the retry button.
        with self.assertRaises(AccessError):
            sub.with_user(self.stock_manager).write({"state": "done"})
        with self.assertRaises(AccessError):
            sub.with_user(self.salesman).read(["state"])
        with self.assertRaises(AccessError):
            carrier.with_user(self.stock_user).read(["tracking_api_key"])
        self.assertEqual(carrier.with_user(self.stock_manager).tracking_api_key, API_KEY)
        self.assertEqual(sub.state, "pending")

    def test_multi_company_rule(self):
        self._setup_second_company()
        picking = self._ship("aftership")
        sub = picking.tracking_subscription_ids
        self.assertFalse(self.Subscription.with_user(self.user_b).search([("id", "=", sub.id)]))

    def test_carrier_form(self):
        """A stock manager picks the provider, the API URL follows; the API
        key is not in a stock user's form at all."""
        carrier = self._create_carrier("Form Freight")
        # The provider itself is chosen on the feed's page of the form.
        carrier.write({"tracking_provider": "easypost", "tracking_webhook_secret": "ep-secret"})
        form = self._form(carrier, user=self.stock_manager)
        self.assertEqual(form.tracking_api_url, "https://api.easypost.com")
        form.tracking_api_key = "ep-key"
        form.tracking_provider_carrier_code = "UPS"
        carrier = form.save()
        self.assertRecordValues(
            carrier.sudo(),
            [{"tracking_api_key": "ep-key", "tracking_api_url": "https://api.easypost.com"}],
        )
        arch = (
            self.env["delivery.carrier"]
            .with_user(self.stock_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("tracking_api_key", arch)

    def test_queue_views_load(self):
        Subscription = self.Subscription.with_user(self.stock_user)
        views = Subscription.get_views([(False, "list"), (False, "search")])
        self.assertIn("last_error", views["views"]["list"]["arch"])
        action = self.env.ref(
            "customer_order_management.action_customer_order_tracking_subscription"
        )
        self.assertEqual(action.res_model, Subscription._name)

    def test_cron_commits_progress_per_batch(self):
        pickings = [self._ship("easypost", ref=f"BATCH{i}") for i in range(3)]
        with self._cron_progress_not_committed() as commit_progress:
            self.Subscription._cron_process_subscriptions(batch_size=2)
        processed = [call.args[1] for call in commit_progress.call_args_list if len(call.args) > 1]
        self.assertEqual(processed, [2, 1])
        self.assertEqual({p.tracking_subscription_ids.state for p in pickings}, {"done"})
        self.assertEqual(len(self.server.requests), 3)

    def test_unexpected_answer_fails_like_an_outage(self):
        picking = self._ship("track17")
        self.server.script(PATHS["track17"], (200, {"code": 0, "data": {"rejected": ["odd"]}}))
        with self.assertLogs(
            "odoo.addons.customer_order_management.models.customer_order_tracking_subscription",
            level="ERROR",
        ):
            self._run_cron()
        sub = picking.tracking_subscription_ids
        self.assertRecordValues(
            sub,
            [
                {
                    "state": "pending",
                    "attempts": 1,
                    "last_error": "Unexpected error (AttributeError).",
                }
            ],
        )

    def test_replaced_reference_is_not_sent(self):
        picking = self._ship("aftership", ref="OLD1")
        picking.carrier_tracking_ref = "NEW1"
        self.assertRecordValues(
            picking.tracking_subscription_ids, [{"state": "pending", "tracking_ref": "NEW1"}]
        )
        self._run_cron()
        self.assertEqual(
            [json.loads(r["body"])["tracking_number"] for r in self.server.requests], ["NEW1"]
        )
        # Once registered, a registration is history: a new reference adds one.
        picking.carrier_tracking_ref = "NEWER"
        self.assertEqual(
            sorted(picking.tracking_subscription_ids.mapped("tracking_ref")), ["NEW1", "NEWER"]
        )


@tagged("post_install", "-at_install")
class TestTrackingSubscriptionRpc(TrackingSubscriptionCommon, HttpCase):
    def _call(self, model, method, args, kwargs=None):
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": {"context": {"active_test": False}, **(kwargs or {})},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_stock_user_over_rpc(self):
        picking = self._ship("easypost")
        sub = picking.tracking_subscription_ids
        carrier = self.carriers["easypost"]
        self.authenticate(self.stock_user.login, self.stock_user.login)
        reply = self._call("delivery.carrier", "read", [carrier.ids, ["tracking_api_key"]])
        self.assertEqual(reply["error"]["data"]["name"], "odoo.exceptions.AccessError")
        reply = self._call(
            "delivery.carrier", "web_read", [carrier.ids], {"specification": {"name": {}}}
        )
        self.assertNotIn("tracking_api_key", reply["result"][0])
        reply = self._call(
            "customer.order.tracking.subscription", "write", [sub.ids, {"state": "done"}]
        )
        self.assertEqual(reply["error"]["data"]["name"], "odoo.exceptions.AccessError")
        reply = self._call("customer.order.tracking.subscription", "read", [sub.ids, ["state"]])
        self.assertEqual(reply["result"][0]["state"], "pending")
        self.assertEqual(sub.state, "pending")
