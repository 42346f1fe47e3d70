"""The views render for the least-privileged user of each role, and show
the fields and buttons that role relies on, at the right moment.

``get_views``/``Form`` give the view as the user's web client gets it
(nodes of groups the user is not in are removed); ``visible_buttons``
evaluates the remaining nodes' ``invisible`` on the record's values."""

from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import CustomerOrderCommon, StockCountCommon, view_nodes, visible_buttons

REVIEW_BUTTONS = {"action_review_approve", "action_review_reject"}
CONFIRM = "action_confirm"


@tagged("post_install", "-at_install")
class TestViews(CustomerOrderCommon):
    def test_order_desk_views_render(self):
        for xmlid in (
            "action_order_desk",
            "action_order_desk_to_review",
            "action_sale_order_review_rule",
            "action_sale_order_review_issue",
            "action_customer_return",
            "action_customer_return_line_analysis",
            "action_customer_return_reason",
            "action_customer_order_analysis",
        ):
            action = self.env.ref(f"customer_order_management.{xmlid}")
            model = self.env[action.res_model].with_user(self.manager)
            for view_id, view_type in action.views:
                with self.subTest(action=xmlid, view=view_type):
                    model.get_views([(view_id, view_type)])

    def test_inventory_views_render(self):
        for xmlid, model in (
            ("customer_order_management.action_stock_count_session", "stock.count.session"),
            (
                "customer_order_management.action_open_replenishment_planner",
                "stock.replenishment.planner",
            ),
            ("stock.product_template_action_product", "product.template"),
        ):
            action = self.env.ref(xmlid)
            # The planner's server action opens its form.
            views = (
                [(view_id, view_type) for view_id, view_type in action.views]
                if action._name == "ir.actions.act_window"
                else []
            ) or [(False, "form")]
            with self.subTest(action=xmlid):
                self.env[model].with_user(self.stock_user).get_views([*views, (False, "search")])


@tagged("post_install", "-at_install")
class TestOrderViews(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_rule("amount_above", name="Large order", threshold=1000)

    def _forms(self, order):
        return {
            "salesman": Form(order.with_user(self.salesman)),
            "reviewer": Form(order.with_user(self.reviewer)),
        }

    def test_review_buttons_are_the_reviewers(self):
        order = self._create_order(qty=20, user=self.salesman)
        salesman = Form(order.with_user(self.salesman))
        self.assertFalse(
            view_nodes(
                salesman, "//button[@name='action_review_approve' or @name='action_review_reject']"
            ),
            "a salesperson's form has no review buttons at all",
        )
        reviewer = Form(order.with_user(self.reviewer))
        self.assertEqual(
            len(view_nodes(reviewer, "//header/button[@name='action_review_approve']")), 1
        )

        # A quotation not submitted: the salesperson submits it (or confirms
        # it, the server then says whether a review is needed).
        shown = visible_buttons(salesman)
        self.assertIn("action_submit_review", shown)
        self.assertIn(CONFIRM, shown)
        self.assertFalse(REVIEW_BUTTONS & visible_buttons(reviewer))

        order.action_submit_review()
        forms = self._forms(order)
        self.assertEqual(visible_buttons(forms["reviewer"]) & REVIEW_BUTTONS, REVIEW_BUTTONS)
        for role, form in forms.items():
            with self.subTest(role=role, state="to_review"):
                shown = visible_buttons(form)
                self.assertNotIn("action_submit_review", shown)
                self.assertNotIn(CONFIRM, shown, "no confirmation while in review")
                self.assertIn(
                    "In Review", visible_buttons(form, "//widget[@name='web_ribbon']", "title")
                )
                self.assertIn(
                    "action_view_review_issues",
                    visible_buttons(form, "//div[@name='button_box']/button"),
                )
                self.assertIn("order_review", visible_buttons(form, "//page", "name"))

        order.with_user(self.reviewer).action_review_approve()
        for role, form in self._forms(order).items():
            with self.subTest(role=role, state="approved"):
                shown = visible_buttons(form)
                self.assertFalse(REVIEW_BUTTONS & shown)
                self.assertNotIn("action_submit_review", shown)
                self.assertIn(CONFIRM, shown)
                self.assertIn(
                    "Approved", visible_buttons(form, "//widget[@name='web_ribbon']", "title")
                )

    def test_review_tab_shows_decisions_once_there_are(self):
        """The Review tab's Decided By/On columns show once an issue is
        decided (they would only take the approver groups' room before); the
        date is an optional column."""
        self._create_rule(
            "amount_above",
            name="Very large order",
            threshold=1500,
            approver_group_id=self.manager_group.id,
        )
        order = self._create_order(qty=20, user=self.salesman)
        order.action_submit_review()
        xpath = "//field[@name='review_issue_ids']/list/field[@name='%s']"

        def decided_columns_shown():
            form = Form(order.with_user(self.salesman))
            parent = type("Parent", (), form._get_eval_context())
            return {
                name: not safe_eval(
                    view_nodes(form, xpath % name)[0].get("column_invisible") or "False",
                    {"parent": parent},
                )
                for name in ("decided_by_id", "decided_date")
            }

        self.assertEqual(decided_columns_shown(), {"decided_by_id": False, "decided_date": False})
        order.with_user(self.reviewer).action_review_approve()  # one of two groups decided
        self.assertEqual(order.review_state, "to_review")
        self.assertEqual(decided_columns_shown(), {"decided_by_id": True, "decided_date": True})
        form = Form(order.with_user(self.salesman))
        self.assertEqual(view_nodes(form, xpath % "decided_date")[0].get("optional"), "hide")

    def test_rejected_order_is_submitted_again_not_confirmed(self):
        order = self._create_order(qty=20, user=self.salesman)
        order.action_submit_review()
        order.with_user(self.reviewer)._action_review_reject("Unpaid invoices")
        for role, form in self._forms(order).items():
            with self.subTest(role=role):
                shown = visible_buttons(form)
                self.assertIn("action_submit_review", shown)
                self.assertNotIn(CONFIRM, shown)
                self.assertFalse(REVIEW_BUTTONS & shown)
                self.assertIn(
                    "Rejected", visible_buttons(form, "//widget[@name='web_ribbon']", "title")
                )

    def test_return_button_on_confirmed_orders(self):
        self._set_stock(self.storable, 10)
        order = self._create_order(qty=2, user_id=self.salesman.id)
        form = Form(order.with_user(self.salesman))
        self.assertNotIn("action_create_return", visible_buttons(form))
        self.assertNotIn(
            "action_view_returns", visible_buttons(form, "//div[@name='button_box']/button")
        )
        order.action_confirm()
        self._deliver(order)
        self._create_return(order, qty=1, user=self.salesman)
        form = Form(order.with_user(self.salesman))
        self.assertIn("action_create_return", visible_buttons(form))
        self.assertIn(
            "action_view_returns", visible_buttons(form, "//div[@name='button_box']/button")
        )

    def test_order_desk_kanban_and_list(self):
        action = self.env.ref("customer_order_management.action_order_desk")
        views = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .get_views([(view_id, view_type) for view_id, view_type in action.views])
        )["views"]
        kanban = views["kanban"]["arch"]
        self.assertIn('default_group_by="lifecycle_stage"', kanban)
        for field in ("stage_age_bucket", "is_late", "stock_at_risk", "review_state"):
            self.assertIn(f'name="{field}"', kanban)
        listing = views["list"]["arch"]
        for field in (
            "lifecycle_stage",
            "lifecycle_stage_date",
            "stage_age_bucket",
            "promised_date",
            "review_state",
        ):
            self.assertIn(f'name="{field}"', listing)


@tagged("post_install", "-at_install")
class TestReturnViews(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_stock(cls.storable, 10)
        cls.order = cls._delivered_order(qty=5, user_id=cls.salesman.id)

    def _shown(self, ret, user, xpath="//header/button"):
        return visible_buttons(Form(ret.with_user(user)), xpath)

    def test_each_role_sees_its_next_step(self):
        ret = self._create_return(self.order, qty=1, user=self.salesman)
        self.assertEqual(self._shown(ret, self.salesman), {"action_submit", "action_cancel"})

        ret.action_submit()
        self.assertEqual(self._shown(ret, self.salesman), {"action_cancel"})
        self.assertEqual(
            self._shown(ret, self.reviewer), {"action_approve", "action_reject", "action_cancel"}
        )
        self.assertEqual(self._shown(ret, self.stock_user), {"action_cancel"})

        ret.with_user(self.reviewer).action_approve()
        print_button = (
            f"{self.env.ref('customer_order_management.action_report_customer_return').id}"
        )
        self.assertEqual(self._shown(ret, self.salesman), {print_button, "action_cancel"})
        self.assertEqual(self._shown(ret, self.reviewer), {print_button, "action_cancel"})
        # Only the warehouse receives, and sees the receipt.
        self.assertEqual(
            self._shown(ret, self.stock_user), {"action_receive", print_button, "action_cancel"}
        )
        self.assertIn(
            "action_view_return_picking",
            self._shown(ret, self.stock_user, "//div[@name='button_box']/button"),
        )
        self.assertFalse(self._shown(ret, self.salesman, "//div[@name='button_box']/button"))

        ret.with_user(self.stock_user).action_receive()
        self.assertEqual(self._shown(ret, self.salesman), {print_button})
        self.assertIn(
            "decision", visible_buttons(Form(ret.with_user(self.salesman)), "//page", "name")
        )

    def test_reject_wizard_form(self):
        ret = self._create_return(self.order, qty=1, user=self.salesman)
        ret.action_submit()
        action = ret.with_user(self.reviewer).action_reject()
        wizard = Form.from_action(self.env(user=self.reviewer), action)
        self.assertEqual(wizard.return_ids.ids, ret.ids)
        self.assertEqual(visible_buttons(wizard, "//footer/button"), {"action_reject", "Cancel"})
        with self.assertRaisesRegex(AssertionError, "reason"):
            wizard.save()  # the reason is required before anything is sent
        self.assertEqual(ret.state, "submitted")


@tagged("post_install", "-at_install")
class TestCountViews(StockCountCommon):
    def test_approval_is_the_stock_managers(self):
        session = self._session(
            line_ids=[Command.create({"product_id": self.chair.id, "location_id": self.shelf.id})]
        )
        counter = Form(session.with_user(self.counter))
        self.assertEqual(
            visible_buttons(counter), {"action_start", "action_print_count_sheet", "action_cancel"}
        )
        self.assertFalse(view_nodes(counter, "//button[@name='action_approve']"))
        session.action_start()
        session.line_ids.counted_qty = 1  # -9 x 100: above the approval threshold
        session.action_validate()
        self.assertEqual(session.state, "to_approve")
        waiting = {"action_print_count_sheet", "action_export_discrepancies", "action_cancel"}
        self.assertEqual(visible_buttons(Form(session.with_user(self.counter))), waiting)
        self.assertEqual(
            visible_buttons(Form(session.with_user(self.stock_manager))),
            {"action_approve", *waiting},
        )

    def test_blind_count_hides_the_book_until_done(self):
        blind = self._session(blind=True)
        blind.action_start()
        form = Form(blind.with_user(self.counter))
        self.assertTrue(form._get_modifier("difference_value", "invisible"))
        with form.line_ids.edit(0) as line:
            for name in ("theoretical_qty", "difference_qty", "difference_value"):
                self.assertTrue(line._get_modifier(name, "column_invisible"), name)
            self.assertFalse(line._get_modifier("counted_qty", "column_invisible"))
            self.assertNotIn("action_set_counted_to_book", visible_buttons(line, "//button"))
        visible = self._session()
        visible.action_start()
        form = Form(visible.with_user(self.counter))
        self.assertFalse(form._get_modifier("difference_value", "invisible"))
        with form.line_ids.edit(0) as line:
            for name in ("theoretical_qty", "difference_qty", "difference_value"):
                self.assertFalse(line._get_modifier(name, "column_invisible"), name)
            self.assertIn("action_set_counted_to_book", visible_buttons(line, "//button"))


@tagged("post_install", "-at_install")
class TestReturnRequestViews(CustomerOrderCommon):
    def test_submitted_request_is_readonly_disposition_stays_open(self):
        """What the customer asked for is fixed once submitted (the server
        refuses it): the form shows it read-only, while the warehouse may
        still decide the disposition until the goods are received."""
        ret = self._create_return(self._delivered_order(), qty=1)
        request = ("sale_line_id", "quantity", "reason_id", "resolution")
        with self._form(ret, self.stock_user).line_ids.edit(0) as line:
            for name in request:
                self.assertFalse(line._get_modifier(name, "readonly"), name)
        ret.action_submit()
        form = self._form(ret, self.stock_user)
        self.assertFalse(form._get_modifier("line_ids", "readonly"))
        with form.line_ids.edit(0) as line:
            for name in request:
                self.assertTrue(line._get_modifier(name, "readonly"), name)
            self.assertFalse(line._get_modifier("disposition", "readonly"))
