from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import CustomerOrderCommon


class LateOrdersCommon(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 100)
        cls.template = cls.env.ref("customer_order_management.mail_template_order_delayed")
        # Orders of the database (demo data) keep their promise: each test
        # sees only the late orders it makes.
        cls.env["sale.order"].search([("state", "=", "sale")]).write(
            {"commitment_date": fields.Datetime.now() + timedelta(days=365)}
        )
        # Delay notices started long ago: the late orders the tests make
        # slipped after that (see TestNoticesStartNow for the start itself).
        cls.env.company.order_delay_notice_since = fields.Datetime.now() - timedelta(days=365)

    def setUp(self):
        super().setUp()
        self.commit_progress = self.enterContext(self._cron_progress_not_committed())

    @classmethod
    def _late_order(cls, days=2):
        order = cls._create_order(qty=3, commitment_date=fields.Datetime.now() + timedelta(days=1))
        order.action_confirm()
        order.commitment_date = fields.Datetime.now() - timedelta(days=days)
        return order

    def _notices(self, order):
        return order.message_ids.filtered(
            lambda m: self.customer in m.partner_ids and "delayed" in (m.subject or "")
        )

    def _run(self, batch_size=500):
        self.env["sale.order"]._cron_notify_late_orders(batch_size=batch_size)

    def _delay_activities(self, order):
        return order.activity_ids.filtered(lambda a: "is late" in (a.summary or ""))


@tagged("post_install", "-at_install")
class TestLateOrdersCron(LateOrdersCommon):
    def test_flags_and_notifies_once(self):
        on_time = self._create_order(commitment_date=fields.Datetime.now() + timedelta(days=3))
        on_time.action_confirm()
        late = self._late_order()
        self.assertTrue(late.is_late, "an order confirmed with a past promise is late at once")
        self._run()
        self.assertFalse(on_time.is_late)
        self.assertEqual(len(self._notices(late)), 1)
        activity = late.activity_ids.filtered(lambda a: "late" in (a.summary or ""))
        self.assertEqual(len(activity), 1)
        self.assertEqual(late.late_notice_date, late.promised_date)
        self.assertFalse(late.late_notice_due)

        messages, activities = len(late.message_ids), len(late.activity_ids)
        self._run()  # the second run changes nothing and sends nothing
        self.assertEqual(len(late.message_ids), messages)
        self.assertEqual(len(late.activity_ids), activities)

    def test_new_promise_allows_new_notice(self):
        late = self._late_order(days=3)
        self._run()
        late.commitment_date = fields.Datetime.now() - timedelta(days=1)
        self.assertTrue(late.late_notice_due)
        self._run()
        self.assertEqual(len(self._notices(late)), 2)
        self._run()
        self.assertEqual(len(self._notices(late)), 2)

    def test_order_becomes_late_with_time(self):
        order = self._create_order(commitment_date=fields.Datetime.now() + timedelta(hours=2))
        order.action_confirm()
        self._run()
        self.assertFalse(order.is_late)
        with freeze_time(fields.Datetime.now() + timedelta(hours=3)):
            self._run()
            self.assertTrue(order.is_late)
            self.assertEqual(len(self._notices(order)), 1)

    def test_shipping_clears_lateness(self):
        late = self._late_order()
        self._run()
        self._deliver(late)
        self.assertEqual(late.lifecycle_stage, "shipped")
        self.assertFalse(late.is_late)
        self.assertFalse(late.late_notice_due)

    def test_setting_off_keeps_activity_only(self):
        self.env.company.order_delay_notice = False
        late = self._late_order()
        self._run()
        self.assertFalse(self._notices(late))
        self.assertTrue(late.activity_ids.filtered(lambda a: "late" in (a.summary or "")))

    def test_batches(self):
        orders = self.env["sale.order"].concat(*(self._late_order() for _i in range(5)))
        orders.write({"is_late": False})
        self.commit_progress.reset_mock()
        self._run(batch_size=2)
        self.assertTrue(all(orders.mapped("is_late")))
        self.assertEqual(sum(len(self._notices(o)) for o in orders), 5)
        # 3 batches to flag, 3 to notify: progress is committed after each.
        self.assertEqual(self.commit_progress.call_count, 6)

    def test_stops_when_out_of_time(self):
        orders = self.env["sale.order"].concat(*(self._late_order() for _i in range(3)))
        orders.write({"is_late": False})
        self.commit_progress.return_value = 0
        self._run(batch_size=2)
        self.assertEqual(sorted(orders.mapped("is_late")), [False, True, True])
        self.assertFalse(any(len(self._notices(o)) for o in orders))

    def test_cron_record(self):
        cron = self.env.ref("customer_order_management.ir_cron_notify_late_orders")
        late = self._late_order()
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))
        cron.ir_actions_server_id.run()
        self.assertEqual(late.late_notice_date, late.promised_date)
        self.assertEqual(len(self._notices(late)), 1)

    def test_quotation_is_never_late(self):
        quotation = self._create_order(commitment_date=fields.Datetime.now() - timedelta(days=3))
        self.assertFalse(quotation.promised_date)
        self._run()
        self.assertFalse(quotation.is_late)
        quotation.action_confirm()
        self.assertEqual(quotation.promised_date, quotation.commitment_date)
        self.assertTrue(quotation.is_late)


@tagged("post_install", "-at_install")
class TestNoticesStartNow(LateOrdersCommon):
    """Installing the addon, or switching the delay notices on, notifies no
    order that was already late then: only promises that slip afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old_late = cls.env["sale.order"].concat(
            *(cls._late_order(days=days) for days in (2, 40))
        )

    def _start_notices(self):
        """The addon is installed now: notices start now."""
        self.env.company.order_delay_notice_since = fields.Datetime.now()

    def test_company_since_filled_at_install(self):
        company = self.env["res.company"].create({"name": "New Company"})
        self.assertTrue(company.order_delay_notice_since)
        self.assertLessEqual(company.order_delay_notice_since, fields.Datetime.now())
        self.assertTrue(self.env.ref("base.main_company").order_delay_notice_since)

    def test_orders_late_before_start_get_no_notice(self):
        self._start_notices()
        for _run in range(2):
            self._run()
            for order in self.old_late:
                self.assertTrue(order.is_late, "an old delay is still flagged")
                self.assertFalse(self._notices(order), "no e-mail for an old delay")
                self.assertFalse(self._delay_activities(order), "no activity for an old delay")

    def test_promise_slipping_after_start_notified_once(self):
        self._start_notices()
        order = self._create_order(commitment_date=fields.Datetime.now() + timedelta(hours=2))
        order.action_confirm()
        self._run()
        with freeze_time(fields.Datetime.now() + timedelta(hours=3)):
            for _run in range(2):
                self._run()
                self.assertTrue(order.is_late)
                self.assertEqual(len(self._notices(order)), 1)
                self.assertEqual(len(self._delay_activities(order)), 1)
            self.assertFalse(any(self._notices(o) for o in self.old_late))
            self.assertFalse(any(self._delay_activities(o) for o in self.old_late))

    def test_new_promise_of_old_late_order_is_notified(self):
        """An old delay stays silent, but a new promise that slips is news."""
        self._start_notices()
        old = self.old_late[0]
        self._run()
        old.commitment_date = fields.Datetime.now() + timedelta(hours=1)
        with freeze_time(fields.Datetime.now() + timedelta(hours=2)):
            self._run()
            self._run()
        self.assertEqual(len(self._notices(old)), 1)
        self.assertEqual(len(self._delay_activities(old)), 1)

    def test_switching_setting_on_does_not_notify_already_late(self):
        company = self.env.company
        company.order_delay_notice = False
        since = company.order_delay_notice_since
        company.order_delay_notice = False  # staying off moves nothing
        self.assertEqual(company.order_delay_notice_since, since)
        settings = self.env["res.config.settings"].create({"order_delay_notice": True})
        settings.execute()
        self.assertTrue(company.order_delay_notice)
        self.assertGreater(company.order_delay_notice_since, since)
        switched_on = company.order_delay_notice_since
        company.order_delay_notice = True  # staying on moves nothing
        self.assertEqual(company.order_delay_notice_since, switched_on)
        order = self._create_order(commitment_date=fields.Datetime.now() + timedelta(hours=2))
        order.action_confirm()
        self._run()
        self._run()
        for late in self.old_late:
            self.assertTrue(late.is_late)
            self.assertFalse(self._notices(late))
            self.assertFalse(self._delay_activities(late))
        with freeze_time(fields.Datetime.now() + timedelta(hours=3)):
            self._run()
            self._run()
        self.assertEqual(len(self._notices(order)), 1)
        self.assertFalse(any(self._notices(o) for o in self.old_late))

    def test_each_company_from_its_own_start(self):
        self._setup_second_company()
        self._start_notices()
        self.company_b.order_delay_notice_since = fields.Datetime.now() - timedelta(days=365)
        self._set_stock(self.storable, 10, self.warehouse_b.lot_stock_id)
        order_b = self._create_order(
            company_id=self.company_b.id,
            warehouse_id=self.warehouse_b.id,
            commitment_date=fields.Datetime.now() + timedelta(days=1),
        )
        order_b.action_confirm()
        order_b.commitment_date = fields.Datetime.now() - timedelta(days=2)
        self._run()
        self.assertEqual(len(self._notices(order_b)), 1)
        self.assertFalse(any(self._notices(o) for o in self.old_late))
