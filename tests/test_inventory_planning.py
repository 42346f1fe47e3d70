import math
import re
from datetime import timedelta
from unittest.mock import patch

from lxml import etree
from psycopg2.errors import CheckViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..tools import SOFT_RELOAD
from ..tools import forecast as fc
from ..wizards.stock_replenishment_planner import _round_up
from .common import CustomerOrderCommon


@tagged("post_install", "-at_install")
class TestAbcClassification(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A company of its own: the demo data's sales do not weigh in.
        cls.abc_company = cls.env["res.company"].create({"name": "ABC Trading"})
        cls.env.user.company_ids |= cls.abc_company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.abc_company.id]))
        cls.abc_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.abc_company.id)], limit=1
        )
        Product = cls.env["product.product"]
        cls.products = [
            Product.create(
                {
                    "name": f"ABC {name}",
                    "is_storable": True,
                    "list_price": 1.0,
                    "taxes_id": [Command.clear()],
                }
            )
            for name in ("top", "second", "third", "tail", "never sold")
        ]
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.abc_warehouse.lot_stock_id, 100
            )
        # Delivered sales values 50 / 30 / 15 / 5 (of 100) and nothing.
        for product, value in zip(cls.products, (50, 30, 15, 5), strict=False):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": cls.abc_company.id,
                    "warehouse_id": cls.abc_warehouse.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 10,
                                "price_unit": value / 10,
                            }
                        )
                    ],
                }
            )
            order.action_confirm()
            cls._deliver(order)

    def _classes(self):
        return [
            product.product_tmpl_id.with_company(self.abc_company).abc_class
            for product in self.products
        ]

    def test_classes_from_delivered_value(self):
        Template = self.env["product.template"]
        changed = Template._compute_abc_classes(self.abc_company)
        self.assertEqual(self._classes(), ["a", "a", "b", "c", "c"])
        self.assertGreaterEqual(changed, 5)
        # Second run: nothing changes, nothing is written.
        self.assertEqual(Template._compute_abc_classes(self.abc_company), 0)
        # Search and group by class work on the company's classes.
        found = Template.with_company(self.abc_company).search(
            [("abc_class", "=", "a"), ("id", "in", [p.product_tmpl_id.id for p in self.products])]
        )
        self.assertEqual(found, self.products[0].product_tmpl_id | self.products[1].product_tmpl_id)

    def test_thresholds_move_the_boundaries(self):
        self.abc_company.write({"abc_threshold_a": 50.0, "abc_threshold_b": 80.0})
        self.env["product.template"]._compute_abc_classes(self.abc_company)
        # Share before each: 0 % (A), 50 % (not < 50: B), 80 % (C), 95 % (C).
        self.assertEqual(self._classes(), ["a", "b", "c", "c", "c"])

    def test_returns_reduce_the_value(self):
        order = self.env["sale.order"].search([("order_line.product_id", "=", self.products[3].id)])
        picking = order.picking_ids
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 10
        return_picking = wizard._create_return()
        return_picking.move_ids.quantity = 10
        return_picking.move_ids.picked = True
        return_picking.button_validate()
        values = dict(
            self.env["product.template"]._get_abc_sales_values(
                self.abc_company, fields.Datetime.now() - timedelta(days=365)
            )
        )
        self.assertAlmostEqual(values[self.products[0].product_tmpl_id.id], 50.0)
        self.assertAlmostEqual(values[self.products[3].product_tmpl_id.id], 0.0)

    def test_old_sales_do_not_count(self):
        moves = self.env["stock.move"].search([("product_id", "=", self.products[0].id)])
        moves.write({"date": fields.Datetime.now() - timedelta(days=400)})
        self.env["product.template"]._compute_abc_classes(self.abc_company)
        self.assertEqual(self._classes(), ["c", "a", "a", "b", "c"])

    def test_classify_edges(self):
        classify = self.env["product.template"]._abc_classify
        self.assertEqual(classify([(1, 100.0)], 80, 95), {1: "a"})
        self.assertEqual(classify([(1, 0.0), (2, 0.0)], 80, 95), {1: "c", 2: "c"})
        self.assertEqual(
            classify([(1, 80.0), (2, 15.0), (3, 5.0)], 80, 95), {1: "a", 2: "b", 3: "c"}
        )
        self.assertEqual(classify([(1, 10.0), (2, -5.0)], 80, 95), {1: "a", 2: "c"})

    def test_bad_thresholds(self):
        for values in (
            {"abc_threshold_a": 0.0},
            {"abc_threshold_a": 96.0},
            {"abc_threshold_b": 101.0},
            {"count_frequency_a": 0},
            {"count_approval_value": -1.0},
        ):
            with (
                self.subTest(values=values),
                mute_logger("odoo.sql_db"),
                self.assertRaises(CheckViolation),
                self.cr.savepoint(),
            ):
                self.abc_company.write(values)
                self.abc_company.flush_recordset()
        self.assertEqual(self.abc_company.abc_threshold_a, 80.0)

    def test_button_and_cron(self):
        stock_manager = self._company_user(
            "com_abc_manager", "stock.group_stock_manager", self.abc_company
        )
        action = (
            self.env["product.template"]
            .with_user(stock_manager)
            .with_company(self.abc_company)
            .action_compute_abc_classes()
        )
        # Every storable product of the company is classified: the five
        # sold or not, and the others of the database (none has a class in
        # a new company yet).
        storable_count = (
            self.env["product.template"]
            .with_company(self.abc_company)
            .with_context(active_test=False)
            .search_count(
                [("is_storable", "=", True), ("company_id", "in", [False, self.abc_company.id])]
            )
        )
        self.assertGreaterEqual(storable_count, 5)
        self.assertEqual(
            action["params"]["message"],
            f"ABC classes recomputed: {storable_count} products changed class.",
        )
        self.assertEqual(action["params"]["next"], SOFT_RELOAD)
        self.assertEqual(self._classes(), ["a", "a", "b", "c", "c"])
        cron = self.env.ref("customer_order_management.ir_cron_compute_abc_classes")
        with self._cron_progress_not_committed():
            cron.ir_actions_server_id.run()
            self.assertEqual(self._classes(), ["a", "a", "b", "c", "c"])
        stock_user = self._company_user("com_abc_user", "stock.group_stock_user", self.abc_company)
        with self.assertRaises(AccessError):
            self.env["product.template"].with_user(stock_user).with_company(
                self.abc_company
            ).action_compute_abc_classes()

    def test_planning_cron_classifies_then_plans(self):
        """The count-planning cron runs, company by company, the ABC classes
        first and the planning on them: the products counted 40 days ago are
        due again only as class A (every 30 days), a class they get in the
        same run. A second run changes nothing."""
        self.abc_company.write({"count_frequency_a": 30, "count_frequency_b": 90})
        stock = self.abc_warehouse.lot_stock_id
        products = self.env["product.product"].union(*self.products)
        quants = self.env["stock.quant"].search(
            [("product_id", "in", products.ids), ("location_id", "=", stock.id)]
        )
        for quant in quants.with_context(inventory_mode=True):
            quant.inventory_quantity = quant.quantity + 1
        quants.action_apply_inventory()
        self.env["stock.move.line"].search(
            [("is_inventory", "=", True), ("product_id", "in", products.ids)]
        ).write({"date": fields.Datetime.now() - timedelta(days=40)})
        self.assertEqual(self._classes(), [False] * 5)

        Template = type(self.env["product.template"])
        Session = type(self.env["stock.count.session"])
        calls = []

        def spy(name, method):
            def wrapper(model, companies=None):
                calls.append((name, companies))
                return method(model, companies)

            return wrapper

        cron = self.env.ref("customer_order_management.ir_cron_plan_cycle_counts")
        sessions = self.env["stock.count.session"].with_context(active_test=False)
        with (
            self._cron_progress_not_committed(),
            patch.object(
                Template,
                "_compute_abc_classes",
                spy("abc", Template._compute_abc_classes),
            ),
            patch.object(Session, "_plan_cycle_counts", spy("plan", Session._plan_cycle_counts)),
        ):
            cron.ir_actions_server_id.run()
            companies = self.env["res.company"].search([("active", "=", True)])
            self.assertEqual(
                calls,
                [(step, company) for company in companies for step in ("abc", "plan")],
            )
            self.assertEqual(self._classes(), ["a", "a", "b", "c", "c"])
            planned = sessions.search([("company_id", "=", self.abc_company.id)])
            self.assertRecordValues(
                planned, [{"location_id": stock.id, "origin": "cycle", "state": "draft"}]
            )
            self.assertEqual(planned.line_ids.product_id, products[:2])

            all_sessions = sessions.search([])
            cron.ir_actions_server_id.run()
            self.assertEqual(sessions.search([]), all_sessions)
            self.assertEqual(self._classes(), ["a", "a", "b", "c", "c"])
        self.assertEqual(
            self.env["product.template"]._compute_abc_classes(self.abc_company),
            0,
            "the classes the cron wrote are current",
        )


@tagged("post_install", "-at_install")
class TestReplenishmentPlanner(CustomerOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "Planner Vendor"})
        cls.widget = cls.env["product.product"].create(
            {
                "name": "Planner Widget",
                "is_storable": True,
                "list_price": 10.0,
                "taxes_id": [Command.clear()],
                "seller_ids": [Command.create({"partner_id": cls.vendor.id, "delay": 4})],
            }
        )
        cls._set_stock(cls.widget, 200)
        # Delivered 10, 20 and 30 units 1, 2 and 3 days ago.
        now = fields.Datetime.now()
        for days, qty in ((1, 10), (2, 20), (3, 30)):
            order = cls._create_order(qty=qty, price=10.0, product=cls.widget)
            order.action_confirm()
            picking = cls._deliver(order)
            picking.move_ids.write({"date": now - timedelta(days=days)})
        # Still to deliver: 5 units.
        cls._create_order(qty=5, price=10.0, product=cls.widget).action_confirm()

    def _planner(self, user=None, **vals):
        """A planner of the widget; the average method (the rule these tests
        check by hand) unless ``vals`` say otherwise."""
        env = self.env(user=user or self.stock_user)
        return env["stock.replenishment.planner"].create(
            {
                "warehouse_id": self.warehouse.id,
                "lookback_days": 10,
                "method": "average",
                "product_ids": [Command.set(self.widget.ids)],
                **vals,
            }
        )

    def test_numbers_on_a_known_history(self):
        planner = self._planner()
        line = planner.line_ids
        self.assertEqual(line.product_id, self.widget)
        # mean 60 / 10 = 6; E[q^2] = (100 + 400 + 900) / 10 = 140; var = 140 - 36 = 104.
        sigma = math.sqrt(104)
        z = 1.6448536269514722
        self.assertAlmostEqual(planner.z_score, round(z, 3))  # as the form shows it
        self.assertAlmostEqual(line.demand_qty, 60.0)
        self.assertAlmostEqual(line.avg_daily_demand, 6.0)
        # Rates at 3 decimals, quantities at 2: the numbers the explanation shows.
        self.assertAlmostEqual(line.demand_std_dev, round(sigma, 3))
        self.assertEqual(line.lead_time_days, 4)
        self.assertIn("Planner Vendor", line.lead_time_source)
        self.assertAlmostEqual(line.safety_stock, round(1.645 * round(sigma, 3) * 2, 2))  # 33.55
        self.assertAlmostEqual(line.lead_time_demand, 24.0)
        self.assertEqual(line.suggested_min, 58.0)  # ceil(33.55 + 24)
        self.assertEqual(line.suggested_max, 100.0)  # 58 + 6 x 7
        self.assertEqual(line.open_demand_qty, 5.0)
        self.assertEqual(line.qty_on_hand, 140.0)
        self.assertEqual(line.forecast_qty, 135.0)
        self.assertFalse(line.below_min)
        self.assertIn(
            "Min = safety stock 33.55 + lead-time demand 24 = 57.55, rounded up: 58",
            line.explanation,
        )
        self.assertIn(
            "Forecast = on hand 140 + incoming 0 − outgoing 5 = 135 (of which open sales orders 5)",
            line.explanation,
        )

    def test_returns_and_other_parameters(self):
        planner = self._planner(service_level=0.99, review_period_days=14)
        line = planner.line_ids
        z = 2.3263478740408408
        safety = round(round(z, 3) * round(math.sqrt(104), 3) * 2, 2)
        self.assertAlmostEqual(line.safety_stock, safety)
        self.assertEqual(line.suggested_min, math.ceil(safety + 24))
        self.assertEqual(line.suggested_max, line.suggested_min + 84)
        # Without a vendor, the lead time is 0: no safety stock, a clear reason.
        self.widget.seller_ids.unlink()
        planner.action_compute()
        self.assertRecordValues(
            planner.line_ids, [{"lead_time_days": 0, "safety_stock": 0, "suggested_min": 0}]
        )
        self.assertIn("no vendor", planner.line_ids.lead_time_source)

    def test_lead_time_is_odoos_lead_days_plus_the_vendors(self):
        """Through a resupply rule of 2 days, with a vendor of 4: the planner
        counts the reordering rule's ``lead_days`` (Odoo's
        ``_get_lead_days``) and the delay of the vendor ``_select_seller``
        picks, which no Buy rule counts without purchase_stock."""
        stock = self.warehouse.lot_stock_id
        buffer = self.env["stock.location"].create(
            {"name": "Buffer", "usage": "internal", "location_id": stock.location_id.id}
        )
        route = self.env["stock.route"].create(
            {
                "name": "Via the buffer",
                "product_selectable": True,
                "rule_ids": [
                    Command.create(
                        {
                            "name": "Buffer to Stock",
                            "action": "pull",
                            "procure_method": "make_to_stock",
                            "location_src_id": buffer.id,
                            "location_dest_id": stock.id,
                            "picking_type_id": self.warehouse.int_type_id.id,
                            "delay": 2,
                        }
                    )
                ],
            }
        )
        self.widget.route_ids = route
        # A vendor of another company, faster, is not this company's vendor.
        other_company = self.env["res.company"].create({"name": "Other Planner Co"})
        self.widget.seller_ids = [
            Command.create(
                {"partner_id": self.vendor.id, "delay": 1, "company_id": other_company.id}
            )
        ]
        # The horizon widens Odoo's forecast window: no delivery delay.
        self.env.company.horizon_days = 30

        # Without a reordering rule: the rules along the product's routes.
        line = self._planner().line_ids
        self.assertEqual(line.lead_time_days, 6)
        self.assertEqual(
            line.lead_time_source,
            "Delay on Buffer to Stock: + 2 day(s), Vendor Lead Time (Planner Vendor): + 4 day(s)",
        )
        self.assertIn(f"Lead time: 6 days, from: {line.lead_time_source}.", line.explanation)

        orderpoint = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.widget.id,
                "warehouse_id": self.warehouse.id,
                "location_id": stock.id,
                "product_min_qty": 1,
                "product_max_qty": 2,
            }
        )
        delays, _description = orderpoint.rule_ids._get_lead_days(self.widget)
        self.assertEqual((orderpoint.lead_days, delays["total_delay"]), (2, 2))
        line = self._planner().line_ids
        self.assertEqual(line.orderpoint_id, orderpoint)
        self.assertEqual(line.lead_time_days, orderpoint.lead_days + 4)
        self.assertAlmostEqual(line.safety_stock, round(1.645 * 10.198 * math.sqrt(6), 2))
        self.assertAlmostEqual(line.lead_time_demand, 36.0)

        # The vendor _select_seller picks: the first by sequence.
        self.widget.seller_ids = [
            Command.create({"partner_id": self.customer.id, "delay": 9, "sequence": 0})
        ]
        line = self._planner().line_ids
        self.assertEqual(line.lead_time_days, 11)
        self.assertIn(f"Vendor Lead Time ({self.customer.name}): + 9 day(s)", line.lead_time_source)

    def _check_arithmetic(self, explanation):
        """Check every "a op b ... = c" (or "≈ c") of ``explanation`` with the
        numbers it shows, as a reader with a calculator would: the words
        between the numbers are labels; the operators are + − × ÷ and √, a
        sum and a product never in one operation (no precedence to know);
        "=" is exact, "≈" rounds to the decimals shown; "rounded up: n" is
        the result before it rounded up to the unit. Return the results
        checked, line by line."""
        token = re.compile(r"√?\d[\d,]*(?:\.\d+)?|[+−×÷]")
        number = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

        def value(text):
            number = float(text.lstrip("√").replace(",", ""))
            return math.sqrt(number) if text.startswith("√") else number

        def evaluate(tokens):
            # × and ÷ before + and −, left to right.
            terms, signs, product = [], [1], value(tokens[0])
            for operator, operand in zip(tokens[1::2], tokens[2::2], strict=True):
                if operator == "×":
                    product *= value(operand)
                elif operator == "÷":
                    product /= value(operand)
                else:
                    terms.append(product)
                    signs.append(1 if operator == "+" else -1)
                    product = value(operand)
            terms.append(product)
            return sum(sign * term for sign, term in zip(signs, terms, strict=True))

        checked = []
        for line in explanation.splitlines():
            found = []
            # "left = right": the operations of the left part give the number
            # the right part starts with.
            parts = re.split(r"([=≈])", line)
            for left, sign, right in zip(parts[0::2], parts[1::2], parts[2::2], strict=False):
                tokens = token.findall(left)
                if not any(t in "+−×÷" for t in tokens):
                    self.assertFalse(tokens, f"a number without an operation in {line!r}")
                    continue
                operators = {t for t in tokens if t in "+−×÷"}
                self.assertFalse(
                    operators & {"+", "−"} and operators & {"×", "÷"},
                    f"sums and products mixed in one operation: {line!r}",
                )
                shown = number.match(right.strip())
                self.assertTrue(shown, f"no result after {sign} in {line!r}")
                shown = shown.group()
                exact = evaluate(tokens)
                shown_value = float(shown.replace(",", ""))
                decimals = len(shown.partition(".")[2])
                with self.subTest(line=line, expression=tokens):
                    if sign == "=":
                        self.assertAlmostEqual(exact, shown_value, places=9)
                    else:
                        self.assertNotAlmostEqual(exact, shown_value, places=9, msg="exact: =")
                        self.assertLessEqual(abs(exact - shown_value), 0.5 * 10**-decimals + 1e-9)
                found.append(shown_value)
                rounded = re.match(r"\s*" + re.escape(shown) + r", rounded up: ([\d,.]+)\.", right)
                if rounded:
                    self.assertEqual(
                        float(rounded.group(1).replace(",", "")), math.ceil(shown_value)
                    )
            self.assertEqual(
                bool(found),
                bool(re.search(r"[=≈]", line)),
                f"a line with = or ≈ that checks nothing: {line!r}",
            )
            checked.append(found)
        return checked

    def test_explanation_is_checkable_arithmetic(self):
        """Every line of the explanation is arithmetic on the numbers it
        shows (quantities with 2 decimals, daily rates and z with 3): a reader
        with a calculator finds each result as written ("≈" where it is
        rounded), and the suggestion is the one the explanation computes."""
        line = self._planner(lookback_days=7, service_level=0.9, review_period_days=5).line_ids
        explanation = line.explanation
        checked = self._check_arithmetic(explanation)
        # Average, MASE (the average against itself: 1), safety, lead-time
        # demand, min, review demand, max, forecast.
        self.assertEqual(len([found for found in checked if found]), 8, explanation)
        number = r"(-?[\d,]+(?:\.\d+)?)"

        def numbers(pattern):
            match = re.search(pattern.replace("#", number), explanation)
            self.assertTrue(match, f"{pattern!r} not in:\n{explanation}")
            return [float(value.replace(",", "")) for value in match.groups()]

        def places(value):
            return len(f"{value}".partition(".")[2].rstrip("0"))

        total, days = numbers(r"Demand: # delivered in # days\.")
        total_again, days_again, mean, sigma = numbers(
            r"Average daily demand = # ÷ # days ≈ # per day \(σ #\)\."
        )
        self.assertEqual((total_again, days_again), (total, days))
        (lead,) = numbers(r"Lead time: # days")
        z, sigma_again, lead_again, safety = numbers(r"Safety stock = z # × σ # × √# ≈ #\.")
        self.assertEqual((sigma_again, lead_again), (sigma, lead))
        mean_again, lead_again, lead_demand = numbers(
            r"Lead-time demand = # per day × # days = #\."
        )
        self.assertEqual((mean_again, lead_again), (mean, lead))
        safety_again, lead_demand_again, min_sum, minimum = numbers(
            r"Min = safety stock # \+ lead-time demand # = #, rounded up: #\."
        )
        self.assertEqual((safety_again, lead_demand_again), (safety, lead_demand))
        mean_again, review, review_demand = numbers(
            r"Review-period demand = # per day × # days = #\."
        )
        self.assertEqual((mean_again, review), (mean, 5))
        min_again, review_demand_again, max_sum, maximum = numbers(
            r"Max = min # \+ review-period demand # = #, rounded up: #\."
        )
        self.assertEqual((min_again, review_demand_again), (minimum, review_demand))
        on_hand, _incoming, _outgoing, forecast = numbers(
            r"Forecast = on hand # \+ incoming # − outgoing # = #"
        )
        for value in (z, sigma, mean, lead_demand, min_sum, review_demand, max_sum):
            self.assertLessEqual(places(value), 3, value)
        for value in (total, safety, minimum, maximum, forecast, on_hand):
            self.assertLessEqual(places(value), 2, value)
        # The line's figures are the ones shown.
        self.assertRecordValues(
            line,
            [
                {
                    "lead_time_days": 4,
                    "avg_daily_demand": mean,
                    "demand_std_dev": sigma,
                    "safety_stock": safety,
                    "lead_time_demand": lead_demand,
                    "suggested_min": minimum,
                    "suggested_max": maximum,
                    "forecast_qty": forecast,
                }
            ],
        )

    def test_figures_show_the_explanations_decimals(self):
        """The form and the list show each figure with the decimals the
        explanation gives it: 0.122 per day there is not 0.12 here."""
        quantity = self.env["decimal.precision"].precision_get("Product Unit")
        Line = self.env["stock.replenishment.planner.line"]
        for name, decimals in (
            ("avg_daily_demand", quantity + 1),
            ("demand_std_dev", quantity + 1),
            ("lead_time_demand", quantity + 1),
            ("safety_stock", quantity),
            ("suggested_min", quantity),
        ):
            with self.subTest(field=name):
                self.assertEqual(Line._fields[name].get_digits(self.env)[1], decimals)

    def test_explanation_exact_division_reads_equal(self):
        """60 delivered in 10 days is 6 a day exactly: "=", not "≈"."""
        explanation = self._planner().line_ids.explanation
        self.assertIn("Average daily demand = 60 ÷ 10 days = 6 per day", explanation)
        self._check_arithmetic(explanation)

    def test_quantities_below_the_precision_do_not_round_up(self):
        """57.004 units is 57 at the quantities' precision: the minimum is 57,
        as the explanation shows, not 58."""
        self.assertEqual(_round_up(57.004, 1.0, 2), 57.0)
        self.assertEqual(_round_up(57.006, 1.0, 2), 58.0)
        self.assertEqual(_round_up(0.4, 1.0, 2), 1.0)
        self.assertEqual(_round_up(-3.0, 1.0, 2), 0.0)
        self.assertEqual(_round_up(11.0, 5.0, 2), 15.0)

    def test_suggestions_are_the_computations(self):
        """A user chooses which suggestions to apply, never their numbers:
        what a manager applies is what the computation found."""
        planner = self._planner()
        line = planner.line_ids.with_user(self.stock_user)
        for vals in ({"suggested_min": 999999}, {"suggested_max": 1}, {"product_id": 1}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                line.write(vals)
        with self.assertRaises(AccessError):
            self.env["stock.replenishment.planner.line"].with_user(self.stock_user).create(
                {"planner_id": planner.id, "product_id": self.widget.id, "suggested_min": 5}
            )
        line.to_apply = False
        self.assertRecordValues(line, [{"to_apply": False, "suggested_min": 58.0}])

    def test_absurd_periods_are_refused_clearly(self):
        for vals in (
            {"lookback_days": 10**9},
            {"lookback_days": 2**31},
            {"review_period_days": 10**12},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, "cannot exceed"):
                self._planner(**vals)
        for days in ("abc", "NaN", None, [1], float("inf")):
            with self.subTest(days=days), self.assertRaisesRegex(UserError, "number of days"):
                self.env["customer.order.kpi"].with_user(self.stock_user).get_dashboard_data(days)

    def test_apply_creates_then_updates_orderpoints(self):
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        planner = self._planner(user=self.stock_manager)
        with self.assertRaises(AccessError):
            planner.with_user(self.stock_user).action_apply()
        self.assertFalse(Orderpoint.search([("product_id", "=", self.widget.id)]))
        planner.action_apply()
        orderpoint = Orderpoint.search([("product_id", "=", self.widget.id)])
        self.assertRecordValues(
            orderpoint,
            [
                {
                    "product_min_qty": 58.0,
                    "product_max_qty": 100.0,
                    "warehouse_id": self.warehouse.id,
                    "location_id": self.warehouse.lot_stock_id.id,
                }
            ],
        )
        again = self._planner(user=self.stock_manager, review_period_days=14)
        self.assertEqual(again.line_ids.orderpoint_id, orderpoint)
        self.assertEqual(again.line_ids.current_max, 100.0)
        again.action_apply()
        self.assertEqual(Orderpoint.search([("product_id", "=", self.widget.id)]), orderpoint)
        self.assertEqual(orderpoint.product_max_qty, 142.0)
        again.line_ids.to_apply = False
        with self.assertRaisesRegex(UserError, "Select at least one"):
            again.action_apply()

    def test_menu_opens_a_computed_planner_as_a_tool(self):
        """The menu opens a planner already computed, as a page of its own:
        no "New" (each visit is a fresh planner), nothing to duplicate."""
        menu = self.env.ref("customer_order_management.menu_stock_replenishment_planner")
        self.assertEqual(menu.action._name, "ir.actions.server")
        Planner = self.env["stock.replenishment.planner"]
        before = Planner.search([])
        result = menu.action.with_user(self.stock_user).run()
        planner = Planner.search([]) - before
        self.assertEqual(len(planner), 1, "a fresh planner per visit")
        self.assertEqual(
            {key: result[key] for key in ("type", "res_model", "res_id", "target", "views")},
            {
                "type": "ir.actions.act_window",
                "res_model": "stock.replenishment.planner",
                "res_id": planner.id,
                "target": "current",
                "views": [(False, "form")],
            },
        )
        self.assertIn(self.widget, planner.line_ids.product_id, "computed on opening")
        arch = Planner.with_user(self.stock_user).get_views([(False, "form")])["views"]["form"]
        form = etree.fromstring(arch["arch"])
        self.assertEqual(
            (form.get("create"), form.get("duplicate"), form.get("delete")),
            ("false", "false", "false"),
        )

    def test_bad_parameters(self):
        Planner = self.env["stock.replenishment.planner"]
        count = Planner.search_count([])
        for values in (
            {"service_level": 0.5},
            {"service_level": 0.999},
            {"service_level": 1.2},
            {"lookback_days": 0},
            {"lookback_days": -5},
            {"review_period_days": -1},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.cr.savepoint(),
            ):
                self._planner(**values)
        self.assertEqual(Planner.search_count([]), count)

    def test_products_of_the_planners_company(self):
        """A user of two companies plans one company with its products only."""
        company = self.env.company
        other_company = self.env["res.company"].create({"name": "Other Planner Co"})
        foreign = self.env["product.product"].create(
            {"name": "Foreign Widget", "is_storable": True, "company_id": other_company.id}
        )
        user = new_test_user(
            self.env,
            login="com_planner_two_companies",
            groups="stock.group_stock_user",
            company_id=company.id,
            company_ids=[Command.set((company | other_company).ids)],
        )
        Planner = self.env(
            user=user, context={"allowed_company_ids": [company.id, other_company.id]}
        )["stock.replenishment.planner"]
        values = {"warehouse_id": self.warehouse.id, "lookback_days": 10}
        with self.assertRaisesRegex(UserError, "belongs to another company"):
            Planner.create({**values, "product_ids": [Command.set((self.widget | foreign).ids)]})
        planner = Planner.create({**values, "product_ids": [Command.set(self.widget.ids)]})
        self.assertEqual(planner.line_ids.product_id, self.widget)

    def test_queries_do_not_grow_with_products(self):
        """Computing 30 products costs the same queries as computing 3."""
        products = self.env["product.product"].create(
            [{"name": f"Planned {i}", "is_storable": True} for i in range(30)]
        )
        self.env["stock.warehouse.orderpoint"].create(
            [
                {
                    "product_id": product.id,
                    "warehouse_id": self.warehouse.id,
                    "location_id": self.warehouse.lot_stock_id.id,
                    "product_min_qty": 1,
                    "product_max_qty": 2,
                }
                for product in products
            ]
        )

        def count_queries(selection):
            planner = self._planner(product_ids=[Command.set(selection.ids)])
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            planner.action_compute()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before, len(planner.line_ids)

        planner = self._planner(product_ids=[Command.set(products[:2].ids)])
        self.assertFalse(
            any(planner.line_ids.mapped("to_apply")),
            "without delivered history a suggestion is shown but not selected",
        )
        small, small_lines = count_queries(products[:3])
        big, big_lines = count_queries(products)
        self.assertEqual((small_lines, big_lines), (3, 30))
        self.assertLessEqual(big - small, 3, f"{small} queries for 3 products, {big} for 30")


@tagged("post_install", "-at_install")
class TestDemandForecastPlanner(CustomerOrderCommon):
    """The planner's forecasts (SPEC §10) on histories written as moves:
    one delivered move per day with demand, dated that many days ago."""

    LOOKBACK = 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "Forecast Vendor"})
        Product = cls.env["product.product"]

        def product(name):
            return Product.create(
                {
                    "name": f"Forecast {name}",
                    "is_storable": True,
                    "standard_price": 2.0,
                    "seller_ids": [Command.create({"partner_id": cls.vendor.id, "delay": 4})],
                }
            )

        cls.intermittent = product("every fifth day")
        cls.smooth = product("five a day")
        cls.once = product("sold once")
        cls.quiet = product("never sold")
        cls.returned = product("returned more than sold")
        cls.lumpy = product("lumpy")
        # 10 units every fifth day: 1, 6, ..., 26 days ago.
        cls._history(cls.intermittent, {days: 10.0 for days in range(1, 30, 5)})
        cls._history(cls.smooth, {days: 5.0 for days in range(30)})
        cls._history(cls.once, {3: 7.0})
        cls._history(cls.lumpy, {2: 1.0, 5: 30.0, 13: 2.0, 22: 25.0, 27: 1.0})
        # Sold 4 long ago (before the lookback), 4 + 6 returned within it, 3 sold after.
        cls._history(cls.returned, {60: 4.0, 5: 3.0})
        cls._history(cls.returned, {10: 4.0, 2: 6.0}, returned=True)

    @classmethod
    def _history(cls, product, qty_by_days_ago, returned=False):
        stock = cls.warehouse.lot_stock_id
        customers = cls.env.ref("stock.stock_location_customers")
        if not returned:
            cls._set_stock(product, sum(qty_by_days_ago.values()))
        source, destination = (customers, stock) if returned else (stock, customers)
        moves = cls.env["stock.move"].create(
            [
                {
                    "product_id": product.id,
                    "product_uom_qty": qty,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "warehouse_id": cls.warehouse.id,
                }
                for qty in qty_by_days_ago.values()
            ]
        )
        moves._action_confirm()
        moves._action_assign()
        for move in moves:
            move.quantity = move.product_uom_qty
        moves.picked = True
        moves._action_done()
        now = fields.Datetime.now()
        for move, days in zip(moves, qty_by_days_ago, strict=True):
            move.write({"date": now - timedelta(days=days)})
        return moves

    def _planner(self, products, user=None, **vals):
        env = self.env(user=user or self.stock_user)
        return env["stock.replenishment.planner"].create(
            {
                "warehouse_id": self.warehouse.id,
                "lookback_days": self.LOOKBACK,
                "product_ids": [Command.set(products.ids)],
                **vals,
            }
        )

    def _series(self, qty_by_days_ago):
        series = [0.0] * self.LOOKBACK
        for days, qty in qty_by_days_ago.items():
            series[self.LOOKBACK - 1 - days] += qty
        return series

    def test_intermittent_product_is_forecast_with_sba(self):
        planner = self._planner(self.intermittent)
        self.assertEqual((planner.method, planner.alpha), ("auto", 0.1))
        line = planner.line_ids
        series = self._series({days: 10.0 for days in range(1, 30, 5)})
        test = fc.backtest("sba", series, 0.1)
        self.assertEqual(test.holdout_days, 7)
        # The first 23 days hold 4 demands of 10, 5 days apart: Croston starts
        # at p₀ = 23 / 4 = 5.75 and moves 10 % towards 5 three times.
        held = 10 / (5 + 0.75 * 0.9**3) * (1 - 0.1 / 2)
        self.assertRecordValues(
            line,
            [
                {
                    "demand_pattern": "intermittent",
                    "adi": 5.0,
                    "cv2": 0.0,
                    "demand_days": 6,
                    "forecast_method": "sba",
                    # Croston 10 ÷ 5 = 2 per day, SBA 2 × (1 − 0.1 / 2).
                    "forecast_daily": 1.9,
                    "holdout_days": 7,
                    # Holdout: 5 days without demand and two of 10 against
                    # the forecast of the first 23 days (see ``held`` above).
                    "forecast_error": round((5 * held + 2 * (10 - held)) / 7, 3),
                    "naive_error": round((5 * 40 / 23 + 2 * (10 - 40 / 23)) / 7, 3),
                    "error_std_dev": round(math.sqrt((5 * held**2 + 2 * (10 - held) ** 2) / 7), 3),
                    "lead_time_days": 4,
                }
            ],
        )
        self.assertAlmostEqual(held, test.forecast)
        self.assertAlmostEqual(
            line.mase, round(line.forecast_error / line.naive_error, 3), places=6
        )
        safety = round(1.645 * line.error_std_dev * 2, 2)
        self.assertAlmostEqual(line.safety_stock, safety)
        self.assertEqual(line.suggested_min, math.ceil(safety + 1.9 * 4))
        self.assertEqual(line.suggested_max, math.ceil(line.suggested_min + 1.9 * 7))
        explanation = line.explanation
        self.assertIn("Pattern: Intermittent, ADI 5 days between demands and CV² 0", explanation)
        self.assertIn("Method: Syntetos–Boylan (SBA) (by demand pattern), α 0.1", explanation)
        self.assertIn("Backtest on the last 7 days", explanation)
        self.assertIn("Lead-time demand = 1.9 per day × 4 days = 7.6.", explanation)
        checked = TestReplenishmentPlanner._check_arithmetic(self, explanation)
        # Average, MASE, safety, lead-time demand, min, review demand, max, forecast.
        self.assertEqual(len([found for found in checked if found]), 8, explanation)
        # The chart: one bar per week of the lookback (30 days: 2 + 4 × 7).
        self.assertEqual(line.chart.count("<rect"), 5)
        self.assertIn("o_com_forecast", line.chart)

    def test_mase_says_which_forecast_did_better(self):
        """The explanation reads the MASE for the user: better, worse or as
        good as the plain average on the backtest's days."""
        seen = set()
        lines = self.env["stock.replenishment.planner.line"]
        for method in ("ses", "tsb", "croston"):
            lines |= self._planner(self.intermittent | self.lumpy, method=method).line_ids
        for line in lines:
            with self.subTest(product=line.product_id.display_name, mase=line.mase):
                self.assertTrue(line.naive_error)
                if line.mase < 1:
                    verdict = "better than the plain average"
                elif line.mase > 1:
                    verdict = "worse than the plain average"
                else:
                    verdict = "as good as the plain average"
                self.assertIn(f"{line.mase:g}: {verdict} on these days.", line.explanation)
                self.assertNotIn("below 1", line.explanation)
                seen.add(verdict)
        self.assertGreaterEqual(len(seen), 2, "both sides of 1 are shown")
        # A suggestion is named after its product (the form's breadcrumb).
        line = lines[:1]
        self.assertEqual(line.display_name, line.product_id.display_name)

    def test_each_method_on_demand(self):
        series = self._series({days: 10.0 for days in range(1, 30, 5)})
        for method, expected in (
            ("average", 2.0),
            ("croston", 2.0),
            ("sba", 1.9),
            ("tsb", round(fc.tsb(series, 0.2), 3)),
            ("ses", round(fc.ses(series, 0.2), 3)),
        ):
            with self.subTest(method=method):
                line = self._planner(self.intermittent, method=method, alpha=0.2).line_ids
                expected = 1.8 if method == "sba" else expected  # 2 × (1 − 0.2 / 2)
                self.assertEqual(line.forecast_method, method)
                self.assertAlmostEqual(line.forecast_daily, expected)

    def test_constant_demand_is_smooth_and_needs_no_buffer(self):
        line = self._planner(self.smooth).line_ids
        self.assertRecordValues(
            line,
            [
                {
                    "demand_pattern": "smooth",
                    "forecast_method": "ses",
                    "forecast_error": 0.0,
                    "error_std_dev": 0.0,
                    "safety_stock": 0.0,
                }
            ],
        )
        # Every method forecasts 5: the minimum covers 4 days, the maximum 7 more.
        self.assertEqual(line.forecast_daily, 5.0)
        self.assertEqual((line.suggested_min, line.suggested_max), (20.0, 55.0))
        self.assertIn("MASE: the plain average made no error on these days.", line.explanation)
        TestReplenishmentPlanner._check_arithmetic(self, line.explanation)

    def test_lumpy_product_is_forecast_with_tsb(self):
        line = self._planner(self.lumpy).line_ids
        series = self._series({2: 1.0, 5: 30.0, 13: 2.0, 22: 25.0, 27: 1.0})
        classification = fc.classify(series)
        self.assertEqual(classification.pattern, "lumpy")
        self.assertRecordValues(
            line,
            [
                {
                    "demand_pattern": "lumpy",
                    "forecast_method": "tsb",
                    "forecast_daily": round(fc.tsb(series, 0.1), 3),
                    "adi": round(classification.adi, 2),
                }
            ],
        )
        TestReplenishmentPlanner._check_arithmetic(self, line.explanation)

    def test_too_little_history_and_no_demand(self):
        planner = self._planner(self.once | self.quiet)
        once = planner.line_ids.filtered(lambda line: line.product_id == self.once)
        quiet = planner.line_ids - once
        # The average's σ: 7 on one day of 30.
        line_sigma = round(math.sqrt(49 / 30 - (7 / 30) ** 2), 3) * 2
        self.assertRecordValues(
            once | quiet,
            [
                {
                    "demand_pattern": False,
                    "demand_days": 1,
                    "forecast_method": "average",
                    "forecast_daily": round(7 / 30, 3),
                    "suggested_min": math.ceil(round(1.645 * line_sigma, 2) + 0.233 * 4),
                    "to_apply": True,
                },
                {
                    "demand_pattern": False,
                    "demand_days": 0,
                    "forecast_method": "average",
                    "forecast_daily": 0.0,
                    "suggested_min": 0.0,
                    "to_apply": False,
                },
            ],
        )
        self.assertIn("Not enough history: 1 day with demand", once.explanation)
        self.assertIn("No demand in the lookback: nothing to forecast.", quiet.explanation)
        self.assertIn("MASE: the plain average made no error on these days.", quiet.explanation)
        for line in once | quiet:
            TestReplenishmentPlanner._check_arithmetic(self, line.explanation)
        # One day of history: nothing to back-test, no division by zero.
        line = self._planner(self.once, lookback_days=1).line_ids
        self.assertEqual((line.holdout_days, line.forecast_error), (0, 0.0))

    def test_returns_beyond_the_sales_count_as_zero(self):
        """3 sold 5 days ago, returns of 4 (10 days ago, of a sale before the
        lookback) and 6 (2 days ago: 3 cancel the sale of day 5, 3 are left):
        7 returned that no sale in the lookback explains, no negative day."""
        line = self._planner(self.returned).line_ids
        self.assertRecordValues(
            line,
            [{"demand_qty": 0.0, "unmatched_return_qty": 7.0, "forecast_daily": 0.0}],
        )
        self.assertIn(
            "Returns of 7 matched no delivery in the lookback: counted as no demand",
            line.explanation,
        )
        self.assertEqual(line.weekly_demand, [0.0] * 5)
        # Delivered, but all of it came back: no demand to base a rule on. The
        # line is not selected, so applying leaves its reordering rule alone.
        self.assertFalse(line.to_apply)
        rule = self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.returned.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "product_min_qty": 5.0,
                "product_max_qty": 20.0,
            }
        )
        planner = self._planner(self.returned | self.intermittent, user=self.stock_manager)
        returned_line = planner.line_ids.filtered(lambda line: line.product_id == self.returned)
        self.assertRecordValues(returned_line, [{"to_apply": False, "current_min": 5.0}])
        planner.action_apply()
        self.assertRecordValues(rule, [{"product_min_qty": 5.0, "product_max_qty": 20.0}])

    def test_hostile_values_over_rpc_get_a_clear_message(self):
        """What JSON-RPC can send for a number: strings (Odoo's integer
        fields read "3651" as 3651), NaN, lists, huge floats. Each gets a
        clear message and nothing is written, never a server error."""
        Planner = self.env["stock.replenishment.planner"]
        count = Planner.search_count([])
        for vals, message in (
            ({"lookback_days": "3651"}, "cannot exceed 3650 days"),
            ({"review_period_days": "2147483647"}, "cannot exceed 3650 days"),
            ({"lookback_days": float("nan")}, "must be a number"),
            ({"lookback_days": "abc"}, "must be a number"),
            ({"alpha": "abc"}, "must be a number"),
            ({"alpha": [1]}, "must be a number"),
            ({"alpha": "NaN"}, "strictly between 0 and 1"),
            ({"alpha": 1e308}, "strictly between 0 and 1"),
            ({"service_level": "1e400"}, "service level must be between"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
                self.cr.savepoint(),
            ):
                self._planner(self.intermittent, **vals)
        self.assertEqual(Planner.search_count([]), count)
        planner = self._planner(self.intermittent)
        with self.assertRaisesRegex(ValidationError, "cannot exceed"), self.cr.savepoint():
            planner.write({"lookback_days": "5000"})
        self.assertEqual(planner.lookback_days, self.LOOKBACK)
        # A number given as a string is still a number.
        planner.write({"lookback_days": "20", "alpha": "0.2"})
        self.assertEqual((planner.lookback_days, planner.alpha), (20, 0.2))

    def test_a_stock_user_cannot_change_another_users_plan(self):
        """A plan is its author's: another stock user may read it but not
        change its parameters or selection (a manager applies what the plan
        says, so nobody else may decide it)."""
        planner = self._planner(self.intermittent, user=self.stock_manager)
        line = planner.line_ids
        other = self.env["stock.replenishment.planner"].with_user(self.stock_user)
        self.assertEqual(other.search([("id", "=", planner.id)]), planner)
        planner_as_other = planner.with_user(self.stock_user)
        for call in (
            lambda: planner_as_other.write({"review_period_days": 3000}),
            lambda: line.with_user(self.stock_user).write({"to_apply": False}),
            lambda: planner_as_other.action_compute(),
            lambda: planner_as_other.unlink(),
        ):
            with self.assertRaises(AccessError), self.cr.savepoint():
                call()
        self.assertRecordValues(planner, [{"review_period_days": 7}])
        self.assertTrue(line.exists().to_apply)
        # Its author still works with it.
        planner.with_user(self.stock_manager).write({"review_period_days": 14})
        line.with_user(self.stock_manager).write({"to_apply": False})

    def test_bad_alpha_is_refused_and_nothing_written(self):
        Planner = self.env["stock.replenishment.planner"]
        count = Planner.search_count([])
        # NaN and infinities arrive as floats over JSON-RPC (Python's json reads them).
        for alpha in (0.0, 1.0, -0.1, 1.5, float("nan"), float("inf"), float("-inf")):
            with (
                self.subTest(alpha=alpha),
                self.assertRaisesRegex(ValidationError, "strictly between 0 and 1"),
                self.cr.savepoint(),
            ):
                self._planner(self.intermittent, alpha=alpha)
        self.assertEqual(Planner.search_count([]), count)
        planner = self._planner(self.intermittent)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            planner.alpha = 1.0
            planner.flush_recordset()
        self.assertEqual(planner.alpha, 0.1)
        for alpha in (float("nan"), float("inf")):
            with (
                self.subTest(write=alpha),
                self.assertRaisesRegex(ValidationError, "strictly between 0 and 1"),
                self.cr.savepoint(),
            ):
                planner.write({"alpha": alpha})
        self.assertEqual(planner.alpha, 0.1)
        for level in (float("nan"), float("inf")):
            with (
                self.subTest(service_level=level),
                self.assertRaisesRegex(ValidationError, "service level must be between"),
                self.cr.savepoint(),
            ):
                self._planner(self.intermittent, service_level=level)
        self.assertEqual(Planner.search_count([]), count + 1)
        with self.assertRaises(ValueError), self.cr.savepoint():
            self._planner(self.intermittent, method="median")

    def test_forecast_figures_are_the_computations(self):
        line = self._planner(self.intermittent).line_ids.with_user(self.stock_user)
        for vals in ({"forecast_daily": 0.0}, {"demand_pattern": "smooth"}, {"mase": 0.1}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                line.write(vals)

    def test_filters_grouping_and_stock_value_summary(self):
        products = self.intermittent | self.smooth | self.lumpy | self.once
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.intermittent.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "product_min_qty": 40,
                "product_max_qty": 60,
            }
        )
        planner = self._planner(products)
        action = planner.action_open_lines()
        Line = self.env["stock.replenishment.planner.line"].with_user(self.stock_user)
        groups = dict(Line._read_group(action["domain"], ["demand_pattern"], ["__count"]))
        self.assertEqual(
            groups, {"intermittent": 1, "smooth": 1, "lumpy": 1, False: 1}, "grouped by pattern"
        )
        self.assertEqual(action["context"], {"search_default_group_pattern": True})
        # Groups show the average ADI, CV², MASE and lead time, not their sums.
        described = Line.fields_get(["adi", "cv2", "mase", "lead_time_days"], ["aggregator"])
        self.assertEqual({value["aggregator"] for value in described.values()}, {"avg"})
        arch = Line.get_views([(False, "search")])["views"]["search"]["arch"]
        for name in ("smooth", "erratic", "intermittent", "lumpy", "group_pattern"):
            self.assertIn(f'name="{name}"', arch)
        # Value at cost 2: today's rule (40 + 60) ÷ 2 × 2 = 100; the suggestions'.
        lines = planner.line_ids
        suggested = sum((line.suggested_min + line.suggested_max) / 2 * 2.0 for line in lines)
        self.assertAlmostEqual(planner.current_stock_value, 100.0)
        self.assertAlmostEqual(planner.suggested_stock_value, suggested)
        self.assertIn("today's reordering rules", planner.summary)
        lines.filtered(lambda line: line.product_id == self.intermittent).to_apply = False
        self.assertAlmostEqual(
            planner.suggested_stock_value,
            100.0
            + sum(
                (line.suggested_min + line.suggested_max)
                for line in lines
                if line.product_id != self.intermittent
            ),
        )

    def test_apply_creates_then_updates_orderpoints(self):
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        planner = self._planner(self.intermittent | self.lumpy, user=self.stock_manager)
        planner.action_apply()
        orderpoints = Orderpoint.search(
            [("product_id", "in", (self.intermittent | self.lumpy).ids)], order="product_id"
        )
        self.assertEqual(
            [(op.product_id, op.product_min_qty, op.product_max_qty) for op in orderpoints],
            [
                (line.product_id, line.suggested_min, line.suggested_max)
                for line in planner.line_ids.sorted("product_id")
            ],
        )
        again = self._planner(
            self.intermittent | self.lumpy, user=self.stock_manager, review_period_days=30
        )
        again.action_apply()
        self.assertEqual(
            Orderpoint.search([("product_id", "in", (self.intermittent | self.lumpy).ids)]),
            orderpoints,
        )
        for line in again.line_ids:
            self.assertEqual(line.orderpoint_id.product_max_qty, line.suggested_max)

    def test_queries_do_not_grow_with_products(self):
        """One grouped demand query for all products, whatever the method."""
        small, big = self.intermittent, self.intermittent | self.smooth | self.lumpy | self.once
        for method in ("auto", "average"):
            counts = []
            for products in (small, big):
                planner = self._planner(products, method=method)
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                planner.action_compute()
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - before)
            with self.subTest(method=method):
                self.assertLessEqual(counts[1] - counts[0], 3, counts)
        with patch.object(
            type(self.env["stock.move"]),
            "_read_group",
            autospec=True,
            side_effect=type(self.env["stock.move"])._read_group,
        ) as read_group:
            self._planner(big)
        demand_calls = [call for call in read_group.call_args_list if "date:day" in call.args[2]]
        self.assertEqual(len(demand_calls), 1, "one grouped demand query")
