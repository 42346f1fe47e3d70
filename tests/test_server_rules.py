"""The rules hold on the server, for every caller and every context.

Each test reproduces what a client could do over RPC before the rules were
enforced on the server (issue "Server-side enforcement"), as the
least-privileged user concerned, and checks both the refusal and that
nothing was written."""

import importlib.util
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, ConcurrencyError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CustomerOrderCommon, write_history


def _load_migration(version, name):
    path = Path(__file__).parent.parent / "migrations" / version / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"com_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What a client used to send to make the server skip its checks.
FORGED_CONTEXT = {"customer_order_review_write": True, "default_review_state": "approved"}


@tagged("post_install", "-at_install")
class TestReviewEnforcement(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for threshold in (10.0, 20.0, 30.0):
            cls._create_rule("amount_above", name=f"Above {threshold}", threshold=threshold)

    def _blocked_order(self):
        order = self._create_order(qty=1, price=100, user=self.salesman)
        order.with_user(self.salesman).action_submit_review()
        self.assertEqual(len(order.review_issue_ids.filtered("blocking")), 3)
        return order

    def test_review_state_cannot_be_forged(self):
        order = self._blocked_order()
        as_salesman = order.with_user(self.salesman).with_context(**FORGED_CONTEXT)
        with self.assertRaises(AccessError) as refused:
            as_salesman.write({"review_state": "approved"})
        self.assertEqual(
            str(refused.exception),
            "Sales Order: Review can only be changed with the document's own "
            "buttons, not written directly.",
        )
        self.assertEqual(order.review_state, "to_review")
        with self.assertRaisesRegex(UserError, "waits for review approval"):
            as_salesman.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_review_state_cannot_be_created_or_defaulted(self):
        Order = self.env["sale.order"].with_user(self.salesman)
        vals = {"partner_id": self.customer.id}
        with self.assertRaises(AccessError):
            Order.create({**vals, "review_state": "approved"})
        with self.assertRaises(AccessError):
            Order.with_context(default_review_state="approved").create(vals)
        with self.assertRaises(AccessError):
            self._create_order(user=self.salesman).copy({"review_state": "approved"})

    def test_confirmation_looks_at_open_issues_not_at_the_state(self):
        order = self._blocked_order()
        # Even a state written behind the methods' back does not confirm it.
        write_history(order, {"review_state": "approved"})
        with self.assertRaisesRegex(UserError, "waits for review approval"):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_issue_decisions_cannot_be_written(self):
        order = self._blocked_order()
        issues = order.review_issue_ids
        for user in (self.salesman, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                issues.with_user(user).with_context(**FORGED_CONTEXT).write(
                    {"state": "approved", "decided_by_id": user.id}
                )
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                order.with_user(user).write(
                    {"review_issue_ids": [Command.update(issues[0].id, {"state": "approved"})]}
                )
        self.assertEqual(set(issues.mapped("state")), {"open"})
        self.assertFalse(issues.decided_by_id)

    def test_material_change_voids_approval_whatever_the_context(self):
        self.env["sale.order.review.rule"].search([]).action_archive()
        order = self._create_order(qty=1, price=100, user=self.salesman)
        order.with_user(self.salesman).action_submit_review()
        self.assertEqual(order.review_state, "approved")
        order.order_line.with_user(self.salesman).with_context(**FORGED_CONTEXT).write(
            {"price_unit": 99999}
        )
        self.assertEqual(order.review_state, "not_reviewed")
        order.with_user(self.salesman).action_submit_review()
        # A superuser's write voids it as well: it is about the order, not who.
        order.order_line.sudo().write({"product_uom_qty": 7})
        self.assertEqual(order.review_state, "not_reviewed")

    def test_company_wide_rules_see_other_salespeople_orders(self):
        self.env["sale.order.review.rule"].search([]).action_archive()
        colleague = self._company_user("com_colleague", "sales_team.group_sale_salesman")
        for _i in range(4):
            history = self._create_order(qty=1, price=35, user=colleague)
            history.action_confirm()
        self._create_rule("new_customer")
        self._create_rule("duplicate_order", days=7)
        duplicate = self._create_order(qty=3, price=50, user=colleague)
        order = self._create_order(qty=3, price=50, user=self.salesman)
        self.assertFalse(order.with_user(self.salesman).search([("id", "=", duplicate.id)]))
        order.with_user(self.salesman).action_submit_review()
        messages = order.review_issue_ids.mapped("message")
        self.assertFalse([m for m in messages if "First order" in m], messages)
        self.assertTrue([m for m in messages if duplicate.name in m], messages)


@tagged("post_install", "-at_install")
class TestReturnEnforcement(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.return_window_days = 30
        cls.colleague = cls._company_user("com_colleague", "sales_team.group_sale_salesman")
        cls._set_stock(cls.storable, 100)
        cls.order = cls._create_order(qty=5, user_id=cls.salesman.id)
        cls.order.action_confirm()
        cls.delivery = cls._deliver(cls.order)

    def _return(self, qty=2.0, order=None, user=None):
        return self._create_return(order or self.order, qty=qty, user=user or self.salesman)

    def test_state_and_decision_cannot_be_written(self):
        ret = self._return()
        ret.action_submit()
        for user in (self.salesman, self.stock_user, self.reviewer):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                ret.with_user(user).with_context(**FORGED_CONTEXT).write(
                    {"state": "approved", "decided_by_id": 2}
                )
        self.assertRecordValues(
            ret, [{"state": "submitted", "decided_by_id": False, "return_picking_id": False}]
        )
        with self.assertRaises(AccessError):
            self.env["customer.return"].with_user(self.salesman).with_context(
                default_state="approved"
            ).create({"order_id": self.order.id})

    def test_request_date_cannot_be_moved_into_the_window(self):
        ret = self._return()
        ret.action_submit()
        write_history(ret, {"request_date": fields.Datetime.now() + timedelta(days=40)})
        self.assertTrue(ret.is_outside_window)
        with self.assertRaises(AccessError):
            ret.with_user(self.reviewer).write({"request_date": fields.Datetime.now()})
        with self.assertRaisesRegex(AccessError, "only an order management manager"):
            ret.with_user(self.reviewer).action_approve()
        self.assertEqual(ret.state, "submitted")

    def test_submitted_request_cannot_change(self):
        ret = self._return(qty=1)
        ret.action_submit()
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            ret.line_ids.with_user(self.salesman).write({"quantity": 5})
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            ret.with_user(self.salesman).write({"line_ids": [Command.clear()]})
        self.assertEqual(ret.line_ids.quantity, 1)

    def test_salesperson_sees_returns_of_own_orders_only(self):
        mine = self._return()
        other_order = self._create_order(qty=3, user_id=self.colleague.id)
        other_order.action_confirm()
        self._deliver(other_order)
        theirs = self._return(order=other_order, user=self.colleague)
        theirs.action_submit()
        theirs.with_user(self.reviewer).action_approve()
        Return = self.env["customer.return"].with_user(self.salesman)
        self.assertEqual(Return.search([("id", "in", (mine | theirs).ids)]), mine)
        self.assertFalse(
            self.env["customer.return.line"]
            .with_user(self.salesman)
            .search([("return_id", "=", theirs.id)])
        )
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman).action_cancel()
        with self.assertRaises(AccessError):
            theirs.line_ids.with_user(self.salesman).write({"disposition": "scrap"})
        self.assertEqual(theirs.state, "approved")
        self.assertEqual(theirs.return_picking_id.state, "assigned")
        # Reviewers and the warehouse see every return.
        for user in (self.reviewer, self.stock_user):
            self.assertEqual(
                self.env["customer.return"].with_user(user).search([("id", "in", theirs.ids)]),
                theirs,
            )


@tagged("post_install", "-at_install")
class TestExchangeRoutes(CustomerOrderCommon):
    """Replacements ship through the warehouse's own routes."""

    def _exchange_in(self, delivery_steps):
        self.warehouse.delivery_steps = delivery_steps
        self._set_stock(self.storable, 20)
        order = self._create_order(qty=3, warehouse_id=self.warehouse.id)
        order.action_confirm()
        self._ship_all(order)
        ret = self._create_return(order, qty=1, resolution="exchange")
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        ret.action_receive()
        return order, ret

    def test_exchange_in_each_warehouse_setup(self):
        for steps, transfers in (("ship_only", 1), ("pick_ship", 2), ("pick_pack_ship", 3)):
            with self.subTest(steps=steps):
                order, ret = self._exchange_in(steps)
                self.assertEqual(ret.state, "received")
                self.assertTrue(ret.replacement_picking_id)
                self._ship_all(order, origin=ret)
                chain = self.env["stock.picking"].search([("customer_return_id", "=", ret.id)])
                chain -= ret.return_picking_id
                self.assertEqual(len(chain), transfers, chain.mapped("name"))
                self.assertEqual(set(chain.mapped("state")), {"done"})
                replacement = ret.replacement_picking_id
                self.assertEqual(replacement.picking_type_id, self.warehouse.out_type_id)
                self.assertEqual(replacement.location_dest_id.usage, "customer")
                self.assertEqual(replacement.move_ids.customer_return_line_id, ret.line_ids)
                self.assertEqual(ret.state, "done")
                self.assertEqual(order.order_line.qty_delivered, 3)


@tagged("post_install", "-at_install")
class TestCountEnforcement(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"count_approval_value": 100.0, "count_approval_percent": 0.0})
        cls.location = cls.warehouse.lot_stock_id
        cls._set_stock(cls.storable, 100)

    def _session(self):
        return self._started_count(self.location, self.storable, self.stock_user)

    def _quant_qty(self):
        return self.storable.with_context(location=self.location.id).qty_available

    def test_book_quantity_and_state_cannot_be_written(self):
        session = self._session()
        line = session.line_ids
        line.counted_qty = 1660
        as_user = session.with_user(self.stock_user).with_context(**FORGED_CONTEXT)
        with self.assertRaises(AccessError):
            line.with_user(self.stock_user).write({"theoretical_qty": 1660})
        session.action_validate()
        self.assertEqual(session.state, "to_approve")
        with self.assertRaises(AccessError):
            as_user.write({"state": "in_progress"})
        with self.assertRaisesRegex(AccessError, "stock managers"):
            as_user.action_approve()
        self.assertRecordValues(line, [{"theoretical_qty": 100, "difference_qty": 1560}])
        self.assertEqual(session.state, "to_approve")
        self.assertEqual(self._quant_qty(), 100)

    def test_receipt_in_the_snapshot_second_is_not_overwritten(self):
        session = self._session()
        line = session.line_ids
        line.counted_qty = line.theoretical_qty
        # 7 units received through a validated receipt, dated the snapshot's
        # own second: a timestamp comparison cannot see it.
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.storable.id,
                            "product_uom_qty": 7,
                            "location_id": self.env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": self.location.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_ids.quantity = 7
        receipt.move_ids.picked = True
        receipt.button_validate()
        receipt.move_ids.move_line_ids.write({"date": line.snapshot_date})
        action = session.with_user(self.stock_user).action_validate()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertTrue(line.needs_recount)
        self.assertEqual(session.state, "in_progress")
        self.assertEqual(self._quant_qty(), 107)


@tagged("post_install", "-at_install")
class TestCarrierEnforcement(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carriers = cls._create_carrier("Token One") | cls._create_carrier("Token Two")

    def _tokens(self):
        return self.carriers.sudo().mapped("tracking_webhook_token")

    def test_new_column_gives_each_carrier_its_own_token(self):
        self.env.cr.execute("UPDATE delivery_carrier SET tracking_webhook_token = NULL")
        self.env["delivery.carrier"]._init_column("tracking_webhook_token")
        self.carriers.invalidate_recordset()
        all_tokens = self.env["delivery.carrier"].search([]).sudo().mapped("tracking_webhook_token")
        self.assertEqual(len(set(all_tokens)), len(all_tokens))
        self.assertTrue(all(all_tokens))

    def test_migration_revokes_shared_tokens(self):
        # A database of the previous version: no unique index, one shared token.
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'delivery_carrier' "
            "AND indexdef LIKE '%%UNIQUE%%tracking_webhook_token%%'"
        )
        for (index,) in self.env.cr.fetchall():
            self.env.cr.execute(f'DROP INDEX "{index}"')
        self.env.cr.execute(
            "UPDATE delivery_carrier SET tracking_webhook_token = 'shared' WHERE id IN %s",
            [tuple(self.carriers.ids)],
        )
        _load_migration("19.0.2.0.0", "pre-migration").migrate(self.env.cr, "19.0.1.0.0")
        self.carriers.invalidate_recordset()
        tokens = self._tokens()
        self.assertNotIn("shared", tokens)
        self.assertEqual(len(set(tokens)), 2)

    def test_tokens_are_unique(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.carriers[1].sudo().tracking_webhook_token = self._tokens()[0]
            self.env.flush_all()

    def test_webhook_url_of_several_carriers(self):
        urls = self.carriers.with_user(self.stock_manager).mapped("tracking_webhook_url")
        self.assertEqual(len(set(urls)), 2)
        self.assertTrue(all("/customer_order_management/tracking/" in url for url in urls))


@tagged("post_install", "-at_install")
class TestExceptionActivity(CustomerOrderCommon):
    def test_carrier_text_is_plain_text_and_one_activity(self):
        self._set_stock(self.storable, 10)
        order = self._create_order(qty=1)
        order.action_confirm()
        picking = self._deliver(order)
        picking.tracking_event_ids.event_date = fields.Datetime.now() - timedelta(hours=1)
        hostile = '<a href="https://evil.example/pay">Pay customs here</a>'
        Event = self.env["stock.picking.tracking.event"].with_user(self.env.ref("base.public_user"))
        for minutes in range(5, 0, -1):
            Event.sudo().create(
                {
                    "picking_id": picking.id,
                    "status": "exception",
                    "source": "carrier",
                    "description": hostile,
                    "event_date": fields.Datetime.now() - timedelta(minutes=minutes),
                }
            )
        activities = picking.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_warning")
        )
        self.assertEqual(len(activities), 1)
        self.assertNotIn("<a", str(activities.note))
        self.assertIn("&lt;a href", str(activities.note))
        again = picking.message_ids.filtered(lambda m: "exception again" in str(m.body))
        self.assertEqual(len(again), 4)
        self.assertNotIn("<a", str(again[0].body))


@tagged("post_install", "-at_install")
class TestBypassesFoundInReview(CustomerOrderCommon):
    """What an attack on a running server still got past the first round
    of rules (each was reproduced over JSON-RPC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.return_window_days = 30
        cls._set_stock(cls.storable, 1000)
        cls.order = cls._create_order(qty=5, user_id=cls.salesman.id)
        cls.order.action_confirm()
        cls.delivery = cls._deliver(cls.order)

    def test_state_written_directly_passes_the_confirmation_gate(self):
        self._create_rule("amount_above", threshold=10.0)
        order = self._create_order(qty=1, user=self.salesman)
        order.action_submit_review()
        with self.assertRaisesRegex(UserError, "waits for review approval"):
            order.write({"state": "sale"})
        self.assertEqual(order.state, "draft")
        # An order no rule flags still takes a direct write, as in Odoo.
        self.env["sale.order.review.rule"].search([]).action_archive()
        free = self._create_order(qty=1, user=self.salesman)
        free.write({"state": "sale"})
        self.assertEqual(free.state, "sale")

    def test_a_line_moved_between_orders_voids_both_approvals(self):
        approved = self._create_order(qty=3, price=50, user=self.salesman)
        approved.action_submit_review()
        self.assertEqual(approved.review_state, "approved")
        other = self._create_order(qty=1000, user=self.salesman)
        other.order_line.write({"order_id": approved.id})
        self.assertEqual(approved.review_state, "not_reviewed")
        approved.action_submit_review()
        approved.order_line[-1:].write({"order_id": other.id})
        self.assertEqual(approved.review_state, "not_reviewed")

    def test_saved_user_defaults_do_not_reach_protected_fields(self):
        Default = self.env["ir.default"].with_user(self.salesman)
        Default.set("sale.order", "review_state", "approved", user_id=True)
        Default.set("customer.return", "state", "approved", user_id=True)
        order = self._create_order(user=self.salesman)
        self.assertEqual(order.review_state, "not_reviewed")
        ret = self._create_return(self.order, qty=1, user=self.salesman)
        self.assertRecordValues(ret, [{"state": "draft", "decided_by_id": False}])

    def test_return_stays_with_its_order_and_customer(self):
        ret = self._create_return(self.order, qty=1, user=self.salesman)
        other_customer = self.env["res.partner"].create({"name": "Someone Else"})
        other_order = self._create_order(qty=2, partner_id=other_customer.id)
        other_order.action_confirm()
        # Odoo's assertRaises rolls back what the refused write left behind.
        with self.assertRaises(ValidationError) as caught:
            ret.write({"order_id": other_order.id})
        self.assertIn("another order", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            ret.write({"partner_id": other_customer.id})
        self.assertIn("must be in the name of", str(caught.exception))
        submitted = self._create_return(self.order, qty=1, user=self.salesman)
        submitted.action_submit()
        with self.assertRaises(UserError) as caught:
            ret.line_ids.write({"return_id": submitted.id})
        self.assertIn("stays in the return", str(caught.exception))
        self.assertRecordValues(ret, [{"order_id": self.order.id, "partner_id": self.customer.id}])
        self.assertEqual(submitted.line_ids.quantity, 1)

    def test_refund_never_exceeds_the_approved_quantity(self):
        ret = self._create_return(self.order, qty=1)
        ret.action_submit()
        ret.with_user(self.reviewer).action_approve()
        receipt_move = self.env["stock.move"].search(
            [("product_id", "=", self.storable.id), ("picking_code", "=", "incoming")], limit=1
        )
        with self.assertRaises(AccessError):
            self.env["stock.move"].browse(receipt_move.ids).with_user(self.salesman).write(
                {"customer_return_line_id": ret.line_ids.id}
            )
        with self.assertRaises(AccessError):
            ret.with_user(self.salesman).action_receive()
        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(ret.line_ids.received_qty, 1)
        self.assertEqual(ret.refund_move_id.invoice_line_ids.quantity, 1)

    def test_return_window_counts_from_the_recorded_shipment(self):
        self._shipped_days_ago(self.delivery, 60)
        with self.assertRaises(AccessError):
            self.delivery.with_user(self.salesman).write({"shipped_date": fields.Datetime.now()})
        # Odoo lets a salesperson edit the date done: the window does not move.
        self.delivery.with_user(self.salesman).write({"date_done": fields.Datetime.now()})
        ret = self._create_return(self.order, qty=1)
        ret.action_submit()
        self.assertTrue(ret.is_outside_window)
        with self.assertRaisesRegex(AccessError, "only an order management manager"):
            ret.with_user(self.reviewer).action_approve()

    def test_shipment_fields_are_the_events(self):
        with self.assertRaises(AccessError):
            self.delivery.with_user(self.salesman).write(
                {"shipment_state": "delivered", "delivered_date": fields.Datetime.now()}
            )
        self.assertEqual(self.delivery.shipment_state, "shipped")

    def test_shipment_fields_cannot_be_created_either(self):
        """What write refuses, create refuses too: a picking made over RPC
        already shipped, delivered or belonging to a return."""
        ret = self._create_return(self.order, qty=1)
        Picking = self.env["stock.picking"].with_user(self.stock_user)
        base = {
            "picking_type_id": self.warehouse.out_type_id.id,
            "partner_id": self.customer.id,
            "location_id": self.warehouse.lot_stock_id.id,
            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
        }
        count = Picking.search_count([])
        for vals in (
            {"shipped_date": "2020-01-01 00:00:00"},
            {"delivered_date": "2020-01-02 00:00:00"},
            {"shipment_state": "delivered"},
            {"customer_return_id": ret.id},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(AccessError, "can only be changed with the document"),
                self.cr.savepoint(),
            ):
                Picking.create({**base, **vals})
            # A context default is no way around it.
            key, value = next(iter(vals.items()))
            with (
                self.subTest(default=key),
                self.assertRaisesRegex(AccessError, "can only be changed with the document"),
                self.cr.savepoint(),
            ):
                Picking.with_context(**{f"default_{key}": value}).create(base)
        self.assertEqual(Picking.search_count([]), count)
        # Nor is a copy of another return's picking with that return as default.
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.delivery.with_user(self.stock_user).copy({"customer_return_id": ret.id})
        picking = Picking.create(base)
        self.assertFalse(picking.shipped_date or picking.customer_return_id)

    def test_absurd_quantities_are_refused_clearly(self):
        for qty in (1e308, float("nan"), float("inf")):
            with self.subTest(qty=qty), self.assertRaisesRegex(ValidationError, "real quantity"):
                self._create_return(self.order, qty=qty, user=self.salesman)

    def test_portal_customer_is_not_shown_the_review_notes(self):
        self._create_rule("amount_above", threshold=10.0)
        portal = new_test_user(self.env, login="com_portal_review", groups="base.group_portal")
        order = self._create_order(qty=1, partner_id=portal.partner_id.id)
        order.action_submit_review()
        message = order.with_user(portal).sudo(False)._confirmation_error_message()
        self.assertIn("being reviewed by our team", message)
        self.assertNotIn("above", message)
        self.assertIn("above", order._confirmation_error_message())


@tagged("post_install", "-at_install")
class TestCountLinesStay(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.location = cls.warehouse.lot_stock_id
        cls._set_stock(cls.storable, 1000)

    def _started(self):
        return self._started_count(self.location, self.storable, self.stock_user)

    def test_a_second_line_for_the_same_stock_is_refused(self):
        session = self._started()
        session.line_ids.counted_qty = 1000
        with self.assertRaises(ValidationError) as caught:
            session.line_ids.create(
                {
                    "session_id": session.id,
                    "product_id": self.storable.id,
                    "location_id": self.location.id,
                    "counted_qty": 0,
                }
            )
        self.assertIn("already on a line", str(caught.exception))
        self.assertEqual(len(session.line_ids), 1)

    def test_saved_default_quant_does_not_reach_a_line(self):
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.storable.id), ("location_id", "=", self.location.id)]
        )
        self.env["ir.default"].with_user(self.stock_user).set(
            "stock.count.line", "quant_id", quant.id, user_id=True
        )
        session = self._started()
        found = self.env["product.product"].create(
            {"name": "Found Goods", "type": "consu", "is_storable": True}
        )
        line = session.line_ids.with_user(self.stock_user).create(
            {"session_id": session.id, "product_id": found.id, "location_id": self.location.id}
        )
        self.assertFalse(line.quant_id)

    def test_lines_of_a_decided_count_stay(self):
        session = self._started()
        session.line_ids.counted_qty = 1000
        session.action_validate()
        self.assertEqual(session.state, "done")
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            session.line_ids.with_user(self.stock_user).unlink()
        other = self._started()
        with self.assertRaisesRegex(UserError, "stays in the count"):
            other.line_ids.with_user(self.stock_user).write({"session_id": session.id})
        self.assertEqual(len(session.line_ids), 1)


@tagged("post_install", "-at_install")
class TestWebhookClashes(CustomerOrderCommon):
    def test_other_unique_clash_is_retried_not_answered_duplicate(self):
        """Only the event's own unique index means "already recorded";
        any other clash (two requests following the same record, say) makes
        Odoo retry the request, never a lost event answered "duplicate"."""
        self._set_stock(self.storable, 10)
        carrier = self._create_carrier("Clash Freight")
        order = self._create_order(qty=1)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": carrier.id, "carrier_tracking_ref": "CL-1"})
        picking = self._deliver(order)
        picking.message_subscribe(partner_ids=self.customer.ids)
        Event = self.env["stock.picking.tracking.event"]

        def create_meeting_a_follower(records, vals_list):
            records.env.cr.execute(
                "INSERT INTO mail_followers (res_model, res_id, partner_id) "
                "VALUES ('stock.picking', %s, %s)",
                [picking.id, self.customer.id],
            )

        payload = {
            "tracking_ref": "CL-1",
            "status": "exception",
            "event_time": fields.Datetime.now().isoformat(),
            "event_id": "CL-EVENT",
        }
        with (
            patch.object(type(Event), "create", create_meeting_a_follower),
            mute_logger("odoo.sql_db"),
            self.assertRaises(ConcurrencyError),
        ):
            carrier._process_tracking_payload(dict(payload))
        self.assertFalse(Event.search([("external_id", "=", "CL-EVENT")]))
