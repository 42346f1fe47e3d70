from datetime import timedelta
from itertools import pairwise
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.mail_template import SKIP_REPORTS_KEY
from .common import MODULE, CustomerOrderCommon, DemoDataMixin


@tagged("post_install", "-at_install")
class TestDemoData(DemoDataMixin, TransactionCase):
    """The demo database tells one coherent story: real demo users at work,
    every order's steps dated in order, and a portal customer who can try
    the return flow at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.require_demo()
        cls.orders = cls._demo_records("sale.order")
        cls.returns = cls._demo_records("customer.return")
        cls.now = fields.Datetime.now()

    @classmethod
    def _demo_records(cls, model):
        data = cls.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", model)])
        return cls.env[model].browse(data.mapped("res_id")).exists()

    def _assert_in_order(self, record, steps):
        """``steps``: ``(label, datetime)`` pairs, the unreached steps
        (no date) left out, that must follow each other in time and lie
        in the past."""
        dated = [(label, date) for label, date in steps if date]
        for (label, date), (next_label, next_date) in pairwise(dated):
            self.assertLessEqual(
                date,
                next_date,
                f"{record.display_name}: {label} ({date}) after {next_label} ({next_date})",
            )
        for label, date in dated:
            self.assertLessEqual(date, self.now, f"{record.display_name}: {label} in the future")

    def test_demo_users_at_work(self):
        """Demo users, not OdooBot, sell, decide and answer for returns."""
        odoobot = self.env.ref("base.user_root")
        self.assertTrue(self.orders)
        self.assertTrue(self.returns)
        for order in self.orders:
            self.assertTrue(order.user_id, order.name)
            self.assertNotEqual(order.user_id, odoobot, order.name)
            self.assertNotIn(odoobot, order.review_issue_ids.decided_by_id, order.name)
        for session in self._demo_records("stock.count.session"):
            self.assertNotEqual(session.create_uid, odoobot, session.name)
        for ret in self.returns:
            self.assertTrue(ret.user_id, ret.name)
            self.assertNotEqual(ret.user_id, odoobot, ret.name)
            self.assertNotEqual(ret.decided_by_id, odoobot, ret.name)

    def test_order_steps_in_time_order(self):
        """received <= submitted <= decided <= confirmed <= shipped <=
        delivered; tracking events follow each other; an order's stage is
        dated after the step that reached it."""
        for order in self.orders:
            deliveries = order.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and not p.customer_return_id
            )
            confirmed = order.date_order if order.state == "sale" else False
            steps = [
                ("received", order.received_date),
                ("submitted", order.review_date),
                ("decided", order.review_decision_date),
                ("confirmed", confirmed),
            ]
            self._assert_in_order(order, steps)
            for delivery in deliveries.filtered(lambda p: p.state == "done"):
                self._assert_in_order(
                    delivery,
                    [
                        *steps,
                        ("scheduled", delivery.scheduled_date),
                        ("shipped", delivery.shipped_date),
                        ("validated", delivery.date_done),
                        ("delivered", delivery.delivered_date),
                    ],
                )
                events = delivery.tracking_event_ids.sorted("id")
                self.assertTrue(events, delivery.name)
                self._assert_in_order(
                    delivery,
                    [
                        ("shipped", delivery.shipped_date),
                        *((f"event {e.status}", e.event_date) for e in events),
                    ],
                )
                if delivery.delivered_date:
                    self.assertEqual(
                        delivery.delivered_date,
                        events.filtered(lambda e: e.status == "delivered")[:1].event_date,
                    )
            # The stage is as old as the step that reached it (or younger:
            # tests that commit may have moved the order since).
            reached = [date for _label, date in steps if date]
            reached += deliveries.mapped("shipped_date") + deliveries.mapped("delivered_date")
            self._assert_in_order(
                order,
                [
                    ("last step", max(date for date in reached if date)),
                    (f"stage {order.lifecycle_stage}", order.lifecycle_stage_date),
                ],
            )

    def test_returns_follow_the_delivery(self):
        """A return is requested after its order was delivered, then decided,
        received and completed in that order."""
        for ret in self.returns:
            deliveries = ret.order_id.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and not p.customer_return_id
            )
            delivered = deliveries.mapped("delivered_date")
            self.assertTrue(delivered and all(delivered), ret.name)
            self._assert_in_order(
                ret,
                [
                    ("delivered", max(delivered)),
                    ("requested", ret.request_date),
                    ("decided", ret.decision_date),
                    ("received", ret.received_date),
                    ("done", ret.done_date),
                ],
            )
            self.assertFalse(ret.is_outside_window, ret.name)

    def test_promises_kept_and_missed(self):
        """Demo orders were promised a delivery after their confirmation:
        the shipped ones on time, so that the overview's on-time rate
        means something."""
        shipped = self.orders.filtered(
            lambda o: o.state == "sale" and o.picking_ids.filtered("shipped_date")
        )
        self.assertTrue(shipped)
        for order in shipped:
            self.assertGreater(order.promised_date, order.date_order, order.name)
            for delivery in order.picking_ids.filtered("shipped_date"):
                self.assertLessEqual(delivery.shipped_date, order.promised_date, delivery.name)

    def test_portal_customer_can_try_returns(self):
        """The portal demo user (login portal) has a delivered order with
        quantities still returnable, and returns to follow."""
        portal_user = self.env.ref("base.demo_user0")
        partner = portal_user.partner_id
        orders = self.orders.filtered(lambda o: o.partner_id == partner)
        delivered = orders.filtered(lambda o: o.lifecycle_stage == "delivered")
        self.assertTrue(delivered)
        returnable = delivered.order_line._get_returnable_qty()
        self.assertTrue(any(qty > 0 for qty in returnable.values()))
        returns = self.returns.filtered(lambda r: r.partner_id == partner)
        self.assertTrue(returns.filtered(lambda r: r.state in ("submitted", "approved")))
        # What the portal user sees on /my/orders and /my/returns.
        as_portal = self.env(user=portal_user)
        self.assertIn(delivered[0], as_portal["sale.order"].search([]))
        # His returns, the demo repairs' included (built by code, without XML ids).
        self.assertEqual(
            as_portal["customer.return"].search([]),
            self.env["customer.return"].search([("partner_id", "child_of", partner.id)]),
        )
        self.assertLess(returns, as_portal["customer.return"].search([]))
        self.assertNotEqual(delivered[0].user_id, self.env.ref("base.user_root"))


@tagged("post_install", "-at_install")
class TestMailsWhileModulesLoad(CustomerOrderCommon):
    """While modules load (the demo data at install) no HTTP server serves
    the reports' stylesheet: the addon's customer e-mails go without their
    PDF then, instead of an unstyled one kept for good."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 10)
        cls.order = cls._create_order(qty=5, user_id=cls.salesman.id)
        cls.order.action_confirm()
        cls._deliver(cls.order)

    def _mail(self, record, subject_part):
        return record.message_ids.filtered(
            lambda m: (
                m.message_type in ("comment", "notification") and subject_part in (m.subject or "")
            )
        )

    def _approve_return(self):
        ret = self._create_return(self.order, qty=1, user=self.salesman)
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        return ret

    def test_return_authorization_left_out_while_loading(self):
        with patch.object(self.env.registry, "ready", False):
            ret = self._approve_return()
        mail = self._mail(ret, "approved")
        self.assertEqual(len(mail), 1, "the approval e-mail still goes")
        self.assertFalse(mail.attachment_ids)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "customer.return"), ("res_id", "=", ret.id)]
            )
        )
        # Once the server runs, the e-mail carries the return authorization.
        ret = self._approve_return()
        self.assertTrue(self._mail(ret, "approved").attachment_ids)

    def test_forged_key_keeps_the_pdf(self):
        """The key means "modules are loading" only while they are: sent by
        a client of a running server, it leaves no document out."""
        ret = self._create_return(self.order, qty=1, user=self.salesman)
        ret.action_submit()
        ret.with_user(self.reviewer).with_context(**{SKIP_REPORTS_KEY: True}).action_approve()
        self.assertTrue(self._mail(ret, "approved").attachment_ids)

    def test_order_confirmation_without_pdf_while_loading(self):
        orders = self.env["sale.order"]
        for ready in (False, True):
            order = self._create_order(qty=1, user_id=self.salesman.id)
            order.action_submit_review()
            self.assertEqual(order.review_state, "approved")
            with patch.object(self.env.registry, "ready", ready):
                order.action_confirm()
            orders |= order
        while_loading, running = (self._mail(order, order.name) for order in orders)
        self.assertEqual(len(while_loading), 1, "the confirmation e-mail still goes")
        self.assertFalse(while_loading.attachment_ids)
        self.assertTrue(running.attachment_ids)


@tagged("post_install", "-at_install")
class TestInstallOnExistingOrders(CustomerOrderCommon):
    def test_existing_orders_received_when_entered(self):
        """Orders already in the database when the addon is installed were
        received when entered, or on their order date if earlier: never
        after their confirmation (the portal timeline)."""
        entered = fields.Datetime.now() - timedelta(days=30)
        confirmed = self._create_order(qty=1)
        confirmed.action_confirm()
        quotation = self._create_order(qty=1)
        orders = confirmed | quotation
        # Raw SQL below: the ORM's pending writes (confirmation) go first.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order SET received_date = NULL, create_date = %s WHERE id IN %s",
            [entered, tuple(orders.ids)],
        )
        self.env.cr.execute(
            "UPDATE sale_order SET date_order = %s WHERE id = %s",
            [entered - timedelta(days=2), confirmed.id],
        )
        orders.invalidate_recordset()
        self.env["sale.order"]._init_column("received_date")
        orders.invalidate_recordset()
        self.assertEqual(confirmed.received_date, entered - timedelta(days=2))
        self.assertEqual(quotation.received_date, entered)

    def test_planner_shows_every_demand_pattern(self):
        """The demo's four products, each sold in its own pattern, are
        classified so by a planner with its defaults, and each gets the
        method of its pattern."""
        stock_user = new_test_user(
            self.env, login="com_demo_planner", groups="stock.group_stock_user"
        )
        planner = self.env["stock.replenishment.planner"].with_user(stock_user).create({})
        expected = {
            "demo_product_paper": ("smooth", "ses"),
            "demo_product_toner": ("erratic", "ses"),
            "demo_product_monitor_arm": ("intermittent", "sba"),
            "demo_product_stacking_chair": ("lumpy", "tsb"),
        }
        for xmlid, (pattern, method) in expected.items():
            product = self.env.ref(f"{MODULE}.{xmlid}")
            line = planner.line_ids.filtered(lambda line, p=product: line.product_id == p)
            with self.subTest(product=product.display_name):
                self.assertRecordValues(
                    line, [{"demand_pattern": pattern, "forecast_method": method, "to_apply": True}]
                )
                self.assertGreater(line.forecast_daily, 0.0)
                self.assertGreater(line.suggested_max, line.suggested_min)
                self.assertGreater(line.qty_on_hand, 0.0)
