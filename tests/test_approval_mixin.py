from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestApprovalCycle(CustomerOrderCommon):
    """Reviews, returns and count variances go through one approval cycle
    (customer.order.approval.mixin): the approvers of the record's company,
    and only they, get one activity each when it waits for a decision; the
    activities are removed when it is decided; anyone else is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_second_company()
        # Approvers of another company never get this company's to-dos.
        cls.foreign_manager = cls.user_b
        cls._create_rule("amount_above", name="Large order", threshold=1000)

    def _approver_activities(self, record):
        activity_type = self.env.ref(record._approval_activity_type)
        return record.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    def assertApprovers(self, record, expected):
        activities = self._approver_activities(record)
        self.assertIn(expected, activities.user_id)
        self.assertNotIn(self.foreign_manager, activities.user_id)
        self.assertFalse(activities.user_id.filtered("share"))
        self.assertEqual(len(activities), len(activities.user_id), "one activity per approver")
        self.assertTrue(all(a.automated for a in activities))

    def test_every_decision_model_uses_the_cycle(self):
        for model in ("sale.order", "customer.return", "stock.count.session"):
            with self.subTest(model=model):
                Model = self.env[model]
                self.assertIn("customer.order.approval.mixin", Model._inherit_module)
                self.assertTrue(self.env.ref(Model._approval_activity_type))

    def test_order_review(self):
        order = self._create_order(qty=20, user=self.salesman)
        order.action_submit_review()
        self.assertApprovers(order, self.reviewer)
        self.assertNotIn(self.salesman, self._approver_activities(order).user_id)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_review_approve()
        self.assertEqual(order.review_state, "to_review")
        order.with_user(self.reviewer).action_review_approve()
        self.assertEqual(order.review_state, "approved")
        self.assertFalse(self._approver_activities(order))

    def test_return(self):
        self._set_stock(self.storable, 10)
        order = self._create_order(qty=5, user=self.salesman).with_env(self.env)
        order.action_confirm()
        self._deliver(order)
        ret = self._create_return(order, qty=1, user=self.salesman)
        ret.with_user(self.salesman).action_submit()
        self.assertApprovers(ret, self.reviewer)
        with self.assertRaisesRegex(AccessError, "Only return reviewers"):
            ret.with_user(self.salesman).action_approve()
        self.assertEqual(ret.state, "submitted")
        ret.with_user(self.reviewer).action_approve()
        self.assertEqual(ret.state, "approved")
        self.assertFalse(self._approver_activities(ret))

    def test_count_variance(self):
        self._set_stock(self.storable, 10)
        self.env.company.write({"count_approval_value": 1.0, "count_approval_percent": 0.0})
        session = (
            self.env["stock.count.session"]
            .with_user(self.stock_user)
            .create(
                {
                    "location_id": self.warehouse.lot_stock_id.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.storable.id,
                                "location_id": self.warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
        )
        session.action_start()
        session.line_ids.write({"counted_qty": 7, "reason": "loss"})
        session.action_validate()
        self.assertEqual(session.state, "to_approve")
        self.assertApprovers(session, self.stock_manager)
        self.assertNotIn(self.stock_user, self._approver_activities(session).user_id)
        self.assertIn("above the approval threshold", self._approver_activities(session)[0].note)
        with self.assertRaisesRegex(AccessError, "Only stock managers"):
            session.action_approve()
        self.assertEqual(session.state, "to_approve")
        session.with_user(self.stock_manager).action_approve()
        self.assertEqual(session.state, "done")
        self.assertFalse(self._approver_activities(session))
        # One chatter entry for the decision: its note and the state change.
        self.env.cr.flush()
        entries = session.sudo().message_ids.filtered(lambda m: m.tracking_value_ids)
        self.assertIn("Count applied", entries[0].body)
        self.assertEqual(
            entries[0].tracking_value_ids.mapped("new_value_char"), ["Done"], "To Approve -> Done"
        )
        self.assertFalse(
            session.sudo().message_ids.filtered(lambda m: "Count applied" in m.body) - entries[0]
        )
