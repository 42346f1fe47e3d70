"""The server refuses, over JSON-RPC, what the UI refuses.

Each row of ``ATTACKS`` is one call a client can make to
``/web/dataset/call_kw`` with a real session of the least-privileged user of
a role: the call must be refused (an access, user or validation error) and
the watched fields of the target must not change. Every row runs twice: with
an empty context and with forged context keys. A new model, method or field
is covered by adding one line."""

import json

from odoo.tests import HttpCase, tagged

from .common import CustomerOrderPortalCommon

FORGED_CONTEXT = {
    "customer_order_review_write": True,
    "default_state": "approved",
    "default_review_state": "approved",
    "inventory_mode": True,
    "skip_backorder": True,
}
REFUSALS = (
    "odoo.exceptions.AccessError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
)

# (role, model, target fixture or None, method, args after the ids, watched fields)
ATTACKS = [
    # Orders and their review
    (
        "salesman",
        "sale.order",
        "blocked_order",
        "write",
        [{"review_state": "approved"}],
        ["review_state"],
    ),
    ("salesman", "sale.order", "blocked_order", "action_confirm", [], ["state"]),
    ("salesman", "sale.order", "blocked_order", "action_review_approve", [], ["review_state"]),
    (
        "salesman",
        "sale.order",
        None,
        "create",
        [{"partner_id": "customer", "review_state": "approved"}],
        [],
    ),
    # Document intake: its state is the intake's own
    (
        "salesman",
        "sale.order",
        "blocked_order",
        "write",
        [{"intake_state": "parsed", "intake_ack_date": "2026-01-01 00:00:00"}],
        ["intake_state", "intake_ack_date"],
    ),
    (
        "salesman",
        "sale.order",
        None,
        "create",
        [{"partner_id": "customer", "intake_state": "needs_attention"}],
        [],
    ),
    (
        "stock_user",
        "sale.order",
        "blocked_order",
        "write",
        [{"review_state": "approved"}],
        ["review_state"],
    ),
    (
        "portal_a",
        "sale.order",
        "blocked_order",
        "write",
        [{"review_state": "approved"}],
        ["review_state"],
    ),
    ("portal_a", "sale.order", "blocked_order", "action_confirm", [], ["state"]),
    (
        "salesman",
        "sale.order.review.issue",
        "blocking_issues",
        "write",
        [{"state": "approved", "decided_by_id": 2}],
        ["state", "decided_by_id"],
    ),
    (
        "reviewer",
        "sale.order.review.issue",
        "blocking_issues",
        "write",
        [{"state": "approved", "decided_by_id": 2}],
        ["state", "decided_by_id"],
    ),
    ("reviewer", "sale.order.review.issue", "blocking_issues", "unlink", [], ["state"]),
    (
        "reviewer",
        "sale.order.review.issue",
        None,
        "create",
        [{"order_id": "blocked_order", "message": "ok", "state": "approved"}],
        [],
    ),
    ("salesman", "sale.order.review.rule", "rule", "write", [{"active": False}], ["active"]),
    ("salesman", "sale.order", "blocked_order", "write", [{"state": "sale"}], ["state"]),
    (
        "salesman",
        "stock.picking",
        "delivery",
        "write",
        [{"shipment_state": "delivered"}],
        ["shipment_state"],
    ),
    (
        "salesman",
        "stock.picking",
        "delivery",
        "write",
        [{"shipped_date": "2030-01-01 00:00:00"}],
        ["shipped_date"],
    ),
    (
        "salesman",
        "stock.move",
        "delivery_moves",
        "write",
        [{"customer_return_line_id": "submitted_return_lines"}],
        ["customer_return_line_id"],
    ),
    # Returns
    (
        "salesman",
        "customer.return",
        "submitted_return",
        "write",
        [{"state": "approved", "decided_by_id": 2}],
        ["state", "decided_by_id"],
    ),
    (
        "stock_user",
        "customer.return",
        "submitted_return",
        "write",
        [{"state": "approved", "decided_by_id": 2}],
        ["state", "decided_by_id"],
    ),
    (
        "reviewer",
        "customer.return",
        "late_return",
        "write",
        [{"request_date": "2020-01-01 00:00:00"}],
        ["request_date"],
    ),
    ("reviewer", "customer.return", "late_return", "action_approve", [], ["state"]),
    ("salesman", "customer.return", "submitted_return", "action_approve", [], ["state"]),
    ("stock_user", "customer.return", "submitted_return", "action_approve", [], ["state"]),
    ("colleague", "customer.return", "submitted_return", "action_cancel", [], ["state"]),
    ("colleague", "customer.return", "submitted_return", "read", [["state"]], ["state"]),
    (
        "salesman",
        "customer.return",
        None,
        "create",
        [{"order_id": "delivered_order", "state": "approved"}],
        [],
    ),
    ("portal_a", "customer.return", "submitted_return", "action_approve", [], ["state"]),
    (
        "portal_a",
        "customer.return",
        "submitted_return",
        "write",
        [{"state": "cancelled"}],
        ["state"],
    ),
    ("portal_b", "customer.return", "submitted_return", "read", [["state"]], ["state"]),
    (
        "salesman",
        "customer.return.line",
        "submitted_return_lines",
        "write",
        [{"quantity": 5}],
        ["quantity"],
    ),
    (
        "colleague",
        "customer.return.line",
        "submitted_return_lines",
        "write",
        [{"disposition": "scrap"}],
        ["disposition"],
    ),
    (
        "portal_a",
        "customer.return.line",
        "submitted_return_lines",
        "write",
        [{"quantity": 5}],
        ["quantity"],
    ),
    (
        "salesman",
        "customer.return.line",
        "submitted_return_lines",
        "write",
        [{"return_id": "late_return"}],
        ["return_id"],
    ),
    ("salesman", "customer.return", "submitted_return", "action_receive", [], ["state"]),
    # Stock counts
    ("stock_user", "stock.count.line", "session_lines", "unlink", [], ["theoretical_qty"]),
    (
        "stock_user",
        "stock.count.session",
        "session_to_approve",
        "write",
        [{"state": "in_progress"}],
        ["state"],
    ),
    ("stock_user", "stock.count.session", "session_to_approve", "action_approve", [], ["state"]),
    (
        "stock_user",
        "stock.count.line",
        "session_lines",
        "write",
        [{"theoretical_qty": 1660}],
        ["theoretical_qty"],
    ),
    (
        "stock_user",
        "stock.count.line",
        "session_lines",
        "write",
        [{"needs_recount": True}],
        ["needs_recount"],
    ),
    ("salesman", "stock.count.session", "session_to_approve", "action_approve", [], ["state"]),
    # Carriers and tracking
    ("stock_user", "delivery.carrier", "carrier", "read", [["tracking_webhook_token"]], []),
    ("stock_user", "delivery.carrier", "carrier", "read", [["tracking_webhook_url"]], []),
    ("salesman", "delivery.carrier", "carrier", "write", [{"tracking_webhook_token": "mine"}], []),
    (
        "salesman",
        "stock.picking.tracking.event",
        None,
        "create",
        [{"picking_id": "delivery", "status": "delivered"}],
        [],
    ),
    (
        "portal_a",
        "stock.picking.tracking.event",
        None,
        "create",
        [{"picking_id": "delivery", "status": "delivered"}],
        [],
    ),
    (
        "salesman",
        "customer.order.report.schedule",
        None,
        "create",
        [{"name": "Leak", "recipient_ids": []}],
        [],
    ),
]


@tagged("post_install", "-at_install")
class TestRpcSecurity(CustomerOrderPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.write(
            {"return_window_days": 30, "count_approval_value": 100, "count_approval_percent": 0}
        )
        cls.users = {
            "salesman": cls.salesman,
            "reviewer": cls.reviewer,
            "colleague": cls._company_user("com_colleague", "sales_team.group_sale_salesman"),
            "stock_user": cls.stock_user,
            "stock_manager": cls.stock_manager,
            # The customer of the orders, and a customer of nothing here.
            "portal_a": cls.portal_user,
            "portal_b": cls.other_portal_user,
        }
        cls._set_stock(cls.storable, 100)
        cls.carrier = cls._create_carrier("RPC Freight")
        cls.delivered_order = cls._create_order(qty=5, user_id=cls.salesman.id)
        cls.delivered_order.action_confirm()
        cls.delivered_order.picking_ids.write({"carrier_id": cls.carrier.id})
        cls.delivery = cls._deliver(cls.delivered_order)

        def submitted(qty):
            ret = cls._create_return(cls.delivered_order, qty=qty)
            ret.action_submit()
            return ret

        cls.delivery_moves = cls.delivery.move_ids
        cls.submitted_return = submitted(1)
        cls.submitted_return_lines = cls.submitted_return.line_ids
        cls.late_return = submitted(1)
        # Asked 40 days after the delivery: outside the window.
        cls._shipped_days_ago(cls.delivery, 9000)
        cls.rule = cls._create_rule("amount_above", threshold=10.0)
        cls.blocked_order = cls._create_order(qty=1, user=cls.salesman)
        cls.blocked_order.action_submit_review()
        cls.blocking_issues = cls.blocked_order.review_issue_ids
        session = cls._started_count(cls.warehouse.lot_stock_id, cls.storable)
        session.line_ids.counted_qty = 1660
        session.action_validate()
        cls.session_to_approve = session
        cls.session_lines = session.line_ids

    def _resolve(self, value):
        """Fixture names in a row's values become their ids."""
        if isinstance(value, dict):
            return {key: self._resolve(val) for key, val in value.items()}
        if isinstance(value, str) and hasattr(self, value) and value != "state":
            record = getattr(self, value)
            if hasattr(record, "_name") and len(record) == 1:
                return record.id
        return value

    def _call(self, model, method, args, context):
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
                        "kwargs": {"context": context},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def _snapshot(self, records, fields):
        records.invalidate_recordset()
        return records.sudo().read(fields) if fields else None

    def test_every_attack_is_refused_and_changes_nothing(self):
        events_before = self.env["stock.picking.tracking.event"].search_count([])
        returns_before = self.env["customer.return"].search_count([])
        for role, model, target, method, args, watched in ATTACKS:
            records = getattr(self, target) if target else self.env[model]
            user = self.users[role]
            self.authenticate(user.login, user.login)
            for context in ({}, FORGED_CONTEXT):
                with self.subTest(role=role, model=model, method=method, args=args, ctx=context):
                    before = self._snapshot(records, watched)
                    call_args = [records.ids] if target else []
                    call_args += [self._resolve(arg) for arg in args]
                    body = self._call(model, method, call_args, context)
                    self.assertIn("error", body, f"{role} was allowed: {body.get('result')}")
                    self.assertIn(body["error"]["data"]["name"], REFUSALS, body["error"])
                    self.assertEqual(self._snapshot(records, watched), before)
        self.assertEqual(self.env["stock.picking.tracking.event"].search_count([]), events_before)
        self.assertEqual(self.env["customer.return"].search_count([]), returns_before)
        self.assertEqual(self.blocked_order.state, "draft")
        self.assertEqual(self.session_to_approve.state, "to_approve")

    def test_the_same_calls_work_for_the_right_role(self):
        """The harness reaches the server: the owners' own calls succeed."""
        self.authenticate(self.reviewer.login, self.reviewer.login)
        body = self._call("sale.order", "action_review_approve", [self.blocked_order.ids], {})
        self.assertNotIn("error", body, body)
        self.assertEqual(self.blocked_order.review_state, "approved")
        self.authenticate(self.stock_manager.login, self.stock_manager.login)
        body = self._call(
            "stock.count.session", "action_approve", [self.session_to_approve.ids], {}
        )
        self.assertNotIn("error", body, body)
        self.assertEqual(self.session_to_approve.state, "done")
        self.authenticate(self.portal_user.login, self.portal_user.login)
        body = self._call("customer.return", "read", [self.submitted_return.ids, ["state"]], {})
        self.assertEqual(body["result"][0]["state"], "submitted", body)
