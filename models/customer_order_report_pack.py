import itertools
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, date_utils

from ..tools.rendering import SECTION_COLUMNS, render_report_pack
from .customer_order_analysis import BACKLOG_STAGES, day_start
from .customer_order_report_section import SECTIONS

_cursor_numbers = itertools.count(1)


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
            backlog="backlog" in sections,
        )
        split = kpis.pop("breakdowns")
        data = {
            "date_from": date_from,
            "date_to": date_to,
            "tz": self.env.tz.zone,
            "currency": company.currency_id if company else self.env.company.currency_id,
            "kpis": kpis,
            "trend": self._monthly_trend(date_from, date_to, split["month"]),
            "sections": sections,
        }
        for code in sections:
            getter = getattr(self, f"_get_section_{code}", None)
            if getter:
                data[code] = getter(company_domain, start, end, split)
        if "backlog" in sections:
            data["backlog_summary"] = self._backlog_summary(kpis.pop("backlog"))
        return data

    @api.model
    def _monthly_trend(self, date_from, date_to, months):
        """Every month from ``date_from``'s to ``date_to``'s with its orders
        and revenue (0 in a month without orders: the chart shows the gap),
        from the KPIs' monthly breakdown ``months``."""
        figures = {entry["value"].date(): entry for entry in months}
        first = date_utils.start_of(date_from, "month")
        last = date_utils.start_of(date_to, "month")
        return [
            {
                "month": datetime.combine(month, time.min),
                "orders": figures[month]["orders"] if month in figures else 0,
                "revenue": figures[month]["revenue"] if month in figures else 0.0,
            }
            for month in date_utils.date_range(first, last, relativedelta(months=1))
        ]

    @api.model
    def _backlog_summary(self, backlog):
        """The backlog counts (``{stage, age_bucket, count}``) as the PDF
        prints them: the stages in the order's flow, then the ages from
        the youngest to the oldest, with their labels."""
        Order = self.env["sale.order"]
        stages = Order._fields["lifecycle_stage"]._description_selection(self.env)
        ages = Order._fields["stage_age_bucket"]._description_selection(self.env)
        stage_rank = {code: rank for rank, code in enumerate(BACKLOG_STAGES)}
        age_rank = {code: rank for rank, (code, _label) in enumerate(ages)}
        stage_labels, age_labels = dict(stages), dict(ages)
        return [
            {
                "stage": stage_labels.get(row["stage"], row["stage"]),
                "age": age_labels.get(row["age_bucket"], row["age_bucket"]),
                "count": row["count"],
            }
            for row in sorted(
                backlog,
                key=lambda row: (
                    stage_rank.get(row["stage"], len(stage_rank)),
                    age_rank.get(row["age_bucket"], len(age_rank)),
                ),
            )
        ]

    def _get_section_channels(self, _company_domain, _start, _end, split):
        labels = dict(
            self.env["customer.order.analysis"]
            ._fields["order_channel"]
            ._description_selection(self.env)
        )
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
                "value": self._returned_value(line),
                "reason": line.reason_id.name,
                "resolution": resolutions[line.resolution],
                "state": states[line.return_id.state],
            }
            for line in lines
        ]

    def _get_section_repairs(self, company_domain, start, end, _split):
        """Repairs of returned items received in the period, per product and
        reason: how many, how many under warranty, how many shipped back and
        their average lead time (received to shipped back, in days). Empty
        for users without repair access (warehouse users have it)."""
        Repair = self.env["repair.order"]
        if not Repair.has_access("read"):
            return []
        domain = Domain.AND(
            [
                company_domain,
                [
                    ("customer_return_id", "!=", False),
                    ("return_received_date", ">=", start),
                    ("return_received_date", "<", end),
                ],
            ]
        )
        groups = Repair._read_group(
            domain,
            ["product_id", "return_reason_id"],
            ["__count", "warranty_rate:sum"],
        )
        shipped = {
            (product, reason): (count, lead_days)
            for product, reason, count, lead_days in Repair._read_group(
                Domain.AND([domain, [("shipped_back_date", "!=", False)]]),
                ["product_id", "return_reason_id"],
                ["__count", "return_lead_days:avg"],
            )
        }
        rows = []
        for product, reason, count, warranty_sum in groups:
            shipped_count, lead_days = shipped.get((product, reason), (0, 0.0))
            rows.append(
                {
                    "product": product.display_name,
                    "reason": reason.name or "",
                    "repairs": count,
                    "under_warranty": round(warranty_sum / 100.0),
                    "shipped_back": shipped_count,
                    "lead_days": lead_days or 0.0,
                }
            )
        return sorted(rows, key=lambda row: (-row["repairs"], row["product"], row["reason"]))

    @api.model
    def _returned_value(self, line):
        """What return line ``line`` gives back, at the order line's net
        price, in the company's currency (as the analysis converts it: at
        the order's rate)."""
        sale_line = line.sale_line_id
        rate = sale_line.order_id.currency_rate or 1.0
        return sale_line.price_reduce_taxexcl * line.quantity / rate

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
        classes = dict(
            self.env["product.template"]._fields["abc_class"]._description_selection(self.env)
        )
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
    # XLSX (drawn by tools/rendering/report_pack.py)
    # ------------------------------------------------------------------

    @api.model
    def _get_section_columns(self, code):
        """Hook: the columns (``tools.rendering.Column``) of section
        ``code``'s sheet, called by ``_render_xlsx``. Override to add one,
        with its key in the rows of ``_get_section_<code>``."""
        return SECTION_COLUMNS[code]

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
        its native chart), then one sheet per section of ``data``."""
        sections = [
            (self._section_label(code), self._get_section_columns(code), data.get(code, []))
            for code in data["sections"]
            if code != "summary"
        ]
        return render_report_pack(data, sections, self.env._)


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
