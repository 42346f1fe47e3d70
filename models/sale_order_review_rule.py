import ast
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import float_compare


class SaleOrderReviewRule(models.Model):
    _name = "sale.order.review.rule"
    _description = "Order Review Rule"
    _order = "sequence, id"

    def _default_approver_group(self):
        return self.env.ref(
            "customer_order_management.group_order_reviewer", raise_if_not_found=False
        )

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Leave empty to apply the rule to the orders of every company.",
    )
    check_type = fields.Selection(
        [
            ("missing_info", "Missing information"),
            ("amount_above", "Untaxed amount above"),
            ("discount_above", "Line discount above"),
            ("price_below_cost", "Price below cost"),
            ("credit_limit", "Credit limit exceeded"),
            ("stock_shortage", "Stock shortage"),
            ("duplicate_order", "Possible duplicate order"),
            ("new_customer", "New customer"),
            ("custom_domain", "Custom condition"),
        ],
        string="Check",
        required=True,
        default="missing_info",
    )
    threshold = fields.Float(
        help="Amount in company currency (untaxed amount) or percentage (discount).",
    )
    days = fields.Integer(
        default=7,
        help="Duplicate window: orders of the same customer this many days apart are compared.",
    )
    domain = fields.Char(
        string="Condition",
        default="[]",
        help="Orders matching this domain are flagged (custom condition rules only).",
    )
    blocking = fields.Boolean(
        default=True,
        help="A blocking issue must be approved before the order can be confirmed; "
        "a non-blocking issue is only a warning for the reviewer.",
    )
    approver_group_id = fields.Many2one(
        "res.groups",
        required=True,
        default=lambda self: self._default_approver_group(),
        help="Members of this group approve the issues this rule raises.",
    )
    description = fields.Text(
        translate=True, help="Explains the rule to salespeople and reviewers."
    )
    issue_count = fields.Integer(compute="_compute_issue_count")

    _threshold_positive = models.Constraint(
        "CHECK(threshold >= 0)", "The threshold of a review rule cannot be negative."
    )
    _days_positive = models.Constraint(
        "CHECK(days >= 0)", "The duplicate window of a review rule cannot be negative."
    )

    def _compute_issue_count(self):
        counts = dict(
            self.env["sale.order.review.issue"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.issue_count = counts.get(rule, 0)

    @api.constrains("check_type", "domain")
    def _check_domain(self):
        for rule in self.filtered(lambda r: r.check_type == "custom_domain"):
            try:
                Domain(rule._get_domain()).validate(self.env["sale.order"])
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The condition of rule “%(rule)s” is not a valid domain on "
                        "sales orders: %(error)s",
                        rule=rule.name,
                        error=error,
                    )
                ) from error

    def _get_domain(self):
        self.ensure_one()
        try:
            domain = ast.literal_eval(self.domain or "[]")
        except (ValueError, SyntaxError) as error:
            raise ValidationError(
                self.env._(
                    "The condition of rule “%(rule)s” is not a valid domain: %(error)s",
                    rule=self.name,
                    error=error,
                )
            ) from error
        if not isinstance(domain, list):
            raise ValidationError(
                self.env._("The condition of rule “%s” must be a list.", self.name)
            )
        return domain

    def action_view_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_order_management.action_sale_order_review_issue"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------

    def _evaluate(self, orders):
        """Evaluate the rules of ``self`` on ``orders`` in batch.

        Each rule runs its ``_check_<check_type>`` method once on all the
        orders it applies to, so the number of queries depends on the number
        of rules, not on the number of orders.

        :return: ``{order: [(rule, message), ...]}`` for the flagged orders
        """
        results = defaultdict(list)
        for rule in self:
            scoped = orders.filtered(
                lambda o, rule=rule: not rule.company_id or o.company_id == rule.company_id
            )
            if not scoped:
                continue
            checker = getattr(rule, f"_check_{rule.check_type}")
            for order, message in checker(scoped).items():
                results[order].append((rule, message))
        return results

    def _check_missing_info(self, orders):
        """Hook: the completeness check. Override ``_get_missing_info`` to
        require other fields."""
        flagged = {}
        for order in orders:
            missing = self._get_missing_info(order)
            if missing:
                flagged[order] = self.env._("Missing information: %s.", ", ".join(missing))
        return flagged

    def _get_missing_info(self, order):
        """Return the labels of the information ``order`` lacks.

        Called by ``_check_missing_info`` for each order; extend it to require
        more fields."""
        missing = []
        shipping = order.partner_shipping_id
        if not shipping or not (shipping.street and shipping.city and shipping.country_id):
            missing.append(self.env._("complete delivery address"))
        if not order.client_order_ref:
            missing.append(self.env._("customer reference"))
        if not order.payment_term_id:
            missing.append(self.env._("payment terms"))
        return missing

    def _check_amount_above(self, orders):
        flagged = {}
        for order in orders:
            amount = order.amount_untaxed / (order.currency_rate or 1.0)
            currency = order.company_id.currency_id
            if currency.compare_amounts(amount, self.threshold) > 0:
                flagged[order] = self.env._(
                    "Untaxed amount %(amount)s is above %(threshold)s.",
                    amount=currency.format(amount),
                    threshold=currency.format(self.threshold),
                )
        return flagged

    def _check_discount_above(self, orders):
        flagged = {}
        for order in orders:
            lines = order.order_line.filtered(
                lambda line: float_compare(line.discount, self.threshold, precision_digits=2) > 0
            )
            if lines:
                flagged[order] = self.env._(
                    "Discount above %(threshold)s%% on: %(products)s.",
                    threshold=self.threshold,
                    products=", ".join(lines.mapped("product_id.display_name")),
                )
        return flagged

    def _check_price_below_cost(self, orders):
        flagged = {}
        for order in orders:
            below = []
            for line in order.order_line.filtered(lambda ln: ln.product_id and not ln.display_type):
                product = line.product_id.with_company(order.company_id)
                cost = product.uom_id._compute_price(product.standard_price, line.product_uom_id)
                price = line.price_unit * (1 - line.discount / 100.0) / (order.currency_rate or 1.0)
                if order.company_id.currency_id.compare_amounts(price, cost) < 0:
                    below.append(product.display_name)
            if below:
                flagged[order] = self.env._("Price below cost on: %s.", ", ".join(below))
        return flagged

    def _check_credit_limit(self, orders):
        flagged = {}
        move_model = self.env["account.move"]
        for order in orders:
            # sudo: a salesperson may not read the partner's accounting
            # figures (credit, credit_limit) that the check needs.
            message = move_model._build_credit_warning_message(
                order.sudo(), current_amount=order.amount_total / (order.currency_rate or 1.0)
            )
            if message:
                flagged[order] = message
        return flagged

    def _check_stock_shortage(self, orders):
        demand = defaultdict(float)  # (warehouse, product) -> qty in product uom
        for line in orders.order_line:
            product = line.product_id
            if not product.is_storable or line.display_type:
                continue
            qty = line.product_uom_id._compute_quantity(
                line.product_uom_qty, product.uom_id, raise_if_failure=False
            )
            demand[line.order_id.warehouse_id, product] += qty
        free = {}
        by_warehouse = defaultdict(lambda: self.env["product.product"])
        for warehouse, product in demand:
            by_warehouse[warehouse] |= product
        for warehouse, products in by_warehouse.items():
            for product in products.with_context(warehouse_id=warehouse.id):
                free[warehouse, product] = product.free_qty
        flagged = {}
        for order in orders:
            short = []
            for line in order.order_line:
                key = (order.warehouse_id, line.product_id)
                if key not in free:
                    continue
                qty = line.product_uom_id._compute_quantity(
                    line.product_uom_qty, line.product_id.uom_id, raise_if_failure=False
                )
                if line.product_id.uom_id.compare(qty, free[key]) > 0:
                    short.append(
                        self.env._(
                            "%(product)s (ordered %(qty)s, free %(free)s)",
                            product=line.product_id.display_name,
                            qty=qty,
                            free=free[key],
                        )
                    )
            if short:
                flagged[order] = self.env._(
                    "Not enough free stock in %(warehouse)s: %(lines)s.",
                    warehouse=order.warehouse_id.name,
                    lines="; ".join(short),
                )
        return flagged

    def _check_duplicate_order(self, orders):
        window = timedelta(days=self.days)
        dates = orders.mapped("date_order")
        # sudo + company domain: a duplicate is one whoever entered it; the
        # submitter's own visibility must not change the rule's answer.
        candidates = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("company_id", "in", orders.company_id.ids),
                    ("partner_id", "child_of", orders.partner_id.commercial_partner_id.ids),
                    ("state", "!=", "cancel"),
                    ("date_order", ">=", min(dates) - window),
                    ("date_order", "<=", max(dates) + window),
                ]
            )
        )
        by_partner = defaultdict(list)
        for candidate in candidates:
            key = (candidate.company_id, candidate.partner_id.commercial_partner_id)
            by_partner[key].append(candidate)
        flagged = {}
        for order in orders:
            signature = order._get_review_signature()
            for other in by_partner[order.company_id, order.partner_id.commercial_partner_id]:
                if other == order or abs(other.date_order - order.date_order) > window:
                    continue
                same_amount = (
                    other.currency_id == order.currency_id
                    and not order.currency_id.is_zero(order.amount_untaxed)
                    and order.currency_id.compare_amounts(
                        other.amount_untaxed, order.amount_untaxed
                    )
                    == 0
                )
                if same_amount or (signature and other._get_review_signature() == signature):
                    flagged[order] = self.env._(
                        "Possible duplicate of %(order)s (same customer, same products "
                        "or amount, within %(days)s days).",
                        order=other.name,
                        days=self.days,
                    )
                    break
        return flagged

    def _check_new_customer(self, orders):
        partners = orders.partner_id.commercial_partner_id
        # sudo + company domain: the customer's history in the company, not
        # what the submitting salesperson happens to see of it.
        confirmed = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", orders.company_id.ids),
                    ("partner_id", "child_of", partners.ids),
                    ("state", "=", "sale"),
                ],
                ["company_id", "partner_id"],
                ["__count"],
            )
        )
        known = {(company, partner.commercial_partner_id) for company, partner, _n in confirmed}
        return {
            order: self.env._(
                "First order of %s: no confirmed order yet.",
                order.partner_id.commercial_partner_id.display_name,
            )
            for order in orders
            if (order.company_id, order.partner_id.commercial_partner_id) not in known
        }

    def _check_custom_domain(self, orders):
        # sudo: the condition is about the orders themselves (restricted to
        # them by id), not about what the submitter may read around them.
        matching = orders.browse(
            self.env["sale.order"]
            .sudo()
            .search(Domain("id", "in", orders.ids) & Domain(self._get_domain()))
            .ids
        )
        message = self.description or self.env._("Matches the condition of rule “%s”.", self.name)
        return dict.fromkeys(matching, message)
