from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestLifecycle(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_rule("amount_above", threshold=1000)

    def test_stages_follow_the_order(self):
        with freeze_time("2026-03-02 08:00:00"):
            order = self._create_order(qty=20)
            self.assertEqual(order.lifecycle_stage, "received")
            self.assertEqual(
                order.lifecycle_stage_date, fields.Datetime.to_datetime("2026-03-02 08:00:00")
            )
        with freeze_time("2026-03-03 08:00:00"):
            order.action_submit_review()
            self.assertEqual(order.lifecycle_stage, "in_review")
            self.assertEqual(
                order.lifecycle_stage_date, fields.Datetime.to_datetime("2026-03-03 08:00:00")
            )
        with freeze_time("2026-03-08 09:00:00"):
            order.invalidate_recordset(["stage_age_days", "stage_age_bucket"])
            self.assertEqual(order.stage_age_days, 5)
            self.assertEqual(order.stage_age_bucket, "4_7")
            # A write that does not change the stage keeps its date.
            order.note = "call first"
            self.assertEqual(
                order.lifecycle_stage_date, fields.Datetime.to_datetime("2026-03-03 08:00:00")
            )
            order._action_review_reject("no")
            self.assertEqual(order.lifecycle_stage, "rejected")
        order.order_line.product_uom_qty = 1
        order.action_submit_review()
        order.action_confirm()
        self.assertEqual(order.lifecycle_stage, "confirmed")
        order._action_cancel()
        self.assertEqual(order.lifecycle_stage, "cancelled")

    def test_age_buckets(self):
        order = self._create_order()
        now = fields.Datetime.now()
        for delta, bucket in (
            (timedelta(hours=2), "today"),
            (timedelta(days=2), "1_3"),
            (timedelta(days=6), "4_7"),
            (timedelta(days=30), "over_7"),
        ):
            order.lifecycle_stage_date = now - delta
            self.assertEqual(order.stage_age_bucket, bucket)

    def test_stage_change_is_tracked(self):
        order = self._create_order(qty=20)
        self.env.cr.precommit.run()  # tracking starts once the creation is committed
        order.action_submit_review()
        self.env.cr.precommit.run()
        tracked = order.message_ids.sudo().tracking_value_ids
        self.assertIn(
            "lifecycle_stage", tracked.field_id.mapped("name"), tracked.field_id.mapped("name")
        )

    def test_order_desk_groups_by_stage(self):
        self._create_order(user=self.salesman)
        groups = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .with_context(read_group_expand=True)
            .formatted_read_group([], ["lifecycle_stage"], ["__count"])
        )
        self.assertEqual(
            [group["lifecycle_stage"] for group in groups],
            [key for key, _label in self.env["sale.order"]._fields["lifecycle_stage"].selection],
        )

    def test_age_bucket_search_and_group(self):
        now = fields.Datetime.now()
        ages = {
            "today": timedelta(hours=2),
            "1_3": timedelta(days=3, hours=5),
            "4_7": timedelta(days=7, hours=1),
            "over_7": timedelta(days=9),
        }
        orders = {}
        for bucket, age in ages.items():
            order = self._create_order(user=self.salesman)
            order.lifecycle_stage_date = now - age
            self.assertEqual(order.stage_age_bucket, bucket)
            orders[bucket] = order
        all_ids = [o.id for o in orders.values()]
        SaleOrder = self.env["sale.order"].with_user(self.salesman)
        for bucket, order in orders.items():
            with self.subTest(bucket=bucket):
                found = SaleOrder.search([("id", "in", all_ids), ("stage_age_bucket", "=", bucket)])
                self.assertEqual(found, order)
                others = SaleOrder.search(
                    [("id", "in", all_ids), ("stage_age_bucket", "not in", [bucket])]
                )
                self.assertEqual(len(others), 3)
        groups = SaleOrder._read_group([("id", "in", all_ids)], ["stage_age_bucket"], ["__count"])
        self.assertEqual(dict(groups), dict.fromkeys(ages, 1))

    def test_stage_date_kept_when_stage_does_not_change(self):
        """A recomputation that keeps the stage keeps its date, in the same
        transaction and across flushes."""
        order = self._create_order(qty=1)  # below the rule: approved on submit
        old = fields.Datetime.now() - timedelta(days=5)
        order.lifecycle_stage_date = old
        order.action_submit_review()  # review_state changes, the stage stays "received"
        self.assertEqual(order.review_state, "approved")
        self.assertEqual(order.lifecycle_stage, "received")
        self.assertEqual(order.lifecycle_stage_date, old)
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(order.lifecycle_stage_date, old)
        order.action_confirm()
        self.assertEqual(order.lifecycle_stage, "confirmed")
        self.assertGreater(order.lifecycle_stage_date, old)
