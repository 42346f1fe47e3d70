"""Races, with real transactions in parallel threads.

Each worker runs in its own cursor, wrapped in Odoo's own request loop
(``retrying``: a serialization failure is retried, as for an HTTP request),
and commits. The workers act on the demo data (committed, so that other
transactions see it); what they create is deleted at the end."""

import threading
from contextlib import closing
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import ValidationError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestConcurrency(TransactionCase):
    def _demo(self, xmlid):
        record = self.env.ref(f"customer_order_management.{xmlid}", raise_if_not_found=False)
        if not record:
            self.skipTest("needs the demo data")
        return record

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
        carrier = self._demo("demo_carrier_swift")
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
        order = self._demo("demo_order_history")
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
