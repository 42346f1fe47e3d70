import io
import itertools
from datetime import datetime, time

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import set_print_setup
from .customer_order_analysis import BACKLOG_STAGES, day_start
from .customer_order_report_section import SECTIONS

_lt = LazyTranslate(__name__)
_cursor_numbers = itertools.count(1)
NUMBER_KINDS = ("int", "qty", "money")


class CustomerOrderReportPack(models.AbstractModel):
    """Builds the report pack (XLSX) and the data of the PDF summary for a
    period, from the analysis and the KPIs computed once."""

    _name = "customer.order.report.pack"
    _description = "Order Management Report Pack"

    @api.model
    def _get_data(self, date_from, date_to, sections, company=None):
        """Everything a pack shows, for orders dated from ``date_from`` to
        ``date_to`` (dates, inclusive), restricted to ``company`` when
        given (the records the user may read in any case). The days and
        the months are those of the user's timezone (a schedule gives its
        own)."""
        if date_to < date_from:
            raise ValidationError(self.env._("The period ends before it starts."))
        start = day_start(date_from, self.env.tz)
        end = day_start(date_to + relativedelta(days=1), self.env.tz)
        company_domain = [("company_id", "=", company.id)] if company else []
        sections = [code for code, _label in SECTIONS if code in sections]
        # KPIs, monthly trend, channels, customers and products: one scan of
        # the lines (and one of their orders).
        breakdowns = ["month"]
        if "channels" in sections:
            breakdowns.append("order_channel")
        if "customers" in sections:
            breakdowns.append("partner_id")
        if "products" in sections:
            breakdowns.append("product_id")
        kpis = self.env["customer.order.kpi"]._get_kpis(
            start,
            end,
            domain=company_domain,
            order_domain=company_domain,
            breakdowns=breakdowns,
        )
        split = kpis.pop("breakdowns")
        data = {
            "date_from": date_from,
            "date_to": date_to,
            "tz": self.env.tz.zone,
            "currency": company.currency_id if company else self.env.company.currency_id,
            "kpis": kpis,
            "trend": [
                {"month": point["value"], "orders": point["orders"], "revenue": point["revenue"]}
                for point in split["month"]
            ],
            "sections": sections,
        }
        for code in sections:
            getter = getattr(self, f"_get_section_{code}", None)
            if getter:
                data[code] = getter(company_domain, start, end, split)
        return data

    def _get_section_channels(self, _company_domain, _start, _end, split):
        labels = dict(self.env["customer.order.analysis"]._fields["order_channel"].selection)
        return [
            {
                "channel": labels.get(entry["value"], entry["value"] or ""),
                "orders": entry["orders"],
                "revenue": entry["revenue"],
            }
            for entry in sorted(split["order_channel"], key=lambda entry: -entry["revenue"])
        ]

    def _get_section_products(self, _company_domain, _start, _end, split):
        return [
            {
                "product": entry["value"].display_name,
                "qty_ordered": entry["qty_ordered"],
                "qty_delivered": entry["qty_delivered"],
                "qty_returned": entry["qty_returned"],
                "revenue": entry["revenue"],
            }
            for entry in sorted(split["product_id"], key=lambda entry: -entry["revenue"])
        ]

    def _get_section_customers(self, _company_domain, _start, _end, split):
        return [
            {
                "customer": entry["value"].display_name,
                "orders": entry["orders"],
                "revenue": entry["revenue"],
                "qty_returned": entry["qty_returned"],
            }
            for entry in sorted(split["partner_id"], key=lambda entry: -entry["revenue"])
        ]

    def _get_section_returns(self, company_domain, start, end, _split):
        lines = self.env["customer.return.line"].search(
            Domain.AND(
                [
                    company_domain,
                    [
                        ("return_id.request_date", ">=", start),
                        ("return_id.request_date", "<", end),
                        ("return_id.state", "not in", ("draft", "cancelled")),
                    ],
                ]
            ),
            order="id",
        )
        states = dict(self.env["customer.return"]._fields["state"]._description_selection(self.env))
        resolutions = dict(
            self.env["customer.return.line"]._fields["resolution"]._description_selection(self.env)
        )
        return [
            {
                "reference": line.return_id.name,
                # The day where the user is (naive: Excel has no timezones).
                "date": fields.Datetime.context_timestamp(
                    line, line.return_id.request_date
                ).replace(tzinfo=None),
                "customer": line.return_id.partner_id.display_name,
                "product": line.product_id.display_name,
                "quantity": line.quantity,
                "reason": line.reason_id.name,
                "resolution": resolutions[line.resolution],
                "state": states[line.return_id.state],
            }
            for line in lines
        ]

    def _get_section_backlog(self, company_domain, _start, _end, _split):
        """Open orders, oldest in their stage first, as a lazy sequence read
        in batches: a backlog of 100,000 orders never sits in memory."""
        return _BacklogRows(self.env, [("lifecycle_stage", "in", BACKLOG_STAGES), *company_domain])

    def _get_section_inventory(self, company_domain, _start, _end, _split):
        """Open demand of confirmed orders against stock, per product."""
        demand = self.env["customer.order.analysis"]._read_group(
            [("state", "=", "sale"), *company_domain],
            ["product_id"],
            ["qty_ordered:sum", "qty_delivered:sum"],
        )
        products = self.env["product.product"].union(*(row[0] for row in demand))
        # Reordering minimums of the products, summed over their rules.
        reorder_min = dict(
            self.env["stock.warehouse.orderpoint"]._read_group(
                [("product_id", "in", products.ids), *company_domain],
                ["product_id"],
                ["product_min_qty:sum"],
            )
        )
        classes = dict(self.env["product.template"]._fields["abc_class"].selection)
        rows = []
        for product, ordered, delivered in demand:
            open_qty = ordered - delivered
            if open_qty <= 0 or not product.is_storable:
                continue
            rows.append(
                {
                    "product": product.display_name,
                    "abc": classes.get(product.abc_class, ""),
                    "on_hand": product.qty_available,
                    "free": product.free_qty,
                    "open_demand": open_qty,
                    "reorder_min": reorder_min.get(product, 0.0),
                    "shortage": max(open_qty - product.free_qty, 0.0),
                }
            )
        return sorted(rows, key=lambda r: -r["shortage"])

    # ------------------------------------------------------------------
    # XLSX
    # ------------------------------------------------------------------

    SECTION_COLUMNS = {
        "channels": [
            (_lt("Channel"), "channel", "text"),
            (_lt("Orders"), "orders", "int"),
            (_lt("Revenue"), "revenue", "money"),
        ],
        "products": [
            (_lt("Product"), "product", "text"),
            (_lt("Ordered"), "qty_ordered", "qty"),
            (_lt("Delivered"), "qty_delivered", "qty"),
            (_lt("Returned"), "qty_returned", "qty"),
            (_lt("Revenue"), "revenue", "money"),
        ],
        "customers": [
            (_lt("Customer"), "customer", "text"),
            (_lt("Orders"), "orders", "int"),
            (_lt("Revenue"), "revenue", "money"),
            (_lt("Returned Qty"), "qty_returned", "qty"),
        ],
        "returns": [
            (_lt("Return"), "reference", "text"),
            (_lt("Requested On"), "date", "date"),
            (_lt("Customer"), "customer", "text"),
            (_lt("Product"), "product", "text"),
            (_lt("Quantity"), "quantity", "qty"),
            (_lt("Reason"), "reason", "text"),
            (_lt("Resolution"), "resolution", "text"),
            (_lt("Status"), "state", "text"),
        ],
        "backlog": [
            (_lt("Order"), "order", "text"),
            (_lt("Customer"), "customer", "text"),
            (_lt("Stage"), "stage", "text"),
            (_lt("Days in Stage"), "days", "int"),
            (_lt("Promised"), "promised", "date"),
            (_lt("Late"), "late", "bool"),
        ],
        "inventory": [
            (_lt("Product"), "product", "text"),
            (_lt("ABC Class"), "abc", "text"),
            (_lt("On Hand"), "on_hand", "qty"),
            (_lt("Free"), "free", "qty"),
            (_lt("Open Demand"), "open_demand", "qty"),
            (_lt("Reorder Min"), "reorder_min", "qty"),
            (_lt("Shortage"), "shortage", "qty"),
        ],
    }

    @api.model
    def _section_label(self, code):
        return dict(
            self.env["customer.order.report.section"]
            ._fields["code"]
            ._description_selection(self.env)
        )[code]

    @api.model
    def _render_xlsx(self, data):
        """The pack as XLSX bytes: a summary sheet (KPIs, monthly trend and
        its native chart), then one sheet per section."""
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
        currency = data["currency"]
        money_format = (
            f"{currency.symbol} #,##0.00"
            if currency.position == "before"
            else f"#,##0.00 {currency.symbol}"
        )
        formats = {
            "title": book.add_format({"bold": True, "font_size": 14}),
            "header": book.add_format(
                {"bold": True, "bg_color": "#714B67", "font_color": "#FFFFFF", "border": 1}
            ),
            "label": book.add_format({"bold": True}),
            "text": book.add_format(),
            "int": book.add_format({"num_format": "#,##0"}),
            "qty": book.add_format({"num_format": "#,##0.00"}),
            "money": book.add_format({"num_format": money_format}),
            "percent": book.add_format({"num_format": "0.0%"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "month": book.add_format({"num_format": "mmm yyyy"}),
            "bool": book.add_format({"align": "center"}),
            "total": book.add_format({"bold": True, "top": 1, "num_format": money_format}),
        }
        summary = book.add_worksheet(self.env._("Summary"))
        summary.set_column(0, 0, 28)
        summary.set_column(1, 3, 16)
        set_print_setup(summary)
        summary.write(0, 0, self.env._("Order Management Summary"), formats["title"])
        summary.write(
            1,
            0,
            self.env._(
                "%(start)s to %(end)s (%(tz)s)",
                start=fields.Date.to_string(data["date_from"]),
                end=fields.Date.to_string(data["date_to"]),
                tz=data["tz"],
            ),
        )
        kpis = data["kpis"]
        kpi_rows = [
            (self.env._("Orders"), kpis["orders"], "int"),
            (self.env._("Revenue"), kpis["revenue"], "money"),
            (self.env._("Average Order Value"), kpis["average_order_value"], "money"),
            (self.env._("On-time Delivery Rate"), kpis["on_time_rate"], "percent"),
            (self.env._("Fill Rate"), kpis["fill_rate"], "percent"),
            (self.env._("Return Rate"), kpis["return_rate"], "percent"),
            (self.env._("Average Review Time (h)"), kpis["average_review_hours"], "qty"),
        ]
        summary.write_row(3, 0, [self.env._("Indicator"), self.env._("Value")], formats["header"])
        for offset, (label, value, kind) in enumerate(kpi_rows, start=4):
            summary.write(offset, 0, label, formats["label"])
            if value is None:
                summary.write(offset, 1, "-")
            else:
                summary.write(offset, 1, value, formats[kind])
        trend_row = 4 + len(kpi_rows) + 1
        summary.write_row(
            trend_row,
            0,
            [self.env._("Month"), self.env._("Orders"), self.env._("Revenue")],
            formats["header"],
        )
        for offset, point in enumerate(data["trend"], start=trend_row + 1):
            summary.write_datetime(
                offset, 0, datetime.combine(point["month"], time.min), formats["month"]
            )
            summary.write(offset, 1, point["orders"], formats["int"])
            summary.write(offset, 2, point["revenue"], formats["money"])
        if data["trend"]:
            last = trend_row + len(data["trend"])
            chart = book.add_chart({"type": "line"})
            chart.add_series(
                {
                    "name": self.env._("Revenue"),
                    "categories": [summary.name, trend_row + 1, 0, last, 0],
                    "values": [summary.name, trend_row + 1, 2, last, 2],
                    "marker": {"type": "circle"},
                }
            )
            chart.set_title({"name": self.env._("Revenue by Month")})
            chart.set_legend({"none": True})
            # Months on the axis, not date serial numbers.
            chart.set_x_axis({"date_axis": True, "num_format": "mmm yyyy"})
            summary.insert_chart(3, 4, chart)
        for code in data["sections"]:
            if code == "summary":
                continue
            self._write_section_sheet(book, formats, code, data.get(code, []))
        book.close()
        return output.getvalue()

    def _write_section_sheet(self, book, formats, code, rows):
        """One section's sheet; ``rows`` may be any iterable (written as it
        comes, with constant memory)."""
        sheet = book.add_worksheet(self._section_label(code))
        columns = self.SECTION_COLUMNS[code]
        for col, (_label, _key, kind) in enumerate(columns):
            sheet.set_column(col, col, 30 if kind == "text" else 14)
        sheet.write_row(
            0, 0, [self.env._(label) for label, _key, _kind in columns], formats["header"]
        )
        sheet.freeze_panes(1, 0)
        set_print_setup(sheet, header_row=0)
        money_cols = [col for col, (_l, _k, kind) in enumerate(columns) if kind == "money"]
        totals = dict.fromkeys(money_cols, 0.0)
        # One typed writer per column, chosen once (the rows may be many):
        # no type guessing per cell. Empty values leave the cell empty (no
        # FALSE for an empty text); a zero quantity is written.
        number_cols, other_cols = [], []
        for col, (_label, key, kind) in enumerate(columns):
            if kind in NUMBER_KINDS:
                number_cols.append((col, key, col in totals, formats[kind]))
            else:
                write = sheet.write_datetime if kind == "date" else sheet.write_string
                other_cols.append((col, key, kind == "bool", write, formats[kind]))
        write_number = sheet.write_number
        last = 0
        for last, row in enumerate(rows, start=1):
            for col, key, is_bool, write, cell_format in other_cols:
                value = row[key]
                if value:
                    write(last, col, "✔" if is_bool else value, cell_format)
            for col, key, in_total, cell_format in number_cols:
                value = row[key]
                if value is not None and value is not False:
                    write_number(last, col, value, cell_format)
                    if in_total:
                        totals[col] += value
        sheet.autofilter(0, 0, max(last, 1), len(columns) - 1)
        if last and money_cols:
            sheet.write(last + 1, 0, self.env._("Total"), formats["label"])
            for col, total in totals.items():
                sheet.write(last + 1, col, total, formats["total"])


class _BacklogRows:
    """The backlog section's rows: the open orders the user may read, oldest
    in their stage first, streamed from one query through a PostgreSQL
    cursor in batches: never the whole backlog in memory, and no list of
    ids sent back to the database."""

    BATCH = 10000
    # The order's columns read, in the order the rows unpack them.
    COLUMNS = ("name", "lifecycle_stage", "lifecycle_stage_date", "promised_date", "is_late")

    def __init__(self, env, domain):
        self.env = env
        self.domain = domain

    def __iter__(self):
        Order = self.env["sale.order"]
        Order.flush_model([*self.COLUMNS, "partner_id"])
        self.env["res.partner"].flush_model(["complete_name"])
        # Record rules apply: the query is the ORM's search of the orders.
        query = Order._search(self.domain, order="lifecycle_stage_date, id")
        if query.is_empty():
            return
        order = query.table
        partner = query.join(order, "partner_id", "res_partner", "id", "partner_id")
        columns = {column: SQL.identifier(order, column) for column in self.COLUMNS}
        tz = self.env.tz
        if tz.zone != "UTC":
            # The promised day where the user is.
            columns["promised_date"] = SQL(
                "timezone(%s, timezone('UTC', %s))", tz.zone, columns["promised_date"]
            )
        select = query.select(*columns.values(), SQL.identifier(partner, "complete_name"))
        stages = dict(Order._fields["lifecycle_stage"]._description_selection(self.env))
        now = fields.Datetime.now()
        cr = self.env.cr
        # A cursor without HOLD: PostgreSQL closes it with the transaction
        # even when the rows are not all read.
        cursor = SQL.identifier(f"customer_order_backlog_{next(_cursor_numbers)}")
        cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, select))
        while True:
            cr.execute(SQL("FETCH FORWARD %s FROM %s", self.BATCH, cursor))
            rows = cr.fetchall()
            if not rows:
                break
            for name, stage, stage_date, promised, late, customer in rows:
                yield {
                    "order": name,
                    "customer": customer,
                    "stage": stages.get(stage, ""),
                    "days": (now - stage_date).days if stage_date else 0,
                    "promised": promised,
                    "late": late,
                }
        cr.execute(SQL("CLOSE %s", cursor))
