"""Two companies: what happens in the second one stays there.

Company B's order desk works (its user sees and decides its records); the
least-privileged users of company A neither find nor read nor decide B's
returns, count sessions, review issues or analysis rows, and B's work is
routed to B's people only."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestCompanyIsolation(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_second_company()
        cls.company_b.return_window_days = 30
        # The product has no cost in B (a company-dependent field): B's
        # counts wait for approval above a percentage.
        cls.company_b.write({"count_approval_value": 0.0, "count_approval_percent": 10.0})
        cls._set_stock(cls.storable, 50, cls.warehouse_b.lot_stock_id)
        cls._create_rule("amount_above", threshold=1000, company_id=cls.company_b.id)
        user_b = cls.user_b
        # B's user works in B: the orders, returns and counts are B's.
        cls.order_b = cls._create_order(qty=20, user=user_b)
        cls.order_b.action_submit_review()
        cls.order_b.action_review_approve()
        cls.order_b.action_confirm()
        cls._deliver(cls.order_b)
        cls.order_in_review_b = cls._create_order(qty=11, user=user_b)
        cls.order_in_review_b.action_submit_review()
        cls.return_b = cls._create_return(cls.order_b, qty=1, user=user_b)
        cls.return_b.action_submit()
        cls.count_b = cls._started_count(cls.warehouse_b.lot_stock_id, cls.storable, user_b)
        cls.count_b.line_ids.counted_qty = 40  # +10 on 30: above B's 10 %
        cls.count_b.action_validate()
        cls.issues_b = (cls.order_b | cls.order_in_review_b).review_issue_ids
        cls.planner_b = (
            cls.env["stock.replenishment.planner"]
            .with_user(user_b)
            .create({"warehouse_id": cls.warehouse_b.id, "lookback_days": 30})
        )
        cls.company_a_users = (
            cls.salesman,
            cls.reviewer,
            cls.manager,
            cls.stock_user,
            cls.stock_manager,
        )

    def _records_b(self):
        self.env.flush_all()
        return {
            "return": self.return_b,
            "return line": self.return_b.line_ids,
            "count session": self.count_b,
            "count line": self.count_b.line_ids,
            "review issue": self.issues_b,
            "order": self.order_b | self.order_in_review_b,
            "analysis row": self.env["customer.order.analysis"].search(
                [("order_id", "=", self.order_b.id)]
            ),
            "replenishment planner": self.planner_b,
            "replenishment suggestion": self.planner_b.line_ids,
        }

    def test_the_fixture_is_company_bs_own(self):
        self.assertRecordValues(
            self.order_b,
            [
                {
                    "company_id": self.company_b.id,
                    "warehouse_id": self.warehouse_b.id,
                    "state": "sale",
                    "lifecycle_stage": "shipped",
                }
            ],
        )
        self.assertEqual(self.order_in_review_b.review_state, "to_review")
        self.assertRecordValues(
            self.return_b, [{"company_id": self.company_b.id, "state": "submitted"}]
        )
        self.assertRecordValues(
            self.count_b, [{"company_id": self.company_b.id, "state": "to_approve"}]
        )
        # B's user sees all of it.
        for kind, records in self._records_b().items():
            with self.subTest(kind=kind):
                self.assertTrue(records)
                found = (
                    self.env[records._name]
                    .with_user(self.user_b)
                    .search([("id", "in", records.ids)])
                )
                self.assertEqual(found, records)

    def test_company_a_users_find_and_read_nothing_of_company_b(self):
        for user in self.company_a_users:
            for kind, records in self._records_b().items():
                with self.subTest(user=user.login, kind=kind):
                    Model = self.env[records._name].with_user(user)
                    try:
                        found = Model.search([("id", "in", records.ids)])
                    except AccessError:
                        found = Model  # no access to the model at all
                    self.assertFalse(found)
                    with self.assertRaises(AccessError):
                        records.with_user(user).read(["display_name"])

    def test_company_a_users_cannot_decide_company_bs_records(self):
        for user in (self.reviewer, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.return_b.with_user(user).action_approve()
                with self.assertRaises(AccessError):
                    self.order_in_review_b.with_user(user).action_review_approve()
        with self.assertRaises(AccessError):
            self.count_b.with_user(self.stock_manager).action_approve()
        with self.assertRaises(AccessError):
            self.return_b.with_user(self.stock_user).action_cancel()
        self.assertEqual(self.return_b.state, "submitted")
        self.assertEqual(self.order_in_review_b.review_state, "to_review")
        self.assertEqual(self.count_b.state, "to_approve")
        # B's user decides them.
        self.return_b.with_user(self.user_b).action_approve()
        self.order_in_review_b.with_user(self.user_b).action_review_approve()
        self.count_b.with_user(self.user_b).action_approve()
        self.assertEqual(self.return_b.state, "approved")
        self.assertEqual(self.order_in_review_b.review_state, "approved")
        self.assertEqual(self.count_b.state, "done")

    def test_company_bs_work_goes_to_company_bs_people(self):
        for record in (self.order_in_review_b, self.return_b, self.count_b):
            with self.subTest(record=record.display_name):
                assignees = record.activity_ids.user_id
                self.assertIn(self.user_b, assignees)
                self.assertFalse(assignees & self.env["res.users"].concat(*self.company_a_users))

    def test_company_bs_rules_do_not_flag_company_as_orders(self):
        order = self._create_order(qty=11, user=self.salesman)
        order.action_submit_review()
        self.assertEqual(order.review_state, "approved")
        self.assertFalse(order.review_issue_ids)
