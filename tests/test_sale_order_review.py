from contextlib import closing

from odoo import sql_db
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestSaleOrderReview(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_large = cls._create_rule("amount_above", name="Large order", threshold=1000)
        cls.rule_huge = cls._create_rule(
            "amount_above",
            name="Huge order",
            threshold=5000,
            approver_group_id=cls.manager_group.id,
        )
        cls.rule_warning = cls._create_rule(
            "custom_domain",
            name="Fax order",
            domain="[('order_channel', '=', 'fax')]",
            blocking=False,
        )
        cls._setup_second_company()

    def _submitted(self, qty, **vals):
        order = self._create_order(qty=qty, user=self.salesman, **vals)
        order.action_submit_review()
        return order

    # Happy paths -------------------------------------------------------

    def test_clean_order_is_approved_on_submit(self):
        order = self._submitted(qty=5)
        self.assertRecordValues(
            order, [{"review_state": "approved", "lifecycle_stage": "approved"}]
        )
        self.assertFalse(order.review_issue_ids)
        self.assertIn("no rule flagged", order.message_ids[0].body)
        order.action_confirm()
        self.assertEqual(order.lifecycle_stage, "confirmed")

    def test_flagged_order_waits_for_reviewer(self):
        order = self._submitted(qty=20)
        self.assertRecordValues(
            order, [{"review_state": "to_review", "lifecycle_stage": "in_review"}]
        )
        self.assertRecordValues(
            order.review_issue_ids,
            [
                {"rule_id": self.rule_large.id, "state": "open", "blocking": True},
            ],
        )
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.reviewer)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("customer_order_management.mail_activity_order_review"),
        )
        self.assertNotIn(self.salesman, order.activity_ids.user_id)

        order.with_user(self.reviewer).action_review_approve()
        self.assertRecordValues(
            order, [{"review_state": "approved", "lifecycle_stage": "approved"}]
        )
        self.assertRecordValues(
            order.review_issue_ids,
            [
                {"state": "approved", "decided_by_id": self.reviewer.id},
            ],
        )
        self.assertTrue(order.review_issue_ids.decided_date)
        self.assertFalse(order.activity_ids.filtered(lambda a: a.user_id == self.reviewer))
        self.assertTrue(
            order.message_ids.filtered(lambda m: "approved:" in m.body and "Large order" in m.body)
        )
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_non_blocking_issue_does_not_block(self):
        order = self._submitted(qty=5, order_channel="fax")
        self.assertEqual(order.review_state, "approved")
        self.assertRecordValues(
            order.review_issue_ids,
            [{"rule_id": self.rule_warning.id, "state": "open", "blocking": False}],
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_multi_level_approval(self):
        order = self._submitted(qty=60)
        self.assertEqual(len(order.review_issue_ids), 2)
        order.with_user(self.reviewer).action_review_approve()
        self.assertEqual(order.review_state, "to_review", "the manager's issue is still open")
        self.assertRecordValues(
            order.review_issue_ids.sorted("rule_id"),
            [
                {"rule_id": self.rule_large.id, "state": "approved"},
                {"rule_id": self.rule_huge.id, "state": "open"},
            ],
        )
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_confirm()
        # The reviewer has nothing left to approve.
        with self.assertRaises(AccessError):
            order.with_user(self.reviewer).action_review_approve()
        order.with_user(self.manager).action_review_approve()
        self.assertEqual(order.review_state, "approved")
        self.assertEqual(
            order.review_issue_ids.filtered(lambda i: i.rule_id == self.rule_huge).decided_by_id,
            self.manager,
        )

    def test_manager_approves_everything_at_once(self):
        order = self._submitted(qty=60)
        order.with_user(self.manager).action_review_approve()
        self.assertEqual(order.review_state, "approved")
        self.assertEqual(set(order.review_issue_ids.mapped("state")), {"approved"})

    def test_reject_with_wizard(self):
        order = self._submitted(qty=20)
        action = order.with_user(self.reviewer).action_review_reject()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.reviewer).with_context(**action["context"])
        )
        wizard.reason = "Customer has unpaid invoices."
        wizard.save().action_reject()
        self.assertRecordValues(
            order, [{"review_state": "rejected", "lifecycle_stage": "rejected"}]
        )
        self.assertEqual(order.review_issue_ids.state, "rejected")
        message = order.message_ids[0]
        self.assertIn("Customer has unpaid invoices.", message.body)
        self.assertIn(self.salesman.partner_id, message.partner_ids)
        with self.assertRaisesRegex(UserError, "rejected"):
            order.action_confirm()
        # The salesperson reworks the order and submits it again.
        order.with_user(self.salesman).order_line.product_uom_qty = 5
        order.with_user(self.salesman).action_submit_review()
        self.assertEqual(order.review_state, "approved")
        self.assertEqual(len(order.review_issue_ids), 1, "the decided issue stays as history")

    def test_auto_confirm_on_approval(self):
        self.env.company.order_auto_confirm = True
        order = self._submitted(qty=20)
        self.assertEqual(order.state, "draft")
        order.with_user(self.reviewer).action_review_approve()
        self.assertEqual(order.state, "sale")
        clean = self._submitted(qty=1)
        self.assertEqual(clean.state, "sale")

    def test_confirmation_mail_for_reviewed_orders(self):
        order = self._submitted(qty=20)
        order.with_user(self.reviewer).action_review_approve()
        order.action_confirm()
        sent = order.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        self.assertEqual(len(sent), 1, "the customer gets one confirmation")
        self.assertIn(order.name, sent.subject)

        self.env.company.order_confirmation_email = False
        quiet = self._submitted(qty=20)
        quiet.with_user(self.reviewer).action_review_approve()
        quiet.action_confirm()
        self.assertFalse(quiet.message_ids.filtered(lambda m: self.customer in m.partner_ids))

    def test_unreviewed_order_not_flagged_confirms_as_before(self):
        order = self._create_order(qty=2, user=self.salesman)
        order.action_confirm()
        self.assertRecordValues(
            order,
            [{"state": "sale", "review_state": "not_reviewed", "lifecycle_stage": "confirmed"}],
        )
        # Without review, Odoo sends no confirmation e-mail by itself.
        self.assertFalse(order.message_ids.filtered(lambda m: self.customer in m.partner_ids))

    def test_unreviewed_flagged_order_cannot_be_confirmed(self):
        order = self._create_order(qty=20, user=self.salesman)
        with self.assertRaisesRegex(UserError, "must be submitted for review"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_to_review_order_cannot_be_confirmed(self):
        order = self._submitted(qty=20)
        with self.assertRaisesRegex(UserError, "waits for review approval"):
            order.action_confirm()

    # Material change ---------------------------------------------------

    def test_material_change_resets_approval(self):
        order = self._submitted(qty=20)
        order.with_user(self.reviewer).action_review_approve()
        order.with_user(self.salesman).order_line.price_unit = 150
        self.assertEqual(order.review_state, "not_reviewed")
        self.assertIn("must be reviewed again", order.message_ids[0].body)
        with self.assertRaises(UserError):
            order.action_confirm()

    def test_each_material_change_resets(self):
        other = self.env["res.partner"].create(
            {"name": "Other", "street": "x", "city": "y", "country_id": self.env.ref("base.us").id}
        )
        changes = [
            lambda o: o.order_line.write({"product_uom_qty": 21}),
            lambda o: o.order_line.write({"discount": 5}),
            lambda o: o.order_line.write({"product_id": self.product.id}),
            lambda o: o.write({"order_line": [Command.create({"product_id": self.product.id})]}),
            lambda o: o.order_line.unlink(),
            lambda o: o.write({"partner_id": other.id}),
        ]
        for change in changes:
            with self.subTest(change=change):
                order = self._submitted(qty=20)
                order.with_user(self.reviewer).action_review_approve()
                change(order.with_user(self.salesman))
                self.assertEqual(order.review_state, "not_reviewed")

    def test_non_material_change_keeps_approval(self):
        order = self._submitted(qty=20)
        order.with_user(self.reviewer).action_review_approve()
        order.write({"note": "Deliver to the back door", "client_order_ref": "PO-9"})
        order.order_line.write({"price_unit": order.order_line.price_unit, "name": "Lamp"})
        self.assertEqual(order.review_state, "approved")

    def test_change_while_in_review_voids_open_issues(self):
        order = self._submitted(qty=20)
        order.order_line.product_uom_qty = 1
        self.assertEqual(order.review_state, "not_reviewed")
        self.assertFalse(order.review_issue_ids)
        self.assertFalse(order.activity_ids)

    # Bad input and permissions ----------------------------------------

    def test_salesman_cannot_approve_or_reject(self):
        order = self._submitted(qty=20)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_review_approve()
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_review_reject()
        self.assertEqual(order.review_state, "to_review")
        self.assertEqual(order.review_issue_ids.state, "open")

    def test_salesman_cannot_write_review_state(self):
        order = self._create_order(qty=20, user=self.salesman)
        with self.assertRaises(UserError):
            order.with_user(self.salesman).write({"review_state": "approved"})
        with self.assertRaises(AccessError):
            self.env["sale.order.review.issue"].with_user(self.salesman).create(
                {"order_id": order.id, "message": "forged", "state": "approved"}
            )
        self.assertEqual(order.review_state, "not_reviewed")

    def test_salesman_cannot_edit_rules(self):
        with self.assertRaises(AccessError):
            self._create_rule("new_customer").with_user(self.salesman).write({"active": False})
        with self.assertRaises(AccessError):
            self.env["sale.order.review.rule"].with_user(self.reviewer).create(
                {"name": "x", "check_type": "new_customer"}
            )
        self.env["sale.order.review.rule"].with_user(self.manager).create(
            {"name": "Manager rule", "check_type": "new_customer"}
        )

    def test_approve_bad_states(self):
        rejected = self._submitted(qty=20)
        rejected.with_user(self.reviewer)._action_review_reject("No")
        not_submitted = self._create_order(qty=20)
        approved = self._submitted(qty=1)
        confirmed = self._submitted(qty=1)
        confirmed.action_confirm()
        for order, error in (
            (rejected, "already rejected"),
            (not_submitted, "not been submitted"),
            (approved, "already approved"),
            (confirmed, "no longer a quotation"),
        ):
            with self.subTest(order=order.name), self.assertRaisesRegex(UserError, error):
                order.with_user(self.manager).action_review_approve()
        self.assertEqual(rejected.review_state, "rejected")
        self.assertEqual(confirmed.state, "sale")

    def test_reject_without_reason(self):
        order = self._submitted(qty=20)
        wizard = (
            self.env["sale.order.review.reject"]
            .with_user(self.reviewer)
            .create({"order_ids": [Command.set(order.ids)], "reason": "   "})
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_reject()
        self.assertEqual(order.review_state, "to_review")
        with self.assertRaises(AssertionError):
            form = Form(
                self.env["sale.order.review.reject"]
                .with_user(self.reviewer)
                .with_context(default_order_ids=order.ids)
            )
            form.save()

    def test_reject_confirmed_order_refused(self):
        order = self._submitted(qty=1)
        order.action_confirm()
        with self.assertRaises(UserError):
            order.with_user(self.reviewer).action_review_reject()

    def test_submit_bad_states(self):
        order = self._submitted(qty=20)
        with self.assertRaisesRegex(UserError, "already submitted"):
            order.action_submit_review()
        confirmed = self._submitted(qty=1)
        confirmed.action_confirm()
        with self.assertRaisesRegex(UserError, "Only quotations"):
            confirmed.action_submit_review()

    def test_concurrent_approval_loses_cleanly(self):
        """While another transaction holds the order, a reviewer's approval
        fails at once with a clear error and writes nothing."""
        order = self.require_demo("demo_order_large")
        self.assertEqual(order.review_state, "to_review")
        admin = self.env.ref("base.user_admin")
        with closing(sql_db.db_connect(self.cr.dbname).cursor()) as other_cr:
            other_cr.execute("SELECT id FROM sale_order WHERE id = %s FOR UPDATE", [order.id])
            with self.assertRaisesRegex(UserError, "Another user is deciding"):
                order.with_user(admin).action_review_approve()
            other_cr.rollback()
        self.assertEqual(order.review_state, "to_review")
        self.assertEqual(set(order.review_issue_ids.mapped("state")), {"open"})

    def test_second_approval_confirms_once(self):
        self.env.company.order_auto_confirm = True
        order = self._submitted(qty=20)
        order.with_user(self.reviewer).action_review_approve()
        self.assertEqual(order.state, "sale")
        self.assertEqual(len(order.picking_ids), 1)
        with self.assertRaises(UserError):
            order.with_user(self.manager).action_review_approve()
        self.assertEqual(len(order.picking_ids), 1)

    def test_view_issues_action(self):
        order = self._submitted(qty=60)
        action = order.action_view_review_issues()
        self.assertEqual(
            self.env["sale.order.review.issue"].search(action["domain"]), order.review_issue_ids
        )

    def test_issue_visibility_is_company_bound(self):
        order = self._submitted(qty=20)
        outsider = self._company_user(
            "com_outsider", "customer_order_management.group_order_reviewer", self.company_b
        )
        for user in (outsider, self.user_b):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.env["sale.order.review.issue"]
                    .with_user(user)
                    .search([("id", "in", order.review_issue_ids.ids)])
                )


@tagged("post_install", "-at_install")
class TestReviewAuditTrail(CustomerOrderCommon):
    """Each review step is one chatter entry: its note and the changes of
    the review state and lifecycle stage, logged in one batch for all the
    orders decided at once, never a second time by ORM tracking."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_rule("amount_above", name="Large order", threshold=1000)

    def _review_entries(self, order):
        self.env.cr.flush()  # runs ORM tracking, which must log nothing more
        return order.sudo().message_ids.filtered(
            lambda m: (
                {"review_state", "lifecycle_stage"}
                & set(m.tracking_value_ids.field_id.mapped("name"))
            )
        )

    def _changes(self, message):
        return {
            value.field_id.name: (value.old_value_char, value.new_value_char)
            for value in message.tracking_value_ids
        }

    def test_submit_and_approve_log_one_entry_each(self):
        orders = self._create_order(qty=20, user=self.salesman) | self._create_order(
            qty=20, user=self.salesman
        )
        # A change tracked earlier in the transaction: the review's own
        # entries still stand alone.
        orders.write({"client_order_ref": "PO-2"})
        orders.with_user(self.salesman).action_submit_review()
        for order in orders:
            [entry] = self._review_entries(order)
            self.assertIn("Submitted for review by", entry.body)
            self.assertEqual(
                self._changes(entry),
                {
                    "review_state": ("Not Reviewed", "To Review"),
                    "lifecycle_stage": ("Received", "In Review"),
                },
            )
        orders.with_user(self.reviewer).action_review_approve()
        for order in orders:
            entries = self._review_entries(order)
            self.assertEqual(len(entries), 2)
            self.assertIn("approved:", entries[0].body)
            self.assertEqual(
                self._changes(entries[0]),
                {
                    "review_state": ("To Review", "Approved"),
                    "lifecycle_stage": ("In Review", "Approved"),
                },
            )

    def test_material_change_logs_the_reset_once(self):
        order = self._create_order(qty=20, user=self.salesman)
        order.action_submit_review()
        order.with_user(self.salesman).order_line.product_uom_qty = 25
        entries = self._review_entries(order)
        self.assertEqual(len(entries), 2)
        self.assertIn("must be reviewed again", entries[0].body)
        self.assertEqual(self._changes(entries[0])["review_state"], ("To Review", "Not Reviewed"))
