import base64
import io
import re
from datetime import date, datetime, time, timedelta

import openpyxl
import pytz
from dateutil.relativedelta import relativedelta
from lxml import etree
from xlsxwriter.utility import xl_range

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, freeze_time, new_test_user, tagged

from ..models.customer_order_analysis import BACKLOG_STAGES
from ..models.customer_order_report_pack import _BacklogRows
from .common import OrderAnalysisDataset, write_history


@tagged("post_install", "-at_install")
class TestOrderAnalysis(OrderAnalysisDataset):
    """The analysis rows and the KPIs, against the known answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_second_company()

    def _kpis(self, user=None, **kwargs):
        Kpi = self.env["customer.order.kpi"]
        if user:
            Kpi = Kpi.with_user(user)
        return Kpi._get_kpis(domain=self.domain, order_domain=self.order_domain, **kwargs)

    def test_rows_match_their_orders(self):
        rows = self.env["customer.order.analysis"].search(self.domain)
        self.assertEqual(len(rows), 3)
        row_a = rows.filtered(lambda r: r.order_id == self.order_a)
        self.assertRecordValues(
            row_a,
            [
                {
                    "qty_ordered": 10,
                    "qty_delivered": 8,
                    "qty_returned": 2,
                    "price_subtotal": 100,
                    "on_time": True,
                    "order_channel": "other",
                    "state": "sale",
                    "product_id": self.storable.id,
                    "company_id": self.env.company.id,
                }
            ],
        )
        self.assertAlmostEqual(row_a.review_hours, 2, places=3)
        self.assertTrue(row_a.delivered_date)
        self.assertLess(row_a.lead_time_days, 1)
        row_b = rows.filtered(lambda r: r.order_id == self.order_b)
        self.assertFalse(row_b.on_time)
        self.assertTrue(row_b.delivered_date)
        row_c = rows.filtered(lambda r: r.order_id == self.order_c)
        self.assertFalse(row_c.delivered_date)
        self.assertEqual(row_c.lifecycle_stage, "confirmed")
        self.assertEqual(
            self.env["customer.order.analysis"].search_count(
                [*self.domain, ("qty_returned", ">", 0)]
            ),
            1,
        )

    def test_kpis(self):
        kpis = self._kpis()
        self.assertEqual(kpis["orders"], 3)
        self.assertAlmostEqual(kpis["revenue"], 300)
        self.assertAlmostEqual(kpis["average_order_value"], 100)
        self.assertAlmostEqual(kpis["on_time_rate"], 0.5)
        self.assertAlmostEqual(kpis["fill_rate"], 15 / 19)
        self.assertAlmostEqual(kpis["return_rate"], 2 / 15)
        self.assertAlmostEqual(kpis["average_review_hours"], 3, places=3)
        backlog = {(b["stage"], b["age_bucket"]): b["count"] for b in kpis["backlog"]}
        self.assertEqual(backlog, {("confirmed", "today"): 1, ("shipped", "today"): 2})

    def test_approved_quotation_in_backlog(self):
        """An approved quotation waiting for confirmation is backlog, in its
        own stage, in the analysis, the KPIs and the dashboard."""
        quotation = self._create_order(
            partner_id=self.analysis_customer.id, user_id=self.salesman.id
        )
        quotation.action_submit_review()  # nothing flagged: approved
        self.env.flush_all()
        row = self.env["customer.order.analysis"].search([("order_id", "=", quotation.id)])
        self.assertEqual(row.lifecycle_stage, "approved")
        backlog = {(b["stage"], b["age_bucket"]): b["count"] for b in self._kpis()["backlog"]}
        self.assertEqual(
            backlog,
            {("approved", "today"): 1, ("confirmed", "today"): 1, ("shipped", "today"): 2},
        )
        data = self.env["customer.order.kpi"].with_user(self.salesman).get_dashboard_data(days=30)
        stages = [row["stage"] for row in data["backlog"]]
        self.assertEqual(stages[stages.index("approved") + 1], "confirmed")
        [approved] = [row for row in data["backlog"] if row["stage"] == "approved"]
        self.assertEqual((approved["label"], approved["total"]), ("Approved", 1))

    def test_kpis_breakdowns(self):
        """The same KPIs per month, channel and customer, from the same
        query; each breakdown adds up to the totals."""
        self.order_c.order_channel = "email"
        self.env.flush_all()
        kpis = self._kpis(breakdowns=("month", "order_channel", "partner_id"))
        self.assertEqual(kpis["orders"], 3)
        split = kpis["breakdowns"]
        channels = {entry["value"]: entry for entry in split["order_channel"]}
        self.assertEqual(set(channels), {"other", "email"})
        self.assertEqual(channels["email"]["orders"], 1)
        self.assertAlmostEqual(channels["email"]["revenue"], 100)
        self.assertIsNone(channels["email"]["on_time_rate"], "C is not shipped")
        self.assertEqual(channels["email"]["fill_rate"], 0.0)
        self.assertEqual(channels["other"]["orders"], 2)
        self.assertAlmostEqual(channels["other"]["revenue"], 200)
        self.assertAlmostEqual(channels["other"]["on_time_rate"], 0.5)
        self.assertAlmostEqual(channels["other"]["fill_rate"], 1.0)
        self.assertAlmostEqual(channels["other"]["return_rate"], 2 / 15)
        self.assertAlmostEqual(channels["other"]["qty_returned"], 2)
        for key in ("order_channel", "month", "partner_id"):
            self.assertEqual(sum(entry["orders"] for entry in split[key]), kpis["orders"])
            self.assertAlmostEqual(sum(entry["revenue"] for entry in split[key]), kpis["revenue"])
        # Months in the user's time zone, as the ORM's read_group gives them.
        [(month, count)] = self.env["customer.order.analysis"]._read_group(
            [("state", "=", "sale"), *self.domain],
            ["date_order:month"],
            ["order_id:count_distinct"],
        )
        self.assertEqual(
            [(entry["value"], entry["orders"]) for entry in split["month"]], [(month, count)]
        )
        [customer] = split["partner_id"]
        self.assertEqual(customer["value"], self.analysis_customer)
        self.assertAlmostEqual(customer["revenue"], 300)
        self.assertAlmostEqual(customer["average_review_hours"], 3, places=3)
        self.assertNotIn("breakdowns", self._kpis(), "only asked breakdowns are computed")

    def test_kpis_per_product_and_line_domain(self):
        """Per product, the figures of the lines; a domain on the lines
        counts each order once and sums only its matching lines."""
        cable = self.env["product.product"].create(
            {"name": "Lamp Cable", "type": "consu", "list_price": 5.0}
        )
        order_d = self._analysis_order(1, 10, fields.Datetime.now() + timedelta(days=5))
        order_d.order_line = [
            Command.create({"product_id": cable.id, "product_uom_qty": 3, "price_unit": 5})
        ]
        self.env.flush_all()
        kpis = self._kpis(breakdowns=("product_id", "order_channel"))
        self.assertEqual(kpis["orders"], 4)
        self.assertAlmostEqual(kpis["revenue"], 325)
        products = {entry["value"]: entry for entry in kpis["breakdowns"]["product_id"]}
        self.assertEqual(set(products), {self.storable, cable})
        lamp = products[self.storable]
        self.assertEqual(
            {name: round(value, 4) for name, value in lamp.items() if name != "value"},
            {
                "revenue": 310,
                "qty_ordered": 20,
                "qty_delivered": 13,
                "qty_returned": 2,
                "fill_rate": round(15 / 20, 4),
                "return_rate": round(2 / 15, 4),
            },
            "no order figures per product: an order spans products",
        )
        self.assertAlmostEqual(products[cable]["revenue"], 15)
        self.assertEqual(products[cable]["qty_ordered"], 3)
        self.assertEqual(products[cable]["fill_rate"], 0.0)
        [channel] = kpis["breakdowns"]["order_channel"]
        self.assertEqual((channel["orders"], channel["revenue"]), (4, 325))

        cable_lines = self.env["customer.order.kpi"]._get_kpis(
            domain=[*self.domain, ("product_id", "=", cable.id)]
        )
        self.assertEqual(cable_lines["orders"], 1)
        self.assertAlmostEqual(cable_lines["revenue"], 15)
        self.assertAlmostEqual(cable_lines["average_order_value"], 15)
        self.assertEqual(cable_lines["qty_ordered"], 3)
        self.assertIsNone(cable_lines["on_time_rate"], "order D is not shipped")

    def test_kpis_read_pending_writes(self):
        """The analysis is a view on the orders: what the ORM has not yet
        written to them is written before the KPIs and the pivot read it."""
        self.order_c.order_channel = "phone"
        self.order_a.order_line.product_uom_qty = 12
        kpis = self._kpis(breakdowns=("order_channel",))
        channels = {
            entry["value"]: entry["orders"] for entry in kpis["breakdowns"]["order_channel"]
        }
        self.assertEqual(channels.get("phone"), 1)
        self.assertAlmostEqual(kpis["qty_ordered"], 12 + 5 + 4)
        [(count,)] = self.env["customer.order.analysis"]._read_group(
            [*self.domain, ("order_channel", "=", "phone")], [], ["__count"]
        )
        self.assertEqual(count, 1)

    def test_kpis_date_range(self):
        tomorrow = fields.Datetime.now() + timedelta(days=1)
        kpis = self._kpis(date_from=tomorrow)
        self.assertEqual(kpis["orders"], 0)
        self.assertEqual(kpis["revenue"], 0)
        self.assertIsNone(kpis["on_time_rate"])
        self.assertIsNone(kpis["fill_rate"])
        self.assertIsNone(kpis["return_rate"])
        self.assertEqual(self._kpis(date_to=tomorrow)["orders"], 3)

    def test_dashboard_data(self):
        """The overview of the salesperson, who sees only the dataset's
        orders: this period's KPIs against the previous one, this month on
        the trend, the backlog per stage; in one query per figure set."""
        # In the user's language, as the web client calls it.
        # Orders without a salesperson are every salesman's (Odoo's rule):
        # the demo's e-mailed orders wait in the inbox that way.
        self.env["sale.order"].search([("user_id", "=", False)]).user_id = self.env.ref(
            "base.user_admin"
        )
        Kpi = self.env["customer.order.kpi"].with_user(self.salesman).with_context(lang="en_US")
        Kpi.get_dashboard_data(days=30)  # warm the caches (rules, labels)
        self.env.invalidate_all()
        # This period: lines, orders, backlog; the previous one: lines,
        # orders; the trend; the company and its currency (the amounts'
        # labels).
        with self.assertQueryCount(8):
            data = Kpi.get_dashboard_data(days=30)
        current, previous = data["current"], data["previous"]
        self.assertEqual((current["orders"], previous["orders"]), (3, 0))
        self.assertAlmostEqual(current["revenue"], 300)
        self.assertAlmostEqual(current["on_time_rate"], 0.5)
        self.assertIsNone(previous["on_time_rate"])
        self.assertNotIn("backlog", previous, "the backlog is now, not per period")
        self.assertEqual(data["trend"][-1]["orders"], 3)
        self.assertAlmostEqual(data["trend"][-1]["revenue"], 300)
        backlog = {row["stage"]: row["total"] for row in data["backlog"]}
        self.assertEqual(backlog["confirmed"], 1, "C is not shipped")
        self.assertEqual(sum(backlog.values()), 3)

    def _tile_figure(self, user, tile):
        """The figure of ``tile`` computed again from its action alone: its
        model, domain and context, with the rights of ``user``."""
        action = tile["action"]
        self.assertEqual(action["type"], "ir.actions.act_window")
        Model = self.env[action["res_model"]].with_user(user).with_context(**action["context"])
        domain = action["domain"]
        key = tile["key"]
        if key == "orders":
            self.assertEqual(action["res_model"], "sale.order")
            return Model.search_count(domain)
        self.assertEqual(action["res_model"], "customer.order.analysis")
        [(revenue, orders, ordered, delivered, returned)] = Model._read_group(
            domain,
            [],
            [
                "price_subtotal:sum",
                "order_id:count_distinct",
                "qty_ordered:sum",
                "qty_delivered:sum",
                "qty_returned:sum",
            ],
        )
        if key == "revenue":
            return revenue
        if key == "average_order_value":
            return revenue / orders
        if key == "on_time_rate":
            on_time = dict(Model._read_group(domain, ["on_time"], ["order_id:count_distinct"]))
            return on_time.get(True, 0) / orders
        if key == "fill_rate":
            return (delivered + returned) / ordered
        if key == "return_rate":
            return returned / (delivered + returned)
        if key == "average_review_hours":
            hours = [
                h for _order, h in Model._read_group(domain, ["order_id"], ["review_hours:avg"])
            ]
            return sum(hours) / len(hours)
        raise AssertionError(f"no check for the tile {key}")

    def test_dashboard_tiles_drill_down_to_their_figures(self):
        """Each tile opens exactly the records behind its figure, for the
        period shown: the figure again from the action's model and domain,
        for the salesperson (the dataset only) and a manager (everything)."""
        # B is dated before the 30 days shown: out of every tile's records.
        self.order_b.date_order = fields.Datetime.now() - timedelta(days=40)
        self.env.flush_all()
        keys = [
            "orders",
            "revenue",
            "average_order_value",
            "on_time_rate",
            "fill_rate",
            "return_rate",
            "average_review_hours",
        ]
        for user in (self.salesman, self.manager):
            data = self.env["customer.order.kpi"].with_user(user).get_dashboard_data(days=30)
            tiles = data["tiles"]
            self.assertEqual([tile["key"] for tile in tiles], keys)
            for tile in tiles:
                with self.subTest(user=user.login, tile=tile["key"]):
                    self.assertIsNotNone(tile["value"])
                    self.assertEqual(tile["value"], data["current"][tile["key"]])
                    self.assertAlmostEqual(self._tile_figure(user, tile), tile["value"], places=6)
                    self.assertFalse(
                        [k for k in tile["action"]["context"] if k.startswith("search_default_")],
                        "no default filter narrows or widens the records",
                    )
        salesman_tiles = {
            tile["key"]: tile
            for tile in self.env["customer.order.kpi"]
            .with_user(self.salesman)
            .get_dashboard_data(days=30)["tiles"]
        }
        orders = self.env["sale.order"].search(salesman_tiles["orders"]["action"]["domain"])
        self.assertEqual(orders & self.order_b, self.env["sale.order"], "B is older")
        self.assertEqual(salesman_tiles["orders"]["value"], 2)
        self.assertAlmostEqual(salesman_tiles["average_review_hours"]["value"], 2, places=3)

    def test_dashboard_backlog_cells_open_their_orders(self):
        """A backlog cell opens the orders it counts (the server builds the
        action); anything but a backlog stage or age is refused."""
        Kpi = self.env["customer.order.kpi"].with_user(self.salesman)
        data = Kpi.get_dashboard_data()
        Order = self.env["sale.order"].with_user(self.salesman)
        for row in data["backlog"]:
            action = Kpi.action_open_backlog(row["stage"])
            self.assertEqual(Order.search_count(action["domain"]), row["total"])
            for bucket, count in zip(data["buckets"], row["counts"], strict=True):
                action = Kpi.action_open_backlog(row["stage"], bucket["key"])
                self.assertEqual(Order.search_count(action["domain"]), count)
        with self.assertRaises(UserError):
            Kpi.action_open_backlog("cancelled")
        with self.assertRaises(UserError):
            Kpi.action_open_backlog("confirmed", "next_year")
        # Whatever is sent over RPC: a clear refusal, not a TypeError.
        for stage, bucket in (
            ("confirmed", ["today"]),
            ("confirmed", {"key": "today"}),
            (["confirmed"], False),
            ({"confirmed": 1}, "today"),
        ):
            with self.subTest(stage=stage, bucket=bucket), self.assertRaises(UserError):
                Kpi.action_open_backlog(stage, bucket)

    def test_dashboard_trend_as_a_percentage(self):
        """Each tile's change against the previous period, computed on the
        server, as a percentage, good or bad by the tile's sense."""
        # B in the previous 30 days: 2 orders now against 1.
        self.order_b.date_order = fields.Datetime.now() - timedelta(days=40)
        self.env.flush_all()
        data = self.env["customer.order.kpi"].with_user(self.salesman).get_dashboard_data(days=30)
        tiles = {tile["key"]: tile for tile in data["tiles"]}
        orders = tiles["orders"]["trend"]
        self.assertEqual((orders["direction"], orders["good"]), ("up", True))
        self.assertAlmostEqual(orders["percent"], 100.0)
        self.assertEqual(orders["text"], "▲ 100.0 % vs previous period")
        revenue = tiles["revenue"]["trend"]
        self.assertAlmostEqual(revenue["percent"], 100.0, msg="200 against 100")
        # Review: 2 h (A) against 4 h (B): down, and that is good.
        review = tiles["average_review_hours"]["trend"]
        self.assertEqual((review["direction"], review["good"]), ("down", True))
        self.assertAlmostEqual(review["percent"], -50.0, places=3)
        self.assertEqual(review["text"], "▼ 50.0 % vs previous period")
        # On time: A on time (100 %) against B late (0 %): no percentage of 0.
        on_time = tiles["on_time_rate"]["trend"]
        self.assertIsNone(on_time["percent"])
        self.assertEqual(on_time["direction"], "up")
        self.assertEqual(on_time["text"], "▲ vs 0 in the previous period")

    def test_dashboard_chart_axis_and_values(self):
        """The chart's value axis (round steps from 0 over the highest
        month) and every month's value, in the company's currency."""
        data = self.env["customer.order.kpi"].with_user(self.salesman).get_dashboard_data(days=30)
        chart = data["chart"]
        symbol = self.env.company.currency_id.symbol
        values = [tick["value"] for tick in chart["ticks"]]
        self.assertEqual(values[0], 0)
        self.assertGreaterEqual(values[-1], max(point["revenue"] for point in data["trend"]))
        self.assertEqual(values, sorted(values))
        self.assertGreaterEqual(len(values), 3)
        for tick in chart["ticks"]:
            self.assertIn(symbol, tick["label"])
        self.assertEqual(chart["top"], values[-1])
        for point in data["trend"]:
            self.assertIn(symbol, point["amount"])
        self.assertIn("300", data["trend"][-1]["amount"])

    def test_dashboard_month_labels_in_the_users_language(self):
        """Every month of the trend has its label, in the user's language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        # Months from a year back: the chart has several points.
        for months_back, order in ((2, self.order_b), (5, self.order_c)):
            order.date_order = fields.Datetime.now() - relativedelta(months=months_back)
        self.env.flush_all()
        Kpi = self.env["customer.order.kpi"].with_user(self.salesman)
        english = Kpi.with_context(lang="en_US").get_dashboard_data()["trend"]
        chinese = Kpi.with_context(lang="zh_CN").get_dashboard_data()["trend"]
        self.assertEqual(len(english), 12, "every month of the year, with orders or not")
        self.assertEqual([point["orders"] for point in english if point["orders"]], [1, 1, 1])
        for en, zh in zip(english, chinese, strict=True):
            month = fields.Date.from_string(en["date"])
            self.assertEqual(en["label"], f"{month:%b} {month.year}")
            self.assertEqual(zh["label"], f"{month.year}年{month.month}月")
            self.assertEqual(
                (en["axis_month"], zh["axis_month"]), (f"{month:%b}", f"{month.month}月")
            )
            year = month.month == 1 or en is english[0]
            self.assertEqual(en["axis_year"], str(month.year) if year else "")
            self.assertEqual(zh["axis_year"], f"{month.year}年" if year else "")

    def test_dashboard_trend_months_in_the_users_timezone(self):
        """The trend starts on the first day of the month eleven months ago
        in the user's timezone: an order an hour before (the evening before
        in New York, already that day in UTC) is not in it."""
        tz = pytz.timezone("America/New_York")
        local_now = pytz.utc.localize(fields.Datetime.now()).astimezone(tz)
        first = (local_now - relativedelta(months=11)).date().replace(day=1)
        start = tz.localize(datetime.combine(first, time.min)).astimezone(pytz.utc)
        self.order_c.date_order = start.replace(tzinfo=None) - timedelta(hours=1)
        Kpi = self.env["customer.order.kpi"].with_context(tz="America/New_York")
        trend = Kpi.get_dashboard_data()["trend"]
        self.assertTrue(trend)
        self.assertGreaterEqual(trend[0]["date"], fields.Date.to_string(first))
        self.assertLessEqual(len(trend), 12)

    def test_salesperson_and_company_isolation(self):
        self.assertEqual(self._kpis(user=self.salesman)["orders"], 3)
        other_salesman = new_test_user(
            self.env,
            login="com_analysis_other_salesman",
            groups="sales_team.group_sale_salesman",
        )
        self.assertEqual(self._kpis(user=other_salesman)["orders"], 0)
        products = self._kpis(user=other_salesman, breakdowns=("product_id",))["breakdowns"]
        self.assertEqual(products["product_id"], [], "no other salesperson's lines per product")
        own = self._kpis(user=self.salesman, breakdowns=("product_id",))["breakdowns"]
        self.assertEqual([entry["revenue"] for entry in own["product_id"]], [300])
        # A manager of another company.
        outsider = self.user_b
        kpis = self._kpis(user=outsider)
        self.assertEqual(kpis["orders"], 0)
        self.assertEqual(kpis["backlog"], [])
        self.assertFalse(
            self.env["customer.order.analysis"].with_user(outsider).search(self.domain)
        )


@tagged("post_install", "-at_install")
class TestOrderReports(OrderAnalysisDataset):
    """The XLSX pack, the PDF summary and the schedules, on the same
    dataset moved to January 2020 so that the period holds only it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_second_company()
        (cls.order_a | cls.order_b | cls.order_c).write({"date_order": datetime(2020, 1, 15, 10)})
        write_history(cls.customer_return, {"request_date": datetime(2020, 1, 20, 9)})
        cls.period = {"date_from": date(2020, 1, 1), "date_to": date(2020, 1, 31)}
        cls.recipient = cls.env["res.partner"].create(
            {"name": "Head of Sales", "email": "head.sales@example.com"}
        )

    def _export(self, **vals):
        return self.env["customer.order.report.export"].create({**self.period, **vals})

    def _read_xlsx(self, wizard):
        wizard.action_export_xlsx()
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))

    def test_xlsx_pack(self):
        # The backlog is read by batches: make them tiny so several are read.
        self.patch(_BacklogRows, "BATCH", 2)
        self.storable.product_tmpl_id.abc_class = "a"
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.storable.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "product_min_qty": 7,
                "product_max_qty": 20,
            }
        )
        book = self._read_xlsx(self._export())
        self.assertEqual(
            book.sheetnames,
            [
                "Summary",
                "Channels",
                "Products",
                "Customers",
                "Returns",
                "Repairs",
                "Backlog",
                "Inventory",
            ],
        )
        summary = book["Summary"]
        values = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(5, 12)}
        self.assertEqual(values["Orders"], 3)
        self.assertAlmostEqual(values["Revenue"], 300)
        self.assertAlmostEqual(values["On-time Delivery Rate"], 0.5)
        self.assertAlmostEqual(values["Fill Rate"], 15 / 19)
        self.assertAlmostEqual(values["Return Rate"], 2 / 15)
        self.assertEqual(summary.cell(6, 2).number_format.count("0.00"), 1, "money format")
        self.assertEqual(summary.cell(8, 2).number_format, "0.0%")
        self.assertEqual(len(summary._charts), 1, "the trend chart")
        axis = summary._charts[0].x_axis
        self.assertEqual(
            (type(axis).__name__, axis.numFmt.formatCode),
            ("DateAxis", "mmm yyyy"),
            "months on the axis, not date serial numbers",
        )
        channels = book["Channels"]
        self.assertEqual(channels.freeze_panes, "A2")
        for sheet in (summary, channels):
            self.assertEqual(sheet.page_setup.orientation, "landscape")
            self.assertTrue(sheet.sheet_properties.pageSetUpPr.fitToPage, "one page wide")
            self.assertEqual(sheet.page_setup.fitToHeight, 0, "as many pages long as needed")
        self.assertEqual(channels.print_title_rows, "$1:$1", "header on every page")
        self.assertTrue(channels.auto_filter.ref)
        self.assertEqual([c.value for c in channels[2]][:3], ["Other", 3, 300])
        products = book["Products"]
        self.assertEqual([c.value for c in products[2]], ["Desk Lamp", 19, 13, 2, 300])
        returns = book["Returns"]
        self.assertEqual(returns.cell(2, 5).value, 2)
        backlog_orders = [row[0].value for row in book["Backlog"].iter_rows(min_row=2)]
        self.assertIn(self.order_c.name, backlog_orders)
        expected = self.env["sale.order"].search_count(
            [
                (
                    "lifecycle_stage",
                    "in",
                    (
                        "received",
                        "in_review",
                        "approved",
                        "confirmed",
                        "partially_shipped",
                        "shipped",
                    ),
                )
            ]
        )
        self.assertEqual(len(backlog_orders), expected, "every batch is written")
        inventory = {
            row[0].value: [c.value for c in row] for row in book["Inventory"].iter_rows(min_row=2)
        }
        self.assertEqual(
            [c.value for c in book["Inventory"][1]],
            ["Product", "ABC Class", "On Hand", "Free", "Open Demand", "Reorder Min", "Shortage"],
        )
        lamp = inventory["Desk Lamp"]
        self.assertEqual((lamp[1], lamp[5]), ("A", 7))

    def test_empty_period_gives_an_honest_empty_pack(self):
        wizard = self._export(date_from=date(2019, 1, 1), date_to=date(2019, 1, 31))
        book = self._read_xlsx(wizard)
        summary = book["Summary"]
        self.assertEqual(summary.cell(5, 2).value, 0)
        self.assertEqual(summary.cell(8, 2).value, "-", "no rate without deliveries")
        self.assertEqual(book["Channels"].max_row, 1, "header only")

    def test_default_period_is_last_month_where_the_user_is(self):
        Export = self.env["customer.order.report.export"]
        # 1 March 2024, 02:00 in Auckland: still 29 February in UTC.
        with freeze_time("2024-02-29 13:00:00"):
            self.assertEqual(
                Export.with_context(tz="Pacific/Auckland").default_get(["date_from", "date_to"]),
                {"date_from": date(2024, 2, 1), "date_to": date(2024, 2, 29)},
            )
            self.assertEqual(
                Export.with_context(tz="UTC").default_get(["date_from", "date_to"]),
                {"date_from": date(2024, 1, 1), "date_to": date(2024, 1, 31)},
            )

    def test_period_ending_before_it_starts(self):
        with self.assertRaisesRegex(ValidationError, "ends before"):
            self._export(date_from=date(2020, 2, 1), date_to=date(2020, 1, 1))

    def test_pdf_summary(self):
        wizard = self._export(date_from=date(2019, 12, 1))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("customer_order_management.action_report_order_summary", wizard.ids)[
                0
            ]
            .decode()
        )
        self.assertIn("Order Management Summary", html)
        self.assertIn("<svg", html)
        self.assertIn("50.0 %", html, "on-time rate")
        self.assertIn("Desk Lamp", html)
        action = wizard.with_user(self.manager).action_print_pdf()
        self.assertEqual(action["report_name"], "customer_order_management.report_order_summary")

    def _summary_html(self, codes, **vals):
        sections = self.env["customer.order.report.section"].search([("code", "in", codes)])
        wizard = self._export(section_ids=[Command.set(sections.ids)], **vals)
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html("customer_order_management.action_report_order_summary", wizard.ids)[
                0
            ]
            .decode()
        )

    def test_pdf_prints_the_chosen_sections_only(self):
        """Each chosen section prints with its heading, the others do not;
        the summary (the KPIs) always heads the report."""
        headings = {
            "channels": "<h5>Channels</h5>",
            "products": "<h5>Top Products</h5>",
            "customers": "<h5>Top Customers</h5>",
            "returns": "<h5>Returns</h5>",
            "backlog": "<h5>Backlog</h5>",
            "inventory": "<h5>Inventory</h5>",
        }
        for chosen in (
            [],
            ["returns"],
            ["inventory"],
            ["returns", "inventory"],
            ["channels", "backlog"],
            list(headings),
        ):
            with self.subTest(chosen=chosen):
                html = self._summary_html(["summary", *chosen])
                self.assertIn('id="kpis"', html)
                for code, heading in headings.items():
                    if code in chosen:
                        self.assertIn(heading, html)
                        self.assertIn(f'id="section_{code}"', html)
                    else:
                        self.assertNotIn(heading, html)
                        self.assertNotIn(f'id="section_{code}"', html)
        html = self._summary_html(["summary", "returns", "inventory"])
        self.assertIn(self.customer_return.name, html)
        self.assertIn("Desk Lamp", html)

    def test_pdf_chart_only_over_several_months(self):
        """The monthly chart is part of the summary when the period spans
        several months: one month is one dot, no chart."""
        self.assertNotIn("<svg", self._summary_html(["summary"]))
        html = self._summary_html(["summary"], date_from=date(2019, 12, 1))
        self.assertIn("<svg", html)
        self.assertIn("Revenue by Month", html)

    def test_pdf_backlog_by_stage_and_age(self):
        """The backlog rows follow the stages, then the age in the stage
        from the youngest (Today) to the oldest (Over a week), not the
        labels' alphabetical order."""
        ages = {self.order_a: 2, self.order_b: 5, self.order_c: 10}
        for order, days in ages.items():
            write_history(
                order,
                {
                    "lifecycle_stage": "confirmed",
                    "lifecycle_stage_date": fields.Datetime.now() - timedelta(days=days),
                },
            )
        today = self.order_b.copy()
        write_history(today, {"lifecycle_stage": "confirmed"})
        self.env.flush_all()
        rows = self._export()._get_report_data()["backlog_summary"]
        self.assertEqual(
            [row["age"] for row in rows if row["stage"] == "Confirmed"],
            ["Today", "1-3 days", "4-7 days", "Over a week"],
        )
        stages = dict(
            self.env["sale.order"]._fields["lifecycle_stage"]._description_selection(self.env)
        )
        order = [stages[code] for code in BACKLOG_STAGES]
        seen = list(dict.fromkeys(row["stage"] for row in rows))
        self.assertEqual(seen, [stage for stage in order if stage in seen], "stages in flow order")
        html = self._summary_html(["summary", "backlog"])
        table = html[html.index('id="section_backlog"') :]
        printed = re.findall(r"<td>(Today|1-3 days|4-7 days|Over a week)</td>", table)
        self.assertEqual(printed, [row["age"] for row in rows])

    def test_pdf_tables_repeat_their_header(self):
        html = self._summary_html(["summary", "backlog"])
        self.assertIn("thead { display: table-header-group; }", html)
        self.assertIn("tr { page-break-inside: avoid; }", html)

    def test_xlsx_pack_reads_and_prints_well(self):
        """Long (and wide, Chinese) product names fit their column, the
        Returns sheet gives the returned value in money, prints one page
        wide, the totals are formulas in money, the link is quoted."""
        long_name = "Height-adjustable standing desk with cable tray, oak veneer"
        self.storable.name = long_name
        wizard = self._export()
        action = wizard.action_export_xlsx()
        self.assertNotIn(" ", action["url"])
        self.assertIn("Order%20report%202020-01-01%20-%202020-01-31.xlsx", action["url"])
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))
        products = book["Products"]
        self.assertEqual(products["A2"].value, long_name)
        self.assertGreaterEqual(products.column_dimensions["A"].width, len(long_name))
        money = self.env.company.currency_id
        returns = book["Returns"]
        header = [cell.value for cell in returns[1]]
        self.assertIn("Value", header)
        value = returns.cell(2, header.index("Value") + 1)
        self.assertAlmostEqual(value.value, 20, msg="2 lamps at 10")
        self.assertIn(money.symbol, value.number_format)
        self.assertEqual(returns.page_setup.orientation, "landscape")
        self.assertTrue(returns.sheet_properties.pageSetUpPr.fitToPage)
        self.assertIn(returns.page_setup.fitToWidth, (None, 1), "one page wide")
        self.assertEqual(returns.page_setup.fitToHeight, 0, "as long as needed")
        total = products[f"E{products.max_row}"]
        self.assertEqual(total.value, f"=SUM({xl_range(1, 4, products.max_row - 2, 4)})")
        self.assertIn(money.symbol, total.number_format)
        total_value = returns.cell(returns.max_row, header.index("Value") + 1)
        self.assertEqual(total_value.value, "=SUM(F2)")
        self.assertIn(money.symbol, total_value.number_format)
        # Chinese characters take two columns each.
        self.storable.name = "升降桌" * 12
        book = self._read_xlsx(self._export())
        self.assertGreaterEqual(book["Products"].column_dimensions["A"].width, 72)

    def _move_to_period_edges(self):
        """B at 03:00 UTC on 1 January (31 December in New York), C at 03:00
        UTC on 1 February (31 January in New York); A stays mid-January."""
        self.order_b.date_order = datetime(2020, 1, 1, 3)
        self.order_c.date_order = datetime(2020, 2, 1, 3)

    def test_pack_period_in_the_users_timezone(self):
        """The days of the period and the months of the trend are counted
        in one timezone: the user's (here New York: B is a December order,
        C a January one), UTC without one."""
        self._move_to_period_edges()
        write_history(self.customer_return, {"request_date": datetime(2020, 1, 20, 2)})
        self.order_c.commitment_date = datetime(2030, 6, 1, 2)
        Pack = self.env["customer.order.report.pack"]
        sections = {"summary", "returns", "backlog"}
        local = Pack.with_context(tz="America/New_York")._get_data(
            date(2020, 1, 1), date(2020, 1, 31), sections
        )
        self.assertEqual(local["kpis"]["orders"], 2, "A and C")
        self.assertEqual(local["kpis"]["on_time_rate"], 1.0, "A shipped on time; C not shipped")
        self.assertEqual(
            [point["month"].strftime("%Y-%m") for point in local["trend"]], ["2020-01"]
        )
        [returned] = local["returns"]
        self.assertEqual(returned["date"].date(), date(2020, 1, 19), "09:00 pm in New York")
        [row_c] = [row for row in local["backlog"] if row["order"] == self.order_c.name]
        self.assertEqual(row_c["promised"].date(), date(2030, 5, 31), "10:00 pm in New York")
        utc = Pack.with_context(tz="UTC")._get_data(date(2020, 1, 1), date(2020, 1, 31), sections)
        self.assertEqual(utc["kpis"]["orders"], 2, "A and B")
        self.assertEqual(utc["kpis"]["on_time_rate"], 0.5, "A on time, B late")
        self.assertEqual([point["month"].strftime("%Y-%m") for point in utc["trend"]], ["2020-01"])
        self.assertEqual(utc["returns"][0]["date"].date(), date(2020, 1, 20))
        [row_c] = [row for row in utc["backlog"] if row["order"] == self.order_c.name]
        self.assertEqual(row_c["promised"].date(), date(2030, 6, 1))

    def test_kpi_months_of_a_period_match_read_group(self):
        """Within a period, the KPIs place each order in its local month
        without converting its date: the same months, with the same orders
        and sums, as the ORM's read_group in that timezone (here New York,
        B in December, A and C in January, nothing in February)."""
        self._move_to_period_edges()
        Analysis = self.env["customer.order.analysis"].with_context(tz="America/New_York")
        start, end = datetime(2019, 11, 1, 4), datetime(2020, 3, 1, 5)
        kpis = (
            self.env["customer.order.kpi"]
            .with_context(tz="America/New_York")
            ._get_kpis(start, end, domain=self.domain, breakdowns=("month",))
        )
        expected = Analysis._read_group(
            [
                *self.domain,
                ("state", "=", "sale"),
                ("date_order", ">=", start),
                ("date_order", "<", end),
            ],
            ["date_order:month"],
            ["order_id:count_distinct", "price_subtotal:sum", "qty_ordered:sum"],
        )
        months = [
            (entry["value"], entry["orders"], entry["revenue"], entry["qty_ordered"])
            for entry in kpis["breakdowns"]["month"]
        ]
        self.assertEqual(months, expected)
        self.assertEqual(
            [(month.strftime("%Y-%m"), count, revenue) for month, count, revenue, _qty in months],
            [("2019-12", 1, 100), ("2020-01", 2, 200)],
        )
        self.assertEqual(kpis["revenue"], 300)

    def test_schedule_pack_in_its_timezone(self):
        """A schedule counts its periods in its own timezone, whoever sends
        it (the cron has no user timezone)."""
        self._move_to_period_edges()
        schedule = self.env["customer.order.report.schedule"].create(
            {
                "name": "New York sales",
                "recipient_ids": [Command.set(self.recipient.ids)],
                "frequency": "monthly",
                "report_format": "both",
                "tz": "America/New_York",
            }
        )
        (_name, xlsx), (_name, pdf) = schedule.with_context(tz="Asia/Tokyo")._build_attachments(
            date(2020, 1, 1), date(2020, 1, 31)
        )
        # Tests render reports as HTML, not through wkhtmltopdf.
        self.assertIn("(<span>America/New_York</span>)", pdf.decode())
        summary = openpyxl.load_workbook(io.BytesIO(xlsx))["Summary"]
        self.assertEqual(summary.cell(2, 1).value, "2020-01-01 to 2020-01-31 (America/New_York)")
        values = {summary.cell(row, 1).value: summary.cell(row, 2).value for row in range(5, 12)}
        self.assertEqual(values["Orders"], 2)
        self.assertAlmostEqual(values["On-time Delivery Rate"], 1.0)
        self.manager.tz = "Europe/Brussels"
        Schedule = self.env["customer.order.report.schedule"].with_user(self.manager)
        self.assertEqual(
            Schedule.default_get(["tz"])["tz"], "Europe/Brussels", "the creator's by default"
        )

    def test_other_company_pack_is_empty(self):
        data = self.env["customer.order.report.pack"]._get_data(
            date(2020, 1, 1), date(2020, 1, 31), {"summary", "channels"}, company=self.company_b
        )
        self.assertEqual(data["kpis"]["orders"], 0)
        self.assertEqual(data["channels"], [])

    def test_backlog_rows_follow_record_rules(self):
        Pack = self.env["customer.order.report.pack"]
        rows = list(Pack._get_section_backlog([], None, None, None))
        stage_dates = {
            order.name: order.lifecycle_stage_date
            for order in self.env["sale.order"].search([("name", "in", [r["order"] for r in rows])])
        }
        self.assertIn(self.order_c.name, stage_dates)
        self.assertEqual(
            [stage_dates[row["order"]] for row in rows],
            sorted(stage_dates[row["order"]] for row in rows),
            "oldest in their stage first",
        )
        row_c = next(row for row in rows if row["order"] == self.order_c.name)
        self.assertEqual((row_c["customer"], row_c["stage"]), ("Analysis Customer", "Confirmed"))
        # A manager of another company.
        self.assertEqual(
            list(Pack.with_user(self.user_b)._get_section_backlog([], None, None, None)), []
        )

    def test_section_sheet_leaves_empty_values_empty(self):
        """A missing text stays an empty cell (not FALSE), a zero quantity
        is written, the money total adds the rows."""
        Pack = self.env["customer.order.report.pack"]
        rows = [
            {
                "product": "Lamp",
                "qty_ordered": 0.0,
                "qty_delivered": None,
                "qty_returned": 2,
                "revenue": 5.5,
            },
            {
                "product": False,
                "qty_ordered": 1,
                "qty_delivered": 1,
                "qty_returned": 0,
                "revenue": 4.5,
            },
        ]
        data = Pack._get_data(date(2019, 1, 1), date(2019, 1, 31), {"products"})
        data["products"] = rows
        book = openpyxl.load_workbook(io.BytesIO(Pack._render_xlsx(data)))
        sheet = book["Products"]
        self.assertEqual([c.value for c in sheet[2]], ["Lamp", 0, None, 2, 5.5])
        self.assertEqual([c.value for c in sheet[3]], [None, 1, 1, 0, 4.5])
        self.assertEqual([c.value for c in sheet[4]], ["Total", None, None, None, "=SUM(E2:E3)"])
        self.assertIn("0.00", sheet["E4"].number_format, "in money")

    def test_schedule_recipients_checked(self):
        Schedule = self.env["customer.order.report.schedule"]
        # assertRaises (not ...Regex) rolls back to a savepoint: nothing written.
        with self.assertRaises(ValidationError) as caught:
            Schedule.create({"name": "No one"})
        self.assertIn("recipient", str(caught.exception))
        nomail = self.env["res.partner"].create({"name": "No Mail"})
        with self.assertRaises(ValidationError) as caught:
            Schedule.create({"name": "Bad", "recipient_ids": [Command.set(nomail.ids)]})
        self.assertIn("no e-mail", str(caught.exception))
        self.assertFalse(Schedule.search([("name", "in", ("No one", "Bad"))]))

    def test_schedule_presets(self):
        with Form(self.env["customer.order.report.schedule"]) as form:
            form.name = "Warehouse"
            form.department = "warehouse"
            form.recipient_ids.add(self.recipient)
        schedule = form.record
        self.assertEqual(
            set(schedule.section_ids.mapped("code")), {"summary", "backlog", "inventory", "returns"}
        )

    def test_cron_sends_on_the_schedules_own_day(self):
        """Kiritimati (UTC+14) is always at least a day ahead of Pago Pago
        (UTC-11): on Kiritimati's today, only the Kiritimati schedule is due."""
        self.enterContext(self._cron_progress_not_committed())
        Schedule = self.env["customer.order.report.schedule"]
        ahead, behind = Schedule.create(
            [
                {
                    "name": name,
                    "recipient_ids": [Command.set(self.recipient.ids)],
                    "report_format": "xlsx",
                    "tz": tz,
                }
                for name, tz in (("Ahead", "Pacific/Kiritimati"), ("Behind", "Pacific/Pago_Pago"))
            ]
        )
        day = ahead._today()
        self.assertGreater(day, behind._today())
        (ahead | behind).next_run_date = day
        Schedule._cron_send_due_packs()
        self.assertEqual(ahead.last_sent_period_end, day - timedelta(days=1))
        self.assertEqual(ahead.next_run_date, day + timedelta(days=7))
        self.assertFalse(behind.last_sent_period_end, "not yet its day")
        self.assertEqual(behind.next_run_date, day)

    def test_cron_sends_once_per_period(self):
        self.enterContext(self._cron_progress_not_committed())
        today = fields.Date.context_today(self.env["customer.order.report.schedule"])
        schedule = self.env["customer.order.report.schedule"].create(
            {
                "name": "Weekly sales",
                "recipient_ids": [Command.set(self.recipient.ids)],
                "frequency": "weekly",
                "next_run_date": today,
                "report_format": "xlsx",
            }
        )
        Schedule = self.env["customer.order.report.schedule"]
        Schedule._cron_send_due_packs()
        sent = schedule.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(len(sent), 1)
        self.assertIn(self.recipient, sent.partner_ids)
        self.assertTrue(sent.attachment_ids.name.endswith(".xlsx"))
        self.assertEqual(schedule.next_run_date, today + timedelta(days=7))
        self.assertEqual(schedule.last_sent_period_end, today - timedelta(days=1))
        messages = schedule.message_ids
        Schedule._cron_send_due_packs()
        self.assertEqual(schedule.message_ids, messages, "the second run sends nothing")
        self.assertEqual(schedule.next_run_date, today + timedelta(days=7))
        schedule.action_send_now()
        self.assertEqual(len(schedule.message_ids.filtered(lambda m: m.attachment_ids)), 2)
        self.assertEqual(schedule.next_run_date, today + timedelta(days=7))


@tagged("post_install", "-at_install")
class TestOrderAnalysisViews(OrderAnalysisDataset):
    def test_list_columns_show_their_label(self):
        """A check-box column is no wider than its content unless told: the
        Order Analysis list gives its boolean columns room for their label
        (no 35 px "S…" column)."""
        Analysis = self.env["customer.order.analysis"]
        arch = Analysis.get_view(
            self.env.ref("customer_order_management.customer_order_analysis_view_list").id,
            "list",
        )["arch"]
        booleans = [
            node
            for node in etree.fromstring(arch).iter("field")
            if Analysis._fields[node.get("name")].type == "boolean"
            and node.get("column_invisible") not in ("True", "1")
        ]
        self.assertTrue(booleans)
        for node in booleans:
            label = node.get("string") or Analysis._fields[node.get("name")].string
            with self.subTest(field=node.get("name")):
                self.assertTrue(node.get("width"), "a width of its own")
                self.assertGreaterEqual(int(node.get("width").removesuffix("px")), 8 * len(label))
