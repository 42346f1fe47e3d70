import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import SQL

from .common import MODULE, CustomerOrderCommon


class TrackingStallCommon(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 1000)
        cls.env.company.write({"tracking_stall_days": 3, "tracking_stall_notice": False})
        cls.carrier = cls._create_carrier("Stall Freight")
        cls.template = cls.env.ref(f"{MODULE}.mail_template_shipment_stalled")
        cls.activity_type = cls.env.ref(f"{MODULE}.mail_activity_type_shipment_stalled")
        cls.Picking = cls.env["stock.picking"]

    def _shipped(self, company=None, **order_vals):
        order_vals.setdefault("user_id", self.salesman.id)
        order = self._create_order(qty=1, **order_vals)
        order.action_confirm()
        order.picking_ids.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": "ST1"})
        return self._deliver(order)

    def _silent_for(self, pickings, delta):
        """Fixture: the last tracking news of ``pickings`` arrived ``delta``
        before now (the transaction's time, frozen by ``_run_cron``)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_picking_tracking_event SET create_date = %s WHERE picking_id IN %s",
                self.env.cr.now() - delta,
                tuple(pickings.ids),
            )
        )
        self.env.invalidate_all()

    def _run_cron(self):
        with freeze_time(self.env.cr.now()), self._cron_progress_not_committed():
            self.Picking._cron_flag_stalled_shipments()

    def _stall_activities(self, picking):
        return picking.activity_ids.filtered(lambda a: a.activity_type_id == self.activity_type)


@tagged("post_install", "-at_install")
class TestTrackingStall(TrackingStallCommon):
    def test_settings_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh Company"})
        self.assertRecordValues(
            company, [{"tracking_stall_days": 3, "tracking_stall_notice": False}]
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.tracking_stall_days, 3)

    def test_exact_day_boundary(self):
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=3) - timedelta(seconds=1))
        self._run_cron()
        self.assertFalse(picking.is_stalled)
        self.assertFalse(self._stall_activities(picking))
        self._silent_for(picking, timedelta(days=3))
        self._run_cron()
        self.assertTrue(picking.is_stalled)
        activity = self._stall_activities(picking)
        self.assertEqual(activity.user_id, self.salesman)
        order = picking.sale_id
        self.assertTrue(order.has_stalled_shipment)
        self.assertEqual(
            self.env["sale.order"].search(
                [("has_stalled_shipment", "=", True), ("id", "=", order.id)]
            ),
            order,
        )
        self.assertFalse(
            self.env["sale.order"].search(
                [("has_stalled_shipment", "=", False), ("id", "=", order.id)]
            )
        )

    def test_cron_twice_changes_nothing(self):
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=5))
        self._run_cron()
        self.assertTrue(picking.is_stalled)
        messages, activities = picking.message_ids, picking.activity_ids
        self._run_cron()
        self.assertEqual(picking.message_ids, messages)
        self.assertEqual(picking.activity_ids, activities)

    def test_only_moving_shipments_stall(self):
        delivered = self._shipped()
        self.env["stock.picking.tracking.event"].create(
            {"picking_id": delivered.id, "status": "delivered", "description": "Signed"}
        )
        exception = self._shipped()
        self.env["stock.picking.tracking.event"].create(
            {"picking_id": exception.id, "status": "exception", "description": "Damaged"}
        )
        order = self._create_order(qty=1)
        order.action_confirm()
        unshipped = order.picking_ids
        moving = self._shipped()
        self._silent_for(delivered | exception | moving, timedelta(days=10))
        self._run_cron()
        self.assertEqual(
            (delivered | exception | unshipped | moving).filtered("is_stalled"), moving
        )

    def test_next_event_clears_and_closes_the_activity(self):
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        activity = self._stall_activities(picking)
        self.assertTrue(activity)
        self.env["stock.picking.tracking.event"].with_user(self.stock_user).create(
            {"picking_id": picking.id, "status": "in_transit", "location": "Hub"}
        )
        self.assertFalse(picking.is_stalled)
        self.assertFalse(self._stall_activities(picking))
        # Done (Odoo keeps done activities archived), with why.
        self.assertRecordValues(activity, [{"active": False, "feedback": "Tracking news arrived."}])
        self.assertFalse(picking.sale_id.has_stalled_shipment)
        # The news is fresh: the next run does not flag it again.
        self._run_cron()
        self.assertFalse(picking.is_stalled)

    def test_notice_off_sends_nothing(self):
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        self.assertTrue(picking.is_stalled)
        self.assertFalse(self._customer_mails(picking, self.template))
        self.assertFalse(picking.stall_notice_sent)

    def test_notice_on_is_sent_once_by_the_salesperson(self):
        self.env.company.tracking_stall_notice = True
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        mails = self._customer_mails(picking, self.template)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.author_id, self.salesman.partner_id)
        self.assertIn("looking into it", str(mails.body))
        self._run_cron()
        self.assertEqual(len(self._customer_mails(picking, self.template)), 1)
        # News, then silence again: flagged again, the customer is not told twice.
        self.env["stock.picking.tracking.event"].create(
            {"picking_id": picking.id, "status": "in_transit"}
        )
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        self.assertTrue(picking.is_stalled)
        self.assertEqual(len(self._stall_activities(picking)), 1)
        self.assertEqual(len(self._customer_mails(picking, self.template)), 1)

    def test_notice_speaks_as_the_company_without_salesperson(self):
        self.env.company.tracking_stall_notice = True
        picking = self._shipped(user_id=False)
        picking.user_id = False
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        mails = self._customer_mails(picking, self.template)
        self.assertEqual(mails.author_id, self.env.company.partner_id)

    def test_zero_days_turns_the_check_off(self):
        self.env.company.tracking_stall_days = 0
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=40))
        self._run_cron()
        self.assertFalse(picking.is_stalled)

    def test_each_company_its_own_days(self):
        self._setup_second_company()
        self.company_b.tracking_stall_days = 10
        self._set_stock(self.storable, 10, self.warehouse_b.lot_stock_id)
        order_b = (
            self.env["sale.order"]
            .with_company(self.company_b)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_b.id,
                    "warehouse_id": self.warehouse_b.id,
                    "order_line": [
                        fields.Command.create(
                            {"product_id": self.storable.id, "product_uom_qty": 1}
                        )
                    ],
                }
            )
        )
        order_b.action_confirm()
        picking_b = self._deliver(order_b.with_company(self.company_b))
        picking_a = self._shipped()
        self._silent_for(picking_a | picking_b, timedelta(days=5))
        self._run_cron()
        self.assertTrue(picking_a.is_stalled)
        self.assertFalse(picking_b.is_stalled)
        self._silent_for(picking_b, timedelta(days=10))
        self._run_cron()
        self.assertTrue(picking_b.is_stalled)
        # Each company sees only its own.
        self.assertFalse(
            self.env["stock.picking"]
            .with_user(self.user_b)
            .search([("is_stalled", "=", True), ("id", "=", picking_a.id)])
        )

    def test_permissions(self):
        picking = self._shipped()
        for user in (self.stock_user, self.stock_manager, self.salesman):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                picking.with_user(user).write({"is_stalled": True})
        with self.assertRaises(AccessError):
            picking.with_user(self.stock_manager).write({"stall_notice_sent": True})
        self.assertFalse(picking.is_stalled)
        # Stock users and salespeople see the flag.
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        self.assertTrue(picking.with_user(self.stock_user).is_stalled)
        self.assertTrue(picking.sale_id.with_user(self.salesman).has_stalled_shipment)

    def test_create_cannot_set_the_stall_flags(self):
        """A transfer created over RPC, even with a ``default_`` context key,
        is never born stalled nor with its notice marked sent."""
        picking_type = self.env.ref("stock.picking_type_out")
        Picking = self.Picking.with_user(self.stock_user)
        before = self.Picking.search_count([])
        for vals, context in (
            ({"is_stalled": True}, {}),
            ({"stall_notice_sent": True}, {}),
            ({}, {"default_is_stalled": True}),
        ):
            with self.subTest(vals=vals, context=context), self.assertRaises(AccessError):
                Picking.with_context(**context).create(dict(vals, picking_type_id=picking_type.id))
        self.assertEqual(self.Picking.search_count([]), before)
        # Without them, the stock user creates transfers as before.
        picking = Picking.create({"picking_type_id": picking_type.id})
        self.assertFalse(picking.is_stalled or picking.stall_notice_sent)

    def test_order_desk_filter_and_badges(self):
        action = self.env.ref(f"{MODULE}.action_order_desk")
        SaleOrder = self.env["sale.order"].with_user(self.salesman)
        views = SaleOrder.get_views(
            [(v.view_id.id, v.view_mode) for v in action.view_ids]
            + [(action.search_view_id.id, "search"), (False, "form")]
        )["views"]
        self.assertIn('name="filter_stalled_shipment"', views["search"]["arch"])
        for mode in ("kanban", "list", "form"):
            self.assertIn("has_stalled_shipment", views[mode]["arch"], mode)

    def test_cron_commits_progress_per_batch(self):
        pickings = self._shipped() | self._shipped() | self._shipped()
        self._silent_for(pickings, timedelta(days=4))
        with freeze_time(self.env.cr.now()), self._cron_progress_not_committed() as progress:
            self.Picking._cron_flag_stalled_shipments(batch_size=2)
        processed = [call.args[1] for call in progress.call_args_list if len(call.args) > 1]
        self.assertEqual(processed, [2, 1])
        self.assertEqual(pickings.mapped("is_stalled"), [True] * 3)


@tagged("post_install", "-at_install")
class TestTrackingStallWebhook(TrackingStallCommon, HttpCase):
    """The carrier's push (public user) clears a stalled delivery."""

    def test_pushed_event_clears(self):
        picking = self._shipped()
        self._silent_for(picking, timedelta(days=4))
        self._run_cron()
        activity = self._stall_activities(picking)
        event_time = (fields.Datetime.now() - timedelta(minutes=5)).isoformat() + "Z"
        response = self.url_open(
            f"/customer_order_management/tracking/{self.carrier.tracking_webhook_token}",
            data=json.dumps(
                {"tracking_ref": "ST1", "status": "in_transit", "event_time": event_time}
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        picking.invalidate_recordset()
        self.assertFalse(picking.is_stalled)
        self.assertFalse(activity.active)
