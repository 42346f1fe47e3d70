from datetime import timedelta

from lxml import etree
from psycopg2.errors import CheckViolation

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import file_path, mute_logger

from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestReviewRules(CustomerOrderCommon):
    """Each check type flags the order it is about and leaves a clean one alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_second_company()

    def _flags(self, rule, order):
        return rule._evaluate(order).get(order, [])

    def test_missing_info(self):
        rule = self._create_rule("missing_info")
        complete = self._create_order()
        self.assertFalse(self._flags(rule, complete))
        incomplete = self._create_order(client_order_ref=False, payment_term_id=False)
        [(flag_rule, message)] = self._flags(rule, incomplete)
        self.assertEqual(flag_rule, rule)
        self.assertIn("customer reference", message)
        self.assertIn("payment terms", message)
        self.assertNotIn("delivery address", message)
        self.customer.street = False
        self.assertIn("delivery address", self._flags(rule, complete)[0][1])

    def test_amount_above(self):
        rule = self._create_rule("amount_above", threshold=1000)
        self.assertFalse(self._flags(rule, self._create_order(qty=10, price=100)))  # = 1000
        [(_rule, message)] = self._flags(rule, self._create_order(qty=10, price=100.01))
        self.assertIn("above", message)

    def test_discount_above(self):
        rule = self._create_rule("discount_above", threshold=10)
        order = self._create_order()
        order.order_line.discount = 10
        self.assertFalse(self._flags(rule, order))
        order.order_line.discount = 10.5
        self.assertIn(self.storable.display_name, self._flags(rule, order)[0][1])

    def test_price_below_cost(self):
        rule = self._create_rule("price_below_cost")
        self.assertFalse(self._flags(rule, self._create_order(price=60)))
        self.assertTrue(self._flags(rule, self._create_order(price=59.99)))
        discounted = self._create_order(price=70)
        discounted.order_line.discount = 20  # 56 net
        self.assertTrue(self._flags(rule, discounted))

    def test_credit_limit(self):
        rule = self._create_rule("credit_limit")
        self.customer.credit_limit = 500
        self.assertFalse(self._flags(rule, self._create_order(qty=4)))
        [(_rule, message)] = self._flags(rule, self._create_order(qty=6))
        self.assertIn("credit limit", message)
        self.customer.credit_limit = 0
        self.assertFalse(self._flags(rule, self._create_order(qty=600)))

    def test_stock_shortage(self):
        rule = self._create_rule("stock_shortage")
        self._set_stock(self.storable, 5)
        self.assertFalse(self._flags(rule, self._create_order(qty=5)))
        [(_rule, message)] = self._flags(rule, self._create_order(qty=6))
        self.assertIn("free 5", message)
        # Consumables and services are never short.
        self.assertFalse(self._flags(rule, self._create_order(qty=1000, product=self.product)))

    def test_stock_shortage_counts_reserved_stock(self):
        rule = self._create_rule("stock_shortage")
        self._set_stock(self.storable, 5)
        self._create_order(qty=4).action_confirm()  # reserves 4 of the 5
        self.assertTrue(self._flags(rule, self._create_order(qty=2)))

    def test_duplicate_order(self):
        rule = self._create_rule("duplicate_order", days=3)
        first = self._create_order(qty=3)
        self.assertFalse(self._flags(rule, first))
        second = self._create_order(qty=3, client_order_ref="PO-2")
        [(_rule, message)] = self._flags(rule, second)
        self.assertIn(first.name, message)
        # Same amount, other products: a duplicate as well.
        same_amount = self._create_order(qty=1, price=300, product=self.product)
        self.assertTrue(self._flags(rule, same_amount))
        # Outside the window: not a duplicate.
        other = self._create_order(qty=7, price=11)
        late = self._create_order(qty=7, price=11)
        late.date_order = other.date_order + timedelta(days=4)
        self.assertFalse(self._flags(rule, late))
        # Another customer's identical order is not a duplicate.
        stranger = self._create_order(qty=7, price=11, partner_id=self.partner.id)
        self.assertFalse(self._flags(rule, stranger))
        # A cancelled order does not count.
        other._action_cancel()
        single = self._create_order(qty=7, price=11)
        self.assertFalse(self._flags(rule, single))

    def test_new_customer(self):
        rule = self._create_rule("new_customer", blocking=False)
        order = self._create_order()
        self.assertTrue(self._flags(rule, order))
        # A contact of the same company counts as the same customer.
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        self._create_order(partner_id=contact.id).action_confirm()
        self.assertFalse(self._flags(rule, order))

    def test_custom_domain(self):
        rule = self._create_rule(
            "custom_domain",
            domain="[('client_order_ref', '=like', 'URGENT%')]",
            description="Urgent orders are checked by hand.",
        )
        self.assertFalse(self._flags(rule, self._create_order()))
        [(_rule, message)] = self._flags(rule, self._create_order(client_order_ref="URGENT-1"))
        self.assertEqual(message, "Urgent orders are checked by hand.")

    def test_company_scope(self):
        rule = self._create_rule("amount_above", threshold=1, company_id=self.company_b.id)
        self.assertFalse(self._flags(rule, self._create_order()))

    def test_rule_evaluation_is_batched(self):
        """The queries of an evaluation depend on the rules, not on the orders."""
        rules = (
            self._create_rule("missing_info")
            | self._create_rule("amount_above", threshold=1)
            | self._create_rule("discount_above", threshold=1)
            | self._create_rule("price_below_cost")
            | self._create_rule("credit_limit")
            | self._create_rule("duplicate_order")
            | self._create_rule("new_customer")
            | self._create_rule("stock_shortage")
            | self._create_rule("custom_domain", domain="[('amount_total', '>', 0)]")
        )
        few = self.env["sale.order"].concat(*(self._create_order(qty=i + 1) for i in range(2)))
        many = self.env["sale.order"].concat(*(self._create_order(qty=i + 1) for i in range(30)))

        def count_queries(orders):
            self.env.invalidate_all()
            orders = orders.browse(orders.ids)  # a fresh prefetch set
            before = self.cr.sql_log_count
            rules._evaluate(orders)
            return self.cr.sql_log_count - before

        few_count, many_count = count_queries(few), count_queries(many)
        self.assertLessEqual(many_count, few_count + 3, "rule checks must not query per order")

    # Bad input ---------------------------------------------------------

    def test_negative_threshold_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation), self.cr.savepoint():
            self._create_rule("amount_above", threshold=-1)
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation), self.cr.savepoint():
            self._create_rule("duplicate_order", days=-2)

    def test_invalid_domain_refused(self):
        for domain in ("[('no_such_field', '=', 1)]", "not a domain", "{'a': 1}"):
            with self.subTest(domain=domain), self.assertRaises(ValidationError):
                self._create_rule("custom_domain", domain=domain)
        self.assertFalse(
            self.env["sale.order.review.rule"].search([("check_type", "=", "custom_domain")])
        )

    def test_rule_issue_count_and_action(self):
        rule = self._create_rule("amount_above", threshold=1)
        self._create_order().action_submit_review()
        self.assertEqual(rule.issue_count, 1)
        action = rule.action_view_issues()
        self.assertEqual(self.env["sale.order.review.issue"].search(action["domain"]).rule_id, rule)

    def test_rule_typed_in_the_form(self):
        """A manager fills the rule form: it starts from the defaults, shows
        only the parameter of the chosen check, and the saved rule flags."""
        form = Form(self.env["sale.order.review.rule"].with_user(self.manager))
        self.assertEqual(form.check_type, "missing_info")
        self.assertTrue(form.blocking)
        self.assertEqual(form.approver_group_id, self.reviewer_group)
        parameters = ("threshold", "days", "domain")
        for check_type, shown in (
            ("missing_info", set()),
            ("amount_above", {"threshold"}),
            ("discount_above", {"threshold"}),
            ("duplicate_order", {"days"}),
            ("custom_domain", {"domain"}),
            ("stock_shortage", set()),
        ):
            form.check_type = check_type
            with self.subTest(check_type=check_type):
                self.assertEqual(
                    {name for name in parameters if not form._get_modifier(name, "invisible")},
                    shown,
                )
        form.name = "Large order"
        form.check_type = "amount_above"
        form.threshold = 1000
        with self.assertRaisesRegex(AssertionError, "invisible"):
            form.days = 3
        rule = form.save()
        self.assertRecordValues(
            rule,
            [
                {
                    "name": "Large order",
                    "check_type": "amount_above",
                    "threshold": 1000,
                    "blocking": True,
                    "approver_group_id": self.reviewer_group.id,
                    "company_id": self.env.company.id,
                    "active": True,
                }
            ],
        )
        self.assertFalse(self._flags(rule, self._create_order(qty=10)))
        self.assertTrue(self._flags(rule, self._create_order(qty=11)))

    def test_rule_default_approver_is_reviewer(self):
        rule = self.env["sale.order.review.rule"].create(
            {"name": "X", "check_type": "new_customer"}
        )
        self.assertEqual(rule.approver_group_id, self.reviewer_group)
        self.assertTrue(rule.blocking)

    def test_example_rules_ship_archived(self):
        """A fresh install changes no flow: every shipped example rule is archived,
        and there is one example per check type."""
        path = file_path("customer_order_management/data/sale_order_review_rule_data.xml")
        records = etree.parse(path).getroot().iter("record")
        check_types, actives = set(), set()
        for record in records:
            fields = {field.get("name"): field for field in record.iter("field")}
            check_types.add(fields["check_type"].text)
            actives.add(fields["active"].get("eval"))
        self.assertEqual(actives, {"False"})
        selection = self.env["sale.order.review.rule"]._fields["check_type"].selection
        self.assertEqual(check_types, {key for key, _label in selection})
