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
        env = self.env(user=user or self.stock_user)
        return env["stock.replenishment.planner"].create(
            {
                "warehouse_id": self.warehouse.id,
                "lookback_days": 10,
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
        self.assertEqual(len([found for found in checked if found]), 7, explanation)
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
