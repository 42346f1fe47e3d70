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
from ..tools import forecast as fc
from ..tools.rendering import demand_svg

# Ten years: beyond any history or review period worth planning on.
MAX_PERIOD_DAYS = 3650

DEMAND_PATTERNS = [
    (fc.SMOOTH, "Smooth"),
    (fc.ERRATIC, "Erratic"),
    (fc.INTERMITTENT, "Intermittent"),
    (fc.LUMPY, "Lumpy"),
]
FORECAST_METHODS = [
    ("average", "Average"),
    ("ses", "Simple Exponential Smoothing"),
    ("croston", "Croston"),
    ("sba", "Syntetos–Boylan (SBA)"),
    ("tsb", "Teunter–Syntetos–Babai (TSB)"),
]


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
    method = fields.Selection(
        [("auto", "Automatic (by demand pattern)"), *FORECAST_METHODS],
        string="Forecast Method",
        default="auto",
        required=True,
        help="Automatic: simple exponential smoothing for smooth and erratic demand, "
        "Syntetos–Boylan for intermittent demand, Teunter–Syntetos–Babai for lumpy demand. "
        "Average: the average daily demand and its daily deviation (the planner before "
        "forecasting).",
    )
    alpha = fields.Float(
        string="Smoothing Constant (α)",
        default=0.1,
        required=True,
        digits=(16, 3),
        help="Weight of the latest day in the exponential smoothing, strictly between 0 and 1: "
        "higher follows changes faster, lower is steadier.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    current_stock_value = fields.Monetary(
        compute="_compute_stock_values",
        help="Value at cost of the stock today's reordering rules hold on average: "
        "(min + max) ÷ 2 per product.",
    )
    suggested_stock_value = fields.Monetary(
        compute="_compute_stock_values",
        help="The same with the selected suggestions applied (the other products keep "
        "their current rules).",
    )
    summary = fields.Char(compute="_compute_stock_values")
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

    @api.depends(
        "line_ids.to_apply",
        "line_ids.suggested_min",
        "line_ids.suggested_max",
        "line_ids.current_min",
        "line_ids.current_max",
    )
    def _compute_stock_values(self):
        """Average stock a min/max rule holds, valued at cost: (min + max) ÷ 2
        × cost, summed over the lines; the suggestions count where selected."""
        for planner in self:
            current = suggested = 0.0
            for line in planner.line_ids:
                cost = line.product_id.with_company(planner.company_id).standard_price
                now = (line.current_min + line.current_max) / 2 * cost
                current += now
                if line.to_apply:
                    suggested += (line.suggested_min + line.suggested_max) / 2 * cost
                else:
                    suggested += now
            planner.current_stock_value = current
            planner.suggested_stock_value = suggested
            if not planner.line_ids:
                planner.summary = False
                continue
            currency = planner.currency_id
            planner.summary = self.env._(
                "The suggested levels hold %(suggested)s of stock on average, "
                "today's reordering rules %(current)s (difference %(difference)s).",
                suggested=formatLang(self.env, suggested, currency_obj=currency),
                current=formatLang(self.env, current, currency_obj=currency),
                difference=formatLang(self.env, suggested - current, currency_obj=currency),
            )

    @api.depends("service_level")
    def _compute_z_score(self):
        for planner in self:
            if 0.5 < planner.service_level < 0.999:
                planner.z_score = NormalDist().inv_cdf(planner.service_level)
            else:
                planner.z_score = 0.0

    @api.constrains("service_level", "lookback_days", "review_period_days", "alpha")
    def _check_parameters(self):
        for planner in self:
            planner._check_rates(planner.alpha, planner.service_level)
            if planner.lookback_days <= 0:
                raise ValidationError(self.env._("The lookback must be at least one day."))
            if planner.review_period_days < 0:
                raise ValidationError(self.env._("The review period cannot be negative."))

    def _check_rates(self, alpha, service_level):
        """Refuse an α outside (0, 1) or a service level outside (0.5, 0.999);
        NaN and the infinities compare false and are refused too."""
        if alpha is not None and not 0 < alpha < 1:
            raise ValidationError(
                self.env._(
                    "The smoothing constant α must be strictly between 0 and 1 (it is %(alpha)s).",
                    alpha=alpha,
                )
            )
        if service_level is not None and not 0.5 < service_level < 0.999:
            raise ValidationError(
                self.env._(
                    "The service level must be between 0.5 and 0.999 (it is %(level)s).",
                    level=service_level,
                )
            )

    def _check_numbers(self, vals):
        """Check the numbers of ``vals`` before they reach the database, as
        a client can send them over JSON-RPC: strings (which Odoo's number
        fields convert), NaN, infinities, lists, floats too large to round.
        Periods beyond ten years (which could overflow the database's
        integers and dates) and rates out of their range are refused with
        the constraint's message; anything that is not a number with "must be
        a number". Never a server error, nothing written."""
        numbers = {}
        for name in ("alpha", "service_level", "lookback_days", "review_period_days"):
            if name not in vals or vals[name] is False or vals[name] is None:
                continue
            value = vals[name]
            try:
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise TypeError(value)
                number = float(value)
            except (TypeError, ValueError) as error:
                raise ValidationError(
                    self.env._(
                        "%(field)s must be a number.",
                        field=self._fields[name]._description_string(self.env),
                    )
                ) from error
            numbers[name] = number
        for name in ("lookback_days", "review_period_days"):
            number = numbers.get(name)
            if number is None:
                continue
            if math.isnan(number):
                raise ValidationError(
                    self.env._(
                        "%(field)s must be a number.",
                        field=self._fields[name]._description_string(self.env),
                    )
                )
            if abs(number) > MAX_PERIOD_DAYS:
                raise ValidationError(
                    self.env._(
                        "%(field)s cannot exceed %(days)s days.",
                        field=self._fields[name]._description_string(self.env),
                        days=MAX_PERIOD_DAYS,
                    )
                )
        if "alpha" in numbers or "service_level" in numbers:
            self._check_rates(numbers.get("alpha"), numbers.get("service_level"))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_numbers(vals)
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
        """{product: (delivered, returned)}: two {day: qty} of the customer
        quantities (in the product's unit) delivered out of the warehouse
        since ``date_from`` and returned into it: one grouped query for all
        products (a move is a delivery when it goes to a customer location,
        a return otherwise)."""
        view = self.warehouse_id.view_location_id.id
        delivered = Domain("location_id", "child_of", view) & Domain(
            "location_dest_id.usage", "=", "customer"
        )
        returned = Domain("location_id.usage", "=", "customer") & Domain(
            "location_dest_id", "child_of", view
        )
        domain = (
            Domain("state", "=", "done")
            & Domain("date", ">=", date_from)
            & Domain("product_id", "any", self._product_domain())
            & (delivered | returned)
        )
        daily = defaultdict(lambda: (defaultdict(float), defaultdict(float)))
        for product, day, usage, qty in self.env["stock.move"]._read_group(
            domain,
            ["product_id", "date:day", "location_dest_id.usage"],
            ["product_qty:sum"],
        ):
            daily[product][0 if usage == "customer" else 1][day] += qty
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
        self._check_numbers(vals)
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
            today = fields.Date.context_today(planner, now)
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
                    planner._demand_series(daily.get(product), today),
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

    def _demand_series(self, daily, today):
        """(series, unmatched returns, delivered at all) of one product:
        its daily demand over the lookback, oldest day first and today last,
        from its (delivered, returned) {day: qty} (see ``_get_daily_demand``;
        the first, partial day counts with the day after), returns netted
        against the sales before them (``forecast.net_daily_demand``)."""
        days = self.lookback_days
        delivered, returned = [0.0] * days, [0.0] * days
        if daily:
            for values, quantities in zip((delivered, returned), daily, strict=True):
                for day, qty in quantities.items():
                    # Datetimes group by the user's day, as datetimes at 0:00.
                    age = (today - fields.Date.to_date(day)).days
                    values[min(max(days - 1 - age, 0), days - 1)] += qty
        series, unmatched = fc.net_daily_demand(delivered, returned)
        return series, unmatched, any(delivered)

    def _prepare_suggestion_vals(self, product, demand, lead, open_qty, quantities, orderpoint):
        """The values of the suggestion for ``product`` (one planner):
        ``demand`` its (series, unmatched returns, delivered at all) from
        ``_demand_series``, ``lead`` its (days, steps) lead time, ``open_qty``
        its open demand, ``quantities`` its stock figures
        (``_compute_quantities_dict``), and its reordering rule if any. The
        numbers come from ``plan_levels``."""
        self.ensure_one()
        series, unmatched, _delivered = demand
        lead_days, lead_steps = lead
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        plan = plan_levels(
            series,
            self.method,
            self.alpha,
            self.z_score,
            lead_days,
            self.review_period_days,
            digits,
            product.uom_id.rounding,
        )
        return {
            "planner_id": self.id,
            "product_id": product.id,
            # Without demand (nothing delivered, or all of it returned) there
            # is nothing to base a rule on: such lines are shown but not
            # selected, so applying never zeroes a product's rule.
            "to_apply": any(series),
            "unmatched_return_qty": unmatched,
            "weekly_demand": fc.weekly(series),
            "lead_time_days": lead_days,
            "lead_time_source": self._describe_lead_time(lead_steps),
            "open_demand_qty": open_qty,
            "qty_on_hand": quantities["qty_available"],
            "qty_incoming": quantities["incoming_qty"],
            "qty_outgoing": quantities["outgoing_qty"],
            "forecast_qty": quantities["virtual_available"],
            "orderpoint_id": orderpoint.id if orderpoint else False,
            "current_min": orderpoint.product_min_qty if orderpoint else 0.0,
            "current_max": orderpoint.product_max_qty if orderpoint else 0.0,
            **plan,
        }

    def action_open_lines(self):
        """The suggestions on a page of their own, grouped by demand pattern
        (filters per pattern in its search view)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Suggestions by Demand Pattern"),
            "res_model": "stock.replenishment.planner.line",
            "views": [(False, "list"), (False, "form")],
            "domain": [("planner_id", "=", self.id)],
            "context": {"search_default_group_pattern": True},
            "target": "current",
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


def plan_levels(series, method, alpha, z, lead_days, review_days, digits, rounding):
    """The suggestion for one product from its daily demand ``series``
    (oldest first): the line values of ``stock.replenishment.planner.line``
    that do not depend on the database (the bench replays it on past data).

    ``method`` is the planner's (``auto`` picks it from the demand
    pattern, see ``tools/forecast.py``); fewer than two days with demand do
    not classify and fall back to the average. The average keeps the
    planner's first rule: forecast = total ÷ days and σ = the deviation of
    the daily demand (the error of that flat average on the lookback).
    Every other method forecasts from the whole lookback and takes σ from
    its holdout backtest (the root mean square of its daily error on the
    last quarter, forecast from the first three quarters). Then safety
    stock = z × σ × √lead time, min = safety + forecast × lead time and
    max = min + forecast × review period, rounded up to the unit.

    Rates carry one more decimal than quantities (``digits``). Each result
    is computed from the numbers at the precision the explanation shows
    them, so that each of its lines adds up as written."""
    rate_digits = digits + 1

    def rate(value):
        return float_round(value, precision_digits=rate_digits)

    days = len(series)
    total = sum(series)
    exact_mean = total / days
    variance = sum(q * q for q in series) / days - exact_mean**2
    mean = rate(exact_mean)
    demand_sigma = rate(math.sqrt(max(variance, 0.0)))
    pattern = fc.classify(series)
    used = fc.choose_method(method, pattern.pattern) if pattern.pattern else "average"
    if days >= 2:
        test = fc.backtest(used, series, alpha)
        error, naive_error = rate(test.mae), rate(test.naive_mae)
        holdout_days, rmse = test.holdout_days, test.rmse
    else:
        error = naive_error = rmse = 0.0
        holdout_days = 0
    mase = fc.mase(error, naive_error)
    if used == "average":
        forecast, sigma = mean, demand_sigma
    else:
        forecast, sigma = rate(fc.forecast(used, series, alpha)), rate(rmse)
    z = rate(z)
    safety = float_round(z * sigma * math.sqrt(lead_days), precision_digits=digits)
    # A rate times whole days: exact at the rates' precision.
    lead_demand = rate(forecast * lead_days)
    # Reordering rules are set in whole units of the product.
    rounding = max(rounding or 1.0, 1.0)
    minimum = _round_up(safety + lead_demand, rounding, rate_digits)
    maximum = max(_round_up(minimum + forecast * review_days, rounding, rate_digits), minimum)
    return {
        "demand_qty": total,
        "avg_daily_demand": mean,
        "demand_std_dev": demand_sigma,
        "demand_pattern": pattern.pattern or False,
        "demand_days": pattern.occurrences,
        "adi": pattern.adi,
        "cv2": pattern.cv2,
        "forecast_method": used,
        "forecast_daily": forecast,
        "holdout_days": holdout_days,
        "forecast_error": error,
        "naive_error": naive_error,
        "mase": rate(mase) if mase is not None else False,
        "error_std_dev": sigma,
        "safety_stock": safety,
        "lead_time_demand": lead_demand,
        "suggested_min": minimum,
        "suggested_max": maximum,
    }


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
    "unmatched_return_qty",
    "weekly_demand",
    "demand_pattern",
    "demand_days",
    "adi",
    "cv2",
    "forecast_method",
    "forecast_daily",
    "holdout_days",
    "forecast_error",
    "naive_error",
    "mase",
    "error_std_dev",
}


class StockReplenishmentPlannerLine(models.TransientModel):
    _name = "stock.replenishment.planner.line"
    _description = "Replenishment Planner Suggestion"
    _order = "planner_id, id"
    _rec_name = "product_id"

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
    unmatched_return_qty = fields.Float(
        string="Unmatched Returns",
        digits="Product Unit",
        readonly=True,
        help="Returned quantity with no delivery before it in the lookback: counted as zero "
        "demand, never as negative demand.",
    )
    weekly_demand = fields.Json(readonly=True)
    demand_pattern = fields.Selection(
        DEMAND_PATTERNS,
        readonly=True,
        help="Syntetos–Boylan: smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32, "
        "CV² ≥ 0.49), intermittent (ADI ≥ 1.32, CV² < 0.49), lumpy (both high). Empty: "
        "fewer than two days with demand.",
    )
    demand_days = fields.Integer(
        string="Days with Demand", readonly=True, help="Days of the lookback with demand."
    )
    adi = fields.Float(
        aggregator="avg",
        string="ADI",
        digits=(16, 2),
        readonly=True,
        help="Average inter-demand interval: mean number of days between two days with demand.",
    )
    cv2 = fields.Float(
        aggregator="avg",
        string="CV²",
        digits=(16, 2),
        readonly=True,
        help="Squared coefficient of variation of the demand sizes on the days with demand.",
    )
    forecast_method = fields.Selection(FORECAST_METHODS, readonly=True)
    forecast_daily = fields.Float(
        string="Forecast per Day", digits=(16, 3), readonly=True, help="Forecast demand per day."
    )
    holdout_days = fields.Integer(
        readonly=True, help="The last quarter of the lookback, on which the forecast is tested."
    )
    forecast_error = fields.Float(
        digits=(16, 3),
        readonly=True,
        help="Mean absolute error per day of the method on the holdout days, forecasting from "
        "the days before them.",
    )
    naive_error = fields.Float(
        string="Average's Error",
        digits=(16, 3),
        readonly=True,
        help="Mean absolute error per day of the plain average on the same holdout days.",
    )
    mase = fields.Float(
        aggregator="avg",
        string="MASE",
        digits=(16, 3),
        readonly=True,
        help="Forecast error ÷ the average's error: below 1 the method beats the plain average.",
    )
    error_std_dev = fields.Float(
        string="Error Deviation (σ)",
        digits=(16, 3),
        readonly=True,
        help="The σ the safety stock is sized with: the root mean square of the method's daily "
        "error on the holdout (for the average: the deviation of the daily demand).",
    )
    chart = fields.Html(compute="_compute_chart", sanitize=False)
    lead_time_days = fields.Float(string="Lead Time (days)", readonly=True, aggregator="avg")
    lead_time_source = fields.Char(string="Lead Time From", readonly=True)
    safety_stock = fields.Float(
        digits="Product Unit", readonly=True, help="z × σ of the forecast error × √(lead time)."
    )
    lead_time_demand = fields.Float(
        digits=(16, 3), readonly=True, help="Forecast per day × lead time."
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
        help="Suggested minimum + forecast per day × review period, rounded up.",
    )
    current_min = fields.Float(digits="Product Unit", readonly=True)
    current_max = fields.Float(digits="Product Unit", readonly=True)
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        string="Reordering Rule",
        readonly=True,
        help="Today's reordering rule of the product in the warehouse, if any; Apply to "
        "Reordering Rules updates it or creates one.",
    )
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

    @api.depends("weekly_demand", "forecast_daily")
    def _compute_chart(self):
        title = self.env._("Demand per week (bars) and the forecast per week (dashed line)")
        for line in self:
            line.chart = demand_svg(line.weekly_demand or [], line.forecast_daily * 7, title=title)

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

        patterns = dict(self._fields["demand_pattern"]._description_selection(self.env))
        methods = dict(self._fields["forecast_method"]._description_selection(self.env))
        for line in self:
            planner = line.planner_id
            review_days = planner.review_period_days
            forecast, sigma, lead = line.forecast_daily, line.error_std_dev, line.lead_time_days
            z = float_round(planner.z_score, precision_digits=digits + 1)
            review_demand = forecast * review_days
            line.below_min = line.forecast_qty < line.suggested_min
            lines = line._explain_demand(qty, rate, equals)
            lines += line._explain_forecast(patterns, methods, rate, equals)
            lines += [
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
                    mean=rate(forecast),
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
                    mean=rate(forecast),
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

    def _explain_demand(self, qty, rate, equals):
        """The explanation's lines on the demand: total, returns that matched
        no sale, the average and its daily deviation."""
        self.ensure_one()
        days = self.planner_id.lookback_days
        lines = [
            self.env._(
                "Demand: %(total)s delivered in %(days)s days.",
                total=qty(self.demand_qty),
                days=days,
            )
        ]
        if self.unmatched_return_qty:
            lines.append(
                self.env._(
                    "Returns of %(qty)s matched no delivery in the lookback: counted as no "
                    "demand (never negative demand).",
                    qty=qty(self.unmatched_return_qty),
                )
            )
        lines.append(
            self.env._(
                "Average daily demand = %(total)s ÷ %(days)s days %(eq)s %(mean)s per day "
                "(σ %(sigma)s).",
                total=qty(self.demand_qty),
                days=days,
                eq=equals(self.demand_qty / days, self.avg_daily_demand),
                mean=rate(self.avg_daily_demand),
                sigma=rate(self.demand_std_dev),
            )
        )
        return lines

    def _explain_forecast(self, patterns, methods, rate, equals):
        """The explanation's lines on the forecast: pattern (or why there is
        none), method, backtest and the σ the safety stock uses."""
        self.ensure_one()
        planner = self.planner_id
        method = methods.get(self.forecast_method, "")
        if not self.demand_days:
            lines = [self.env._("No demand in the lookback: nothing to forecast.")]
        elif not self.demand_pattern:
            lines = [
                self.env._(
                    "Not enough history: %(count)s day with demand, two are needed to classify "
                    "the demand; the average is used.",
                    count=self.demand_days,
                )
            ]
        else:
            lines = [
                self.env._(
                    "Pattern: %(pattern)s, ADI %(adi)s days between demands and CV² %(cv2)s "
                    "over %(count)s days with demand (cut-offs: ADI 1.32, CV² 0.49).",
                    pattern=patterns[self.demand_pattern],
                    adi=_format_number(self.env, self.adi, 2),
                    cv2=_format_number(self.env, self.cv2, 2),
                    count=self.demand_days,
                )
            ]
        if self.forecast_method == "average":
            lines.append(
                self.env._(
                    "Method: %(method)s; the forecast is the average daily demand, "
                    "%(forecast)s per day.",
                    method=method,
                    forecast=rate(self.forecast_daily),
                )
            )
        else:
            lines.append(
                self.env._(
                    "Method: %(method)s (%(origin)s), α %(alpha)s: forecast %(forecast)s per day.",
                    method=method,
                    origin=self.env._("by demand pattern")
                    if planner.method == "auto"
                    else self.env._("the planner's"),
                    alpha=_format_number(self.env, planner.alpha, 3),
                    forecast=rate(self.forecast_daily),
                )
            )
        if self.holdout_days:
            lines.append(
                self.env._(
                    "Backtest on the last %(days)s days, forecast from the days before them: "
                    "mean absolute error %(error)s per day, the plain average's %(naive)s.",
                    days=self.holdout_days,
                    error=rate(self.forecast_error),
                    naive=rate(self.naive_error),
                )
            )
            if self.naive_error:
                values = {
                    "error": rate(self.forecast_error),
                    "naive": rate(self.naive_error),
                    "eq": equals(self.forecast_error / self.naive_error, self.mase),
                    "mase": rate(self.mase),
                }
                if self.mase < 1:
                    text = self.env._(
                        "MASE = %(error)s ÷ %(naive)s %(eq)s %(mase)s: better than the plain "
                        "average on these days.",
                        **values,
                    )
                elif self.mase > 1:
                    text = self.env._(
                        "MASE = %(error)s ÷ %(naive)s %(eq)s %(mase)s: worse than the plain "
                        "average on these days.",
                        **values,
                    )
                else:
                    text = self.env._(
                        "MASE = %(error)s ÷ %(naive)s %(eq)s %(mase)s: as good as the plain "
                        "average on these days.",
                        **values,
                    )
                lines.append(text)
            else:
                lines.append(self.env._("MASE: the plain average made no error on these days."))
        if self.forecast_method == "average":
            lines.append(
                self.env._(
                    "σ of the forecast error: the deviation of the daily demand, %(sigma)s.",
                    sigma=rate(self.error_std_dev),
                )
            )
        else:
            lines.append(
                self.env._(
                    "σ of the forecast error: root mean square of the daily error on the "
                    "backtest, %(sigma)s.",
                    sigma=rate(self.error_std_dev),
                )
            )
        return lines


def _format_number(env, value, digits):
    """``value`` rounded half up to ``digits`` decimals and written the way
    the user's language writes numbers, without trailing zeros."""
    text = formatLang(env, value, digits=digits, rounding_method="HALF-UP")
    decimal_point = get_lang(env).decimal_point
    if decimal_point in text:
        text = text.rstrip("0").removesuffix(decimal_point)
    return text
