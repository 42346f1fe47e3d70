import math
from collections import defaultdict
from statistics import NormalDist

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import float_round, formatLang, get_lang

from ..tools import (
    check_protected_create,
    check_protected_write,
    notification_action,
    protected_write,
)

# Ten years: beyond any history or review period worth planning on.
MAX_PERIOD_DAYS = 3650


class StockReplenishmentPlanner(models.TransientModel):
    _name = "stock.replenishment.planner"
    _description = "Replenishment Planner"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    lookback_days = fields.Integer(
        default=90,
        required=True,
        help="Days of delivered customer quantities the demand is measured on.",
    )
    service_level = fields.Float(
        default=0.95,
        required=True,
        help="Probability of not running out during a lead time (between 0.5 and 0.999); "
        "it sets the safety factor z.",
    )
    review_period_days = fields.Integer(
        default=7,
        required=True,
        help="Days between two replenishments: the maximum covers the demand of one period "
        "above the minimum.",
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        check_company=True,
        domain="[('is_storable', '=', True)]",
        help="Leave empty to plan every storable product that sold, is on order or already "
        "has a reordering rule in the warehouse.",
    )
    categ_id = fields.Many2one("product.category", string="Product Category")
    z_score = fields.Float(string="Safety Factor (z)", compute="_compute_z_score", digits=(16, 3))
    line_ids = fields.One2many(
        "stock.replenishment.planner.line", "planner_id", string="Suggestions"
    )

    @api.depends("warehouse_id")
    def _compute_display_name(self):
        for planner in self:
            planner.display_name = self.env._(
                "Replenishment Planner: %(warehouse)s", warehouse=planner.warehouse_id.name or ""
            )

    @api.depends("service_level")
    def _compute_z_score(self):
        for planner in self:
            if 0.5 < planner.service_level < 0.999:
                planner.z_score = NormalDist().inv_cdf(planner.service_level)
            else:
                planner.z_score = 0.0

    @api.constrains("service_level", "lookback_days", "review_period_days")
    def _check_parameters(self):
        for planner in self:
            if not 0.5 < planner.service_level < 0.999:
                raise ValidationError(
                    self.env._(
                        "The service level must be between 0.5 and 0.999 (it is %(level)s).",
                        level=planner.service_level,
                    )
                )
            if planner.lookback_days <= 0:
                raise ValidationError(self.env._("The lookback must be at least one day."))
            if planner.review_period_days < 0:
                raise ValidationError(self.env._("The review period cannot be negative."))

    def _check_period_values(self, vals):
        """Refuse periods beyond ten years before they reach the database
        (whose integers they could overflow)."""
        for name in ("lookback_days", "review_period_days"):
            value = vals.get(name)
            if isinstance(value, int | float) and abs(value) > MAX_PERIOD_DAYS:
                raise ValidationError(
                    self.env._(
                        "%(field)s cannot exceed %(days)s days.",
                        field=self._fields[name]._description_string(self.env),
                        days=MAX_PERIOD_DAYS,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_period_values(vals)
        planners = super().create(vals_list)
        planners.action_compute()
        return planners

    @api.model
    def action_open_planner(self):
        """The menu's action: a fresh planner, computed with the defaults,
        opened as a page of its own (a tool, not a record to file)."""
        planner = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Replenishment Planner"),
            "res_model": self._name,
            "res_id": planner.id,
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    def _product_domain(self):
        domain = Domain("is_storable", "=", True) & Domain(
            "company_id", "in", [False, self.company_id.id]
        )
        if self.product_ids:
            domain &= Domain("id", "in", self.product_ids.ids)
        if self.categ_id:
            domain &= Domain("categ_id", "child_of", self.categ_id.id)
        return domain

    def _get_daily_demand(self, date_from):
        """{product: [qty per day]} of delivered customer quantities (in the
        product's unit) out of the warehouse since ``date_from``, net of
        customer returns into it: one grouped query."""
        view = self.warehouse_id.view_location_id.id
        base = Domain("state", "=", "done") & Domain("date", ">=", date_from)
        product_domain = self._product_domain()
        delivered = (
            base
            & Domain("location_id", "child_of", view)
            & Domain("location_dest_id.usage", "=", "customer")
        )
        daily = defaultdict(lambda: defaultdict(float))
        for product, day, qty in self.env["stock.move"]._read_group(
            delivered & Domain("product_id", "any", product_domain),
            ["product_id", "date:day"],
            ["product_qty:sum"],
        ):
            daily[product][day] += qty
        returned = (
            base
            & Domain("location_id.usage", "=", "customer")
            & Domain("location_dest_id", "child_of", view)
        )
        for product, day, qty in self.env["stock.move"]._read_group(
            returned & Domain("product_id", "any", product_domain),
            ["product_id", "date:day"],
            ["product_qty:sum"],
        ):
            daily[product][day] -= qty
        return daily

    def _get_open_demand(self):
        """Quantity still to deliver to customers from the warehouse, per product."""
        view = self.warehouse_id.view_location_id.id
        return dict(
            self.env["stock.move"]._read_group(
                [
                    ("state", "not in", ("draft", "done", "cancel")),
                    ("location_id", "child_of", view),
                    ("location_dest_id.usage", "=", "customer"),
                    ("product_id", "any", self._product_domain()),
                ],
                ["product_id"],
                ["product_qty:sum"],
            )
        )

    def _get_lead_times(self, products, orderpoint_by_product):
        """(days, steps) per product: the lead days Odoo's replenishment
        counts, ``stock.rule._get_lead_days`` along the rules that resupply
        the warehouse's stock (those of the product's reordering rule when it
        has one: the planner's lead time is then its ``lead_days``), and the
        delay of the vendor ``_select_seller`` picks when no Buy rule counted
        it already (there is none without purchase_stock, which this addon
        does not require). ``steps`` are the (label, "+ n day(s)") pairs the
        days add up from, as in the replenishment report."""
        stock_location = self.warehouse_id.lot_stock_id
        rules_by_routes = {}
        lead = {}
        for product in products:
            orderpoint = orderpoint_by_product.get(product)
            if orderpoint:
                rules, values = orderpoint.rule_ids, orderpoint._get_lead_days_values()
            else:
                # As stock.warehouse.orderpoint._compute_rules: the products
                # with the same routes go through the same rules.
                routes = product.route_ids | product.categ_id.total_route_ids
                routes |= product.get_total_routes()
                if routes not in rules_by_routes:
                    rules_by_routes[routes] = product._get_rules_from_location(stock_location)
                rules, values = rules_by_routes[routes], {}
            # The horizon widens the forecast window: no delivery delay (a
            # reordering rule's lead_days leaves it out too).
            delays, description = rules.with_context(
                bypass_global_horizon_days=True
            )._get_lead_days(product, **values)
            days = delays["total_delay"]
            # Odoo's description also holds the dates of its replenishment
            # report (number values): the delays are its "+ n day(s)" texts.
            steps = [(label, delay) for label, delay in description if isinstance(delay, str)]
            if "buy" not in rules.mapped("action"):
                seller = product.with_company(self.company_id)._select_seller(quantity=None)
                if seller:
                    days += seller.delay
                    steps.append(
                        (
                            self.env._("Vendor Lead Time (%s)", seller.partner_id.name),
                            self.env._("+ %s day(s)", seller.delay),
                        )
                    )
            lead[product] = (days, steps)
        return lead

    def _describe_lead_time(self, steps):
        """The text of ``lead_time_source``: the delays the lead time adds up."""
        if not steps:
            return self.env._(
                "no vendor or route delay: 0 days (add a vendor to plan safety stock)"
            )
        return ", ".join(f"{label}: {delay}" for label, delay in steps)

    def write(self, vals):
        self._check_period_values(vals)
        return super().write(vals)

    def action_compute(self):
        """Fill the suggestions: a fixed number of grouped queries whatever the
        number of products (demand, returns, open demand, stock, rules)."""
        Line = self.env["stock.replenishment.planner.line"]
        for planner in self:
            planner.line_ids.unlink()
            now = fields.Datetime.now()
            date_from = fields.Datetime.subtract(now, days=planner.lookback_days)
            daily = planner._get_daily_demand(date_from)
            open_demand = planner._get_open_demand()
            orderpoints = self.env["stock.warehouse.orderpoint"].search(
                [
                    ("warehouse_id", "=", planner.warehouse_id.id),
                    ("location_id", "=", planner.warehouse_id.lot_stock_id.id),
                    ("product_id", "any", planner._product_domain()),
                ]
            )
            orderpoint_by_product = {op.product_id: op for op in orderpoints}
            products = self.env["product.product"].union(
                *daily.keys(), *open_demand.keys(), orderpoints.product_id
            )
            if planner.product_ids:
                products |= planner.product_ids.filtered("is_storable")
            products = products.with_context(warehouse_id=planner.warehouse_id.id)
            quantities = products._compute_quantities_dict(None, None, None)
            lead_times = planner._get_lead_times(products, orderpoint_by_product)
            vals_list = [
                planner._prepare_suggestion_vals(
                    product,
                    daily.get(product, {}),
                    lead_times[product],
                    open_demand.get(product, 0.0),
                    quantities[product.id],
                    orderpoint_by_product.get(product),
                )
                for product in products.sorted("display_name")
            ]
            # The suggestions are the computation's: only it writes them.
            with protected_write(Line) as lines:
                lines.create(vals_list)
        # The form reloads the record in place (no new breadcrumb).
        return True

    def _prepare_suggestion_vals(self, product, per_day, lead, open_qty, quantities, orderpoint):
        """The values of the suggestion for ``product`` (one planner):
        ``per_day`` its delivered quantity per day over the lookback,
        ``lead`` its (days, steps) lead time, ``open_qty`` its open demand,
        ``quantities`` its stock figures (``_compute_quantities_dict``), and
        its reordering rule if any.

        Rates carry one more decimal than quantities. The suggestion is
        computed from the numbers at the precision the explanation shows
        them, so that each of its lines adds up as written."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        rate_digits = digits + 1
        z = float_round(self.z_score, precision_digits=rate_digits)
        days = self.lookback_days
        total = sum(per_day.values())
        exact_mean = total / days
        variance = sum(q * q for q in per_day.values()) / days - exact_mean**2
        mean = float_round(exact_mean, precision_digits=rate_digits)
        sigma = float_round(math.sqrt(max(variance, 0.0)), precision_digits=rate_digits)
        lead_days, lead_steps = lead
        safety = float_round(z * sigma * math.sqrt(lead_days), precision_digits=digits)
        # A rate times whole days: exact at the rates' precision.
        lead_demand = float_round(mean * lead_days, precision_digits=rate_digits)
        # Reordering rules are set in whole units of the product.
        rounding = max(product.uom_id.rounding or 1.0, 1.0)
        minimum = _round_up(safety + lead_demand, rounding, rate_digits)
        maximum = max(
            _round_up(minimum + mean * self.review_period_days, rounding, rate_digits),
            minimum,
        )
        return {
            "planner_id": self.id,
            "product_id": product.id,
            # Without delivered history there is nothing to base a rule on:
            # such lines are shown but not selected.
            "to_apply": bool(per_day),
            "demand_qty": total,
            "avg_daily_demand": mean,
            "demand_std_dev": sigma,
            "lead_time_days": lead_days,
            "lead_time_source": self._describe_lead_time(lead_steps),
            "safety_stock": safety,
            "lead_time_demand": lead_demand,
            "open_demand_qty": open_qty,
            "qty_on_hand": quantities["qty_available"],
            "qty_incoming": quantities["incoming_qty"],
            "qty_outgoing": quantities["outgoing_qty"],
            "forecast_qty": quantities["virtual_available"],
            "suggested_min": minimum,
            "suggested_max": maximum,
            "orderpoint_id": orderpoint.id if orderpoint else False,
            "current_min": orderpoint.product_min_qty if orderpoint else 0.0,
            "current_max": orderpoint.product_max_qty if orderpoint else 0.0,
        }

    def action_apply(self):
        """Create or update the warehouse's reordering rules with the selected
        suggestions.

        One method on purpose: the rules are read again, then created in one
        batch and updated, and the lines linked to them, in one pass that
        counts what it did for the notification."""
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(self.env._("Only stock managers can change reordering rules."))
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        created = updated = 0
        for planner in self:
            lines = planner.line_ids.filtered("to_apply")
            if not lines:
                raise UserError(self.env._("Select at least one suggestion to apply."))
            # Refresh: a rule may have been created since the computation.
            existing = {
                op.product_id: op
                for op in Orderpoint.search(
                    [
                        ("warehouse_id", "=", planner.warehouse_id.id),
                        ("location_id", "=", planner.warehouse_id.lot_stock_id.id),
                        ("product_id", "in", lines.product_id.ids),
                    ]
                )
            }
            new_vals = []
            for line in lines:
                values = {
                    "product_min_qty": line.suggested_min,
                    "product_max_qty": line.suggested_max,
                }
                orderpoint = existing.get(line.product_id)
                if orderpoint:
                    if (orderpoint.product_min_qty, orderpoint.product_max_qty) != (
                        line.suggested_min,
                        line.suggested_max,
                    ):
                        orderpoint.write(values)
                        updated += 1
                    with protected_write(line) as line_sudo:
                        line_sudo.orderpoint_id = orderpoint
                else:
                    new_vals.append(
                        dict(
                            values,
                            product_id=line.product_id.id,
                            warehouse_id=planner.warehouse_id.id,
                            location_id=planner.warehouse_id.lot_stock_id.id,
                            company_id=planner.company_id.id,
                        )
                    )
            if new_vals:
                orderpoints = Orderpoint.create(new_vals)
                created += len(orderpoints)
                by_product = {op.product_id: op for op in orderpoints}
                for line in lines:
                    if line.product_id in by_product:
                        with protected_write(line) as line_sudo:
                            line_sudo.orderpoint_id = by_product[line.product_id]
            with protected_write(lines) as lines_sudo:
                for line in lines_sudo:
                    line.write(
                        {"current_min": line.suggested_min, "current_max": line.suggested_max}
                    )
        return notification_action(
            self.env._(
                "Reordering rules: %(created)s created, %(updated)s updated.",
                created=created,
                updated=updated,
            )
        )


def _round_up(value, rounding, digits):
    """``value`` rounded up to the unit's ``rounding`` (0.4 units -> 1 unit)
    from its value at ``digits`` decimals, the precision the explanation
    shows the sum at: what is below it counts for nothing."""
    if value <= 0:
        return 0.0
    return float_round(
        float_round(value, precision_digits=digits),
        precision_rounding=rounding,
        rounding_method="UP",
    )


# What a suggestion is made of: written by the planner's computation only
# (a manager applies the numbers it found); users only choose what to apply.
LINE_OWNED_FIELDS = {
    "planner_id",
    "product_id",
    "demand_qty",
    "avg_daily_demand",
    "demand_std_dev",
    "lead_time_days",
    "lead_time_source",
    "safety_stock",
    "lead_time_demand",
    "open_demand_qty",
    "qty_on_hand",
    "qty_incoming",
    "qty_outgoing",
    "forecast_qty",
    "suggested_min",
    "suggested_max",
    "current_min",
    "current_max",
    "orderpoint_id",
}


class StockReplenishmentPlannerLine(models.TransientModel):
    _name = "stock.replenishment.planner.line"
    _description = "Replenishment Planner Suggestion"
    _order = "planner_id, id"

    planner_id = fields.Many2one(
        "stock.replenishment.planner", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    abc_class = fields.Selection(related="product_id.abc_class")
    to_apply = fields.Boolean(string="Apply", default=True)
    demand_qty = fields.Float(
        string="Delivered",
        digits="Product Unit",
        readonly=True,
        help="Net quantity delivered to customers from the warehouse over the lookback.",
    )
    # Daily rates show the decimals the explanation shows them with (one more
    # than quantities: "Product Unit" is 2 decimals by default).
    avg_daily_demand = fields.Float(
        digits=(16, 3),
        readonly=True,
        help="Delivered quantity divided by the lookback days (days without sales count as 0).",
    )
    demand_std_dev = fields.Float(
        string="Daily Deviation (σ)",
        digits=(16, 3),
        readonly=True,
        help="Standard deviation of the daily delivered quantity over the lookback.",
    )
    lead_time_days = fields.Float(string="Lead Time (days)", readonly=True)
    lead_time_source = fields.Char(string="Lead Time From", readonly=True)
    safety_stock = fields.Float(digits="Product Unit", readonly=True, help="z × σ × √(lead time).")
    lead_time_demand = fields.Float(
        digits=(16, 3), readonly=True, help="Average daily demand × lead time."
    )
    open_demand_qty = fields.Float(
        string="Open Orders",
        digits="Product Unit",
        readonly=True,
        help="Quantity confirmed to customers and not delivered yet.",
    )
    qty_on_hand = fields.Float(string="On Hand", digits="Product Unit", readonly=True)
    qty_incoming = fields.Float(string="Incoming", digits="Product Unit", readonly=True)
    qty_outgoing = fields.Float(string="Outgoing", digits="Product Unit", readonly=True)
    forecast_qty = fields.Float(
        string="Forecast",
        digits="Product Unit",
        readonly=True,
        help="Odoo's forecasted quantity in the warehouse: on hand + incoming − outgoing "
        "(open orders included).",
    )
    suggested_min = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Safety stock + lead-time demand, rounded up.",
    )
    suggested_max = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Suggested minimum + average daily demand × review period, rounded up.",
    )
    current_min = fields.Float(digits="Product Unit", readonly=True)
    current_max = fields.Float(digits="Product Unit", readonly=True)
    orderpoint_id = fields.Many2one("stock.warehouse.orderpoint", readonly=True)
    below_min = fields.Boolean(
        string="Reorder Now",
        compute="_compute_explanation",
        help="The forecast is under the suggested minimum.",
    )
    explanation = fields.Text(compute="_compute_explanation")

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, LINE_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, LINE_OWNED_FIELDS)
        return super().write(vals)

    @api.depends("suggested_min", "suggested_max", "forecast_qty")
    def _compute_explanation(self):
        """Each line of the explanation is one operation on the numbers it
        shows, written in order (a × b, then a + b): quantities at the
        "Product Unit" precision, the daily rates and z with one more
        decimal, in the user's number format. "=" is exact on the shown
        numbers, "≈" marks a result rounded to the decimals shown."""
        digits = self.env["decimal.precision"].precision_get("Product Unit")

        def qty(value):
            return _format_number(self.env, value, digits)

        def rate(value):
            return _format_number(self.env, value, digits + 1)

        def equals(exact, shown):
            return "=" if math.isclose(exact, shown, rel_tol=0, abs_tol=1e-9) else "≈"

        for line in self:
            planner = line.planner_id
            days = planner.lookback_days
            review_days = planner.review_period_days
            mean, sigma, lead = line.avg_daily_demand, line.demand_std_dev, line.lead_time_days
            z = float_round(planner.z_score, precision_digits=digits + 1)
            review_demand = mean * review_days
            line.below_min = line.forecast_qty < line.suggested_min
            lines = [
                self.env._(
                    "Demand: %(total)s delivered in %(days)s days.",
                    total=qty(line.demand_qty),
                    days=days,
                ),
                self.env._(
                    "Average daily demand = %(total)s ÷ %(days)s days %(eq)s %(mean)s per day "
                    "(σ %(sigma)s).",
                    total=qty(line.demand_qty),
                    days=days,
                    eq=equals(line.demand_qty / days, mean),
                    mean=rate(mean),
                    sigma=rate(sigma),
                ),
                self.env._(
                    "Lead time: %(lead)s days, from: %(lead_origin)s.",
                    lead=qty(lead),
                    lead_origin=line.lead_time_source or "",
                ),
                self.env._(
                    "Safety stock = z %(z)s × σ %(sigma)s × √%(lead)s %(eq)s %(safety)s.",
                    z=rate(z),
                    sigma=rate(sigma),
                    lead=qty(lead),
                    eq=equals(z * sigma * math.sqrt(lead), line.safety_stock),
                    safety=qty(line.safety_stock),
                ),
                self.env._(
                    "Lead-time demand = %(mean)s per day × %(lead)s days = %(lead_demand)s.",
                    mean=rate(mean),
                    lead=qty(lead),
                    lead_demand=rate(line.lead_time_demand),
                ),
                self.env._(
                    "Min = safety stock %(safety)s + lead-time demand %(lead_demand)s = "
                    "%(min_sum)s, rounded up: %(min)s.",
                    safety=qty(line.safety_stock),
                    lead_demand=rate(line.lead_time_demand),
                    min_sum=rate(line.safety_stock + line.lead_time_demand),
                    min=qty(line.suggested_min),
                ),
                self.env._(
                    "Review-period demand = %(mean)s per day × %(review)s days = "
                    "%(review_demand)s.",
                    mean=rate(mean),
                    review=review_days,
                    review_demand=rate(review_demand),
                ),
                self.env._(
                    "Max = min %(min)s + review-period demand %(review_demand)s = %(max_sum)s, "
                    "rounded up: %(max)s.",
                    min=qty(line.suggested_min),
                    review_demand=rate(review_demand),
                    max_sum=rate(line.suggested_min + review_demand),
                    max=qty(line.suggested_max),
                ),
                self.env._(
                    "Forecast = on hand %(on_hand)s + incoming %(incoming)s − outgoing "
                    "%(outgoing)s = %(forecast)s (of which open sales orders %(open)s).",
                    on_hand=qty(line.qty_on_hand),
                    incoming=qty(line.qty_incoming),
                    outgoing=qty(line.qty_outgoing),
                    forecast=qty(line.forecast_qty),
                    open=qty(line.open_demand_qty),
                ),
            ]
            line.explanation = "\n".join(lines)


def _format_number(env, value, digits):
    """``value`` rounded half up to ``digits`` decimals and written the way
    the user's language writes numbers, without trailing zeros."""
    text = formatLang(env, value, digits=digits, rounding_method="HALF-UP")
    decimal_point = get_lang(env).decimal_point
    if decimal_point in text:
        text = text.rstrip("0").removesuffix(decimal_point)
    return text
