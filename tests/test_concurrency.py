"""Races, with real transactions in parallel threads.

Each worker runs in its own cursor, wrapped in Odoo's own request loop
(``retrying``: a serialization failure is retried, as for an HTTP request),
and commits. The workers act on the demo data (committed, so that other
transactions see it: without it, those tests are skipped) or on records a
setup commits; what they create is deleted at the end."""

import contextlib
import threading
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools import serialize_on
from .common import DemoDataMixin
from .intake_files import csv_order, email


@tagged("post_install", "-at_install")
class TestConcurrency(DemoDataMixin, TransactionCase):
    def _in_parallel(self, count, work):
        """Run ``work(env, index)`` in ``count`` threads at once, each in
        its own transaction; returns ``[(result, error)]``."""
        barrier = threading.Barrier(count)
        outcomes = [None] * count

        def run(index):
            with closing(self.registry.cursor()) as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                barrier.wait(timeout=30)
                try:
                    outcomes[index] = (retrying(lambda: work(env, index), env), None)
                except Exception as error:  # noqa: BLE001 - reported to the test
                    outcomes[index] = (None, error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return outcomes

    def _committed(self, query, params):
        """Read what the workers committed (this test's own transaction
        started before them and does not see it)."""
        with closing(self.registry.cursor()) as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def _cleanup(self, *statements):
        def clean():
            with closing(self.registry.cursor()) as cr:
                for query, params in statements:
                    cr.execute(query, params)
                # The workers committed in their own transactions: so must
                # the removal of what they created.
                cr.commit()  # pylint: disable=invalid-commit

        return clean

    def test_parallel_webhook_replays_record_one_event(self):
        carrier = self.require_demo("demo_carrier_swift")
        picking = self.env["stock.picking"].search(
            [("carrier_id", "=", carrier.id), ("carrier_tracking_ref", "=", "SP-100118")]
        )
        event_id = f"race-{picking.id}-{fields.Datetime.now().timestamp()}"
        self.addCleanup(
            self._cleanup(
                ("DELETE FROM stock_picking_tracking_event WHERE external_id = %s", [event_id])
            )
        )
        # Older than the shipment's latest event: its state does not move.
        payload = {
            "tracking_ref": "SP-100118",
            "status": "in_transit",
            "event_time": (picking.date_done - timedelta(days=1)).isoformat(),
            "event_id": event_id,
        }

        def replay(env, _index):
            _event, created = (
                env["delivery.carrier"].browse(carrier.id)._process_tracking_payload(dict(payload))
            )
            return created

        outcomes = self._in_parallel(8, replay)
        self.assertEqual([error for _result, error in outcomes], [None] * 8)
        self.assertEqual(sorted(result for result, _error in outcomes), [False] * 7 + [True])
        rows = self._committed(
            "SELECT count(*) FROM stock_picking_tracking_event WHERE external_id = %s", [event_id]
        )
        self.assertEqual(rows[0][0], 1)

    def test_parallel_portal_requests_of_the_same_goods(self):
        order = self.require_demo("demo_order_history")
        returnable = order.order_line._get_returnable_qty()
        line_id, qty = max(returnable.items(), key=lambda item: item[1])
        self.assertGreater(qty, 0)
        reason = self.env.ref("customer_order_management.return_reason_damaged")
        created = []
        second_has_read = threading.Event()

        def request(env, index):
            # Make the race certain: the second request reads (takes its
            # snapshot) before the first one commits.
            if index == 1:
                env.cr.execute("SELECT 1")
                second_has_read.set()
            ret = (
                env["customer.return"]
                .sudo()
                ._create_from_portal(
                    env["sale.order"].browse(order.id),
                    {line_id: qty},
                    env["customer.return.reason"].browse(reason.id),
                    "refund",
                    False,
                )
            )
            created.append(ret.id)
            if index == 0:
                second_has_read.wait(timeout=10)
            return ret.id

        outcomes = self._in_parallel(2, request)
        self.addCleanup(
            self._cleanup(
                (
                    (
                        "DELETE FROM mail_activity WHERE res_model = 'customer.return' "
                        "AND res_id = ANY(%s)"
                    ),
                    [created],
                ),
                ("DELETE FROM customer_return WHERE id = ANY(%s)", [created]),
            )
        )
        granted = [result for result, error in outcomes if not error]
        refused = [error for _result, error in outcomes if error]
        self.assertEqual(len(granted), 1, outcomes)
        self.assertEqual(len(refused), 1, outcomes)
        self.assertIsInstance(refused[0], ValidationError)
        self.assertIn("at most", str(refused[0]))
        rows = self._committed(
            "SELECT sum(quantity) FROM customer_return_line l "
            "JOIN customer_return r ON r.id = l.return_id "
            "WHERE l.sale_line_id = %s AND r.state IN ('submitted', 'approved') "
            "AND r.id = ANY(%s)",
            [line_id, created],
        )
        self.assertEqual(rows[0][0], qty)

    def test_serialize_on_makes_a_late_reader_retry(self):
        """What the request checks rely on, on its own: a transaction that
        read before another one serialized on an order and committed fails
        to serialize on the same order (and Odoo retries its request).

        The parallel portal requests above also meet on other rows (their
        customer's partner row is written by both), so that test alone would
        pass without the order lock."""
        order = self.require_demo("demo_order_history")
        with (
            closing(self.registry.cursor()) as first,
            closing(self.registry.cursor()) as late,
        ):
            late_env = api.Environment(late, SUPERUSER_ID, {})
            late_env["sale.order"].browse(order.id).read(["name"])  # its snapshot
            serialize_on(api.Environment(first, SUPERUSER_ID, {})["sale.order"].browse(order.id))
            first.commit()
            with mute_logger("odoo.sql_db"), self.assertRaises(SerializationFailure):
                serialize_on(late_env["sale.order"].browse(order.id))

    def test_parallel_approvals_decide_once(self):
        """Two reviewers approving the same order at once: one decision,
        one chatter entry; the other gets a clear error. (Repeatable read
        alone would also keep one decision, after a retry; the row lock
        makes the second reviewer's error immediate and clear.)"""
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            rule = env["sale.order.review.rule"].create(
                {"name": "Race: any amount", "check_type": "amount_above", "threshold": 0}
            )
            customer = env["res.partner"].create({"name": "Race Customer"})
            product = env["product.product"].create({"name": "Race Desk", "list_price": 10.0})
            order = env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
            order.action_submit_review()
            self.assertEqual(order.review_state, "to_review")
            # The workers' own transactions must see the setup.
            cr.commit()  # pylint: disable=invalid-commit
            order_id, rule_id = order.id, rule.id
            customer_id, product_id = customer.id, product.id

        def remove():
            with closing(self.registry.cursor()) as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["sale.order"].browse(order_id).unlink()
                env["sale.order.review.rule"].browse(rule_id).unlink()
                env["product.product"].browse(product_id).unlink()
                env["res.partner"].browse(customer_id).unlink()
                cr.commit()  # pylint: disable=invalid-commit

        self.addCleanup(remove)
        admin = self.env.ref("base.user_admin").id

        def approve(env, _index):
            return env(user=admin)["sale.order"].browse(order_id).action_review_approve()

        outcomes = self._in_parallel(2, approve)
        errors = [error for _result, error in outcomes if error]
        self.assertEqual(len(errors), 1, outcomes)
        self.assertIsInstance(errors[0], UserError)
        rows = self._committed(
            "SELECT o.review_state, "
            "(SELECT count(*) FROM sale_order_review_issue WHERE order_id = o.id "
            "AND state = 'open'), "
            "(SELECT count(*) FROM mail_message WHERE model = 'sale.order' AND res_id = o.id "
            "AND body::text LIKE %s) FROM sale_order o WHERE o.id = %s",
            ["%approved:%", order_id],
        )
        self.assertEqual(rows, [("approved", 0, 1)])

    def test_count_and_receipt_in_parallel_never_overwrite_stock(self):
        """A count validated while a receipt into the counted location is
        validated: whichever commits first, the 7 received units stay (the
        count is applied before them, or flagged for recount after them)."""
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            location = env["stock.location"].create(
                {"name": "Race Bin", "location_id": warehouse.lot_stock_id.id}
            )
            product = env["product.product"].create(
                {"name": "Race Widget", "type": "consu", "is_storable": True}
            )
            env["stock.quant"]._update_available_quantity(product, location, 100)
            session = env["stock.count.session"].create({"location_id": location.id})
            session.action_start()
            session.line_ids.counted_qty = 100
            supplier = env.ref("stock.stock_location_suppliers")
            receipt = env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": supplier.id,
                    "location_dest_id": location.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 7,
                                "location_id": supplier.id,
                                "location_dest_id": location.id,
                            }
                        )
                    ],
                }
            )
            receipt.action_confirm()
            receipt.move_ids.quantity = 7
            receipt.move_ids.picked = True
            # The workers' own transactions must see the setup.
            cr.commit()  # pylint: disable=invalid-commit
            ids = {
                "location": location.id,
                "product": product.id,
                "session": session.id,
                "receipt": receipt.id,
            }
        self.addCleanup(
            self._cleanup(
                ("DELETE FROM stock_count_session WHERE id = %s", [ids["session"]]),
                ("DELETE FROM stock_move_line WHERE product_id = %s", [ids["product"]]),
                ("DELETE FROM stock_move WHERE product_id = %s", [ids["product"]]),
                ("DELETE FROM stock_picking WHERE id = %s", [ids["receipt"]]),
                ("DELETE FROM stock_quant WHERE product_id = %s", [ids["product"]]),
                ("DELETE FROM stock_location WHERE id = %s", [ids["location"]]),
                (
                    (
                        "DELETE FROM product_template WHERE id IN "
                        "(SELECT product_tmpl_id FROM product_product WHERE id = %s)"
                    ),
                    [ids["product"]],
                ),
            )
        )

        def act(env, index):
            if index == 0:
                return env["stock.count.session"].browse(ids["session"]).action_validate()
            return env["stock.picking"].browse(ids["receipt"]).button_validate()

        outcomes = self._in_parallel(2, act)
        self.assertEqual([error for _result, error in outcomes], [None, None])
        rows = self._committed(
            "SELECT (SELECT sum(quantity) FROM stock_quant WHERE product_id = %s "
            "AND location_id = %s), s.state, COALESCE(l.needs_recount, false) "
            "FROM stock_count_session s JOIN stock_count_line l ON l.session_id = s.id "
            "WHERE s.id = %s",
            [ids["product"], ids["location"], ids["session"]],
        )
        self.assertIn(rows, ([(107.0, "done", False)], [(107.0, "in_progress", True)]))

    def test_parallel_distinct_exceptions_are_all_recorded(self):
        """Distinct events arriving together are all stored, even when each
        one schedules the (one) exception activity: a clash on another row
        is retried, never answered "duplicate"."""
        carrier = self.require_demo("demo_carrier_swift")
        picking = self.env["stock.picking"].search(
            [("carrier_id", "=", carrier.id), ("carrier_tracking_ref", "=", "SP-100131")]
        )
        prefix = f"race-exc-{picking.id}-{fields.Datetime.now().timestamp()}-"
        activity_type = self.env.ref("mail.mail_activity_data_warning")

        def remove():
            with closing(self.registry.cursor()) as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                events = env["stock.picking.tracking.event"].search(
                    [("external_id", "=like", prefix + "%")]
                )
                events.unlink()
                env["mail.activity"].search(
                    [
                        ("res_model", "=", "stock.picking"),
                        ("res_id", "=", picking.id),
                        ("activity_type_id", "=", activity_type.id),
                    ]
                ).unlink()
                cr.commit()  # pylint: disable=invalid-commit

        self.addCleanup(remove)
        now = fields.Datetime.now()

        def post(env, index):
            _event, created = (
                env["delivery.carrier"]
                .browse(carrier.id)
                .sudo()
                ._process_tracking_payload(
                    {
                        "tracking_ref": "SP-100131",
                        "status": "exception",
                        "event_time": (now - timedelta(minutes=10 - index)).isoformat(),
                        "description": f"Address not found ({index})",
                        "event_id": f"{prefix}{index}",
                    }
                )
            )
            return created

        outcomes = self._in_parallel(6, post)
        self.assertEqual(outcomes, [(True, None)] * 6)
        rows = self._committed(
            "SELECT (SELECT count(*) FROM stock_picking_tracking_event WHERE external_id LIKE %s), "
            "(SELECT count(*) FROM mail_activity WHERE res_model = 'stock.picking' "
            "AND res_id = %s AND activity_type_id = %s)",
            [prefix + "%", picking.id, activity_type.id],
        )
        self.assertEqual(rows, [(6, 1)])

    def test_parallel_identical_emails_make_one_order(self):
        """The same purchase order e-mailed twice (a resend: another
        Message-Id) and processed by two gateways at once gives one order;
        the other e-mail lands in its thread."""
        self.require_demo()
        partner = self.env["res.partner"].search(
            [("email", "=", "achat@atelier-bruxelles.example.com")], limit=1
        )
        if not partner:
            self.skipTest("needs the demo customer Atelier Bruxelles")
        sender = f"{partner.name} <{partner.email}>"
        stamp = f"{fields.Datetime.now().timestamp()}"
        reference = f"RACE-{stamp}"
        form = csv_order([("RACE-CODE", "Race part", 3, 10.0, reference)])
        message_ids = [f"<race-{stamp}-{index}@mail.example.com>" for index in range(2)]
        self.addCleanup(
            self._cleanup(
                ("DELETE FROM sale_order WHERE client_order_ref = %s", [reference]),
                ("DELETE FROM mail_message WHERE message_id IN %s", [tuple(message_ids)]),
            )
        )

        # Both gateways look for a duplicate before either has written its
        # order (else one would commit first and the test prove nothing).
        checked = threading.Barrier(2)
        SaleOrder = self.registry["sale.order"]
        find_duplicate = SaleOrder._intake_find_duplicate_of_email

        def find_duplicate_then_wait(model, msg_dict):
            found = find_duplicate(model, msg_dict)
            with contextlib.suppress(threading.BrokenBarrierError):
                checked.wait(timeout=5)
            return found

        def receive(env, index):
            message = email(
                sender,
                "orders@example.com",
                subject=f"Order {reference}",
                attachments=[("order.csv", form, "text/csv")],
                message_id=message_ids[index],
            )
            return env["mail.thread"].message_process("sale.order", message)

        with patch.object(SaleOrder, "_intake_find_duplicate_of_email", find_duplicate_then_wait):
            outcomes = self._in_parallel(2, receive)
        self.assertEqual([error for _result, error in outcomes], [None, None])
        rows = self._committed("SELECT id FROM sale_order WHERE client_order_ref = %s", [reference])
        self.assertEqual(len(rows), 1)
        self.assertEqual({result for result, _error in outcomes}, {rows[0][0]})
