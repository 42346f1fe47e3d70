from datetime import timedelta
from pathlib import Path

from psycopg2.extras import Json

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import CustomerOrderCommon, load_migration, write_history


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

    def test_approved_stage_between_review_and_confirmation(self):
        """Approved in review, not confirmed yet: its own stage, between
        "in_review" and "confirmed" (SPEC §0)."""
        keys = [key for key, _label in self.env["sale.order"]._fields["lifecycle_stage"].selection]
        self.assertEqual(
            keys[:5],
            ["received", "in_review", "rejected", "approved", "confirmed"],
            "the order of SPEC §0",
        )
        with freeze_time("2026-03-02 08:00:00"):
            order = self._create_order(qty=20)
            order.action_submit_review()
            self.assertEqual(order.lifecycle_stage, "in_review")
        with freeze_time("2026-03-03 10:00:00"):
            order.with_user(self.reviewer).action_review_approve()
            self.assertEqual(order.review_state, "approved")
            self.assertEqual(order.lifecycle_stage, "approved")
            self.assertEqual(
                order.lifecycle_stage_date, fields.Datetime.to_datetime("2026-03-03 10:00:00")
            )
        order.action_confirm()
        self.assertEqual(order.lifecycle_stage, "confirmed")

        # Nothing blocking flagged: approved on submission.
        small = self._create_order(qty=1)
        small.action_submit_review()
        self.assertEqual(small.lifecycle_stage, "approved")
        self.assertEqual(
            self.env["sale.order"].search(
                [("id", "in", (order | small).ids), ("lifecycle_stage", "=", "approved")]
            ),
            small,
        )
        # A material change voids the approval: received again.
        small.partner_id = self.env["res.partner"].create({"name": "Another Customer"})
        self.assertEqual(small.review_state, "not_reviewed")
        self.assertEqual(small.lifecycle_stage, "received")

    def test_migration_moves_approved_quotations(self):
        """Upgrading to 19.0.2.1.0: the approved quotations, stored as
        "received" before, move to "approved" since their approval, without
        a tracking message; no other order is recomputed."""
        approved_on = fields.Datetime.now() - timedelta(days=3)
        approved = self._create_order(qty=1)
        approved.action_submit_review()
        write_history(approved, {"review_decision_date": approved_on})
        received = self._create_order(qty=1)
        confirmed = self._create_order(qty=1)
        confirmed.action_confirm()
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking of the creations done
        # The database of the previous version; a stale stage on the
        # confirmed order shows which orders the migration recomputes.
        self.env.cr.execute(
            "UPDATE sale_order SET lifecycle_stage = 'received' WHERE id IN %s",
            [tuple((approved | received | confirmed).ids)],
        )
        self.env.invalidate_all()
        messages = len(approved.message_ids)

        load_migration("19.0.2.1.0", "post-migration").migrate(self.env.cr, "19.0.2.0.0")
        self.env.cr.precommit.run()
        self.env.invalidate_all()
        self.assertEqual(approved.lifecycle_stage, "approved")
        self.assertEqual(approved.lifecycle_stage_date, approved_on)
        self.assertEqual(len(approved.message_ids), messages, "no tracking message")
        self.assertEqual(received.lifecycle_stage, "received")
        self.assertEqual(confirmed.lifecycle_stage, "received", "only approved quotations")

    def test_upgrade_refreshes_the_customer_time_templates_left_as_shipped(self):
        """The shipment e-mails are ``noupdate``: 19.0.2.1.0 rewrites the
        ones still as 19.0.2.0.0 shipped them (times without the customer's
        timezone rule) and keeps the ones a company edited."""
        module = "customer_order_management"
        migration = load_migration("19.0.2.1.0", "post-migration")
        shipped = Path(migration.__file__).parent / "shipped_templates"
        delivered = self.env.ref(f"{module}.mail_template_shipment_delivered")
        delayed = self.env.ref(f"{module}.mail_template_order_delayed")
        delivered.body_html = (shipped / "mail_template_shipment_delivered.html").read_text()
        delayed.body_html = (
            (shipped / "mail_template_order_delayed.html")
            .read_text()
            .replace("We are sorry", "Our apologies")
        )
        self.assertNotIn("_format_customer_datetime", delivered.body_html)
        migration.migrate(self.env.cr, "19.0.2.0.0")
        self.env.invalidate_all()
        self.assertIn("_format_customer_datetime", delivered.body_html)
        self.assertIn("Our apologies", delayed.body_html, "an edited template is the company's")
        self.assertNotIn("_format_customer_datetime", delayed.body_html)

    def test_upgrade_keeps_a_template_whose_translation_a_company_edited(self):
        """A template left as shipped in English but whose Chinese a company
        rewrote is the company's: the upgrade keeps it, Chinese included.
        One whose Chinese is still the shipped translation is refreshed."""
        module = "customer_order_management"
        migration = load_migration("19.0.2.1.0", "post-migration")
        shipped = Path(migration.__file__).parent / "shipped_templates"
        delivered = self.env.ref(f"{module}.mail_template_shipment_delivered")
        delayed = self.env.ref(f"{module}.mail_template_order_delayed")
        self.env["res.lang"]._activate_lang("zh_CN")
        for template, name, zh in (
            (
                delivered,
                "mail_template_shipment_delivered",
                (shipped / "mail_template_shipment_delivered.zh_CN.html").read_text(),
            ),
            (delayed, "mail_template_order_delayed", "<p>我们公司自己写的延迟通知</p>"),
        ):
            en = (shipped / f"{name}.html").read_text()
            self.env.cr.execute(
                "UPDATE mail_template SET body_html = %s WHERE id = %s",
                [Json({"en_US": en, "zh_CN": zh}), template.id],
            )
        self.env.invalidate_all()
        migration.migrate(self.env.cr, "19.0.2.0.0")
        self.env.invalidate_all()
        self.assertIn("_format_customer_datetime", delivered.body_html)
        self.assertEqual(
            delayed.with_context(lang="zh_CN").body_html, "<p>我们公司自己写的延迟通知</p>"
        )
        self.assertNotIn("_format_customer_datetime", delayed.body_html)

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
        order.action_submit_review()
        self.assertEqual(order.lifecycle_stage, "approved")
        old = fields.Datetime.now() - timedelta(days=5)
        order.lifecycle_stage_date = old
        order.action_quotation_sent()  # the state changes, the stage stays "approved"
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.lifecycle_stage, "approved")
        self.assertEqual(order.lifecycle_stage_date, old)
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(order.lifecycle_stage_date, old)
        order.action_confirm()
        self.assertEqual(order.lifecycle_stage, "confirmed")
        self.assertGreater(order.lifecycle_stage_date, old)
