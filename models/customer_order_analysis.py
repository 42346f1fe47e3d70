from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .sale_order import LIFECYCLE_STAGES, ORDER_CHANNELS

# Stages of orders still to deliver: the backlog.
BACKLOG_STAGES = ("received", "in_review", "confirmed", "partially_shipped", "shipped")


class CustomerOrderAnalysis(models.Model):
    """One row per sales order line, with the order's lifecycle facts.

    The query is assembled from ``_select``, ``_from``, ``_where`` so that
    other modules add columns or joins without rewriting it."""

    _name = "customer.order.analysis"
    _description = "Customer Order Analysis"
    _auto = False
    _rec_name = "order_id"
    _order = "date_order desc, id desc"

    order_id = fields.Many2one("sale.order", string="Sales Order", readonly=True)
    date_order = fields.Datetime(string="Order Date", readonly=True)
    received_date = fields.Datetime(string="Received On", readonly=True)
    confirmation_date = fields.Datetime(string="Confirmed On", readonly=True)
    delivered_date = fields.Datetime(
        string="Shipped On",
        readonly=True,
        help="When the order's last customer delivery was validated (fully shipped orders).",
    )
    promised_date = fields.Datetime(readonly=True)
    order_channel = fields.Selection(ORDER_CHANNELS, string="Channel", readonly=True)
    state = fields.Selection(
        [("draft", "Quotation"), ("sent", "Quotation Sent"), ("sale", "Sales Order")],
        string="Status",
        readonly=True,
    )
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", string="Customer Country", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product Template", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    qty_ordered = fields.Float(digits="Product Unit", readonly=True)
    qty_delivered = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Delivered, net of what came back on returns that update the order.",
    )
    qty_returned = fields.Float(
        digits="Product Unit", readonly=True, help="Received back from the customer."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    price_subtotal = fields.Monetary(
        string="Untaxed Amount",
        currency_field="currency_id",
        readonly=True,
        help="In the company's currency.",
    )
    review_hours = fields.Float(
        string="Review Time (h)",
        aggregator="avg",
        readonly=True,
        help="From submission for review to the decision.",
    )
    lead_time_days = fields.Float(
        string="Lead Time (days)",
        aggregator="avg",
        readonly=True,
        help="From confirmation to the last delivery.",
    )
    on_time = fields.Boolean(
        string="Shipped on Time",
        readonly=True,
        help="Fully shipped no later than the promised date.",
    )
    is_late = fields.Boolean(string="Late", readonly=True)

    # ------------------------------------------------------------------
    # The view
    # ------------------------------------------------------------------

    def _select(self):
        return SQL(
            """
            l.id AS id,
            s.id AS order_id,
            s.date_order AS date_order,
            s.received_date AS received_date,
            CASE WHEN s.state = 'sale' THEN s.date_order END AS confirmation_date,
            CASE WHEN s.state = 'sale' THEN d.delivered_date END AS delivered_date,
            s.promised_date AS promised_date,
            s.order_channel AS order_channel,
            s.state AS state,
            s.lifecycle_stage AS lifecycle_stage,
            p.commercial_partner_id AS partner_id,
            p.country_id AS country_id,
            s.user_id AS user_id,
            s.team_id AS team_id,
            s.company_id AS company_id,
            l.product_id AS product_id,
            pp.product_tmpl_id AS product_tmpl_id,
            t.categ_id AS categ_id,
            l.product_uom_qty * u.factor / u2.factor AS qty_ordered,
            l.qty_delivered * u.factor / u2.factor AS qty_delivered,
            COALESCE(r.qty_returned / u2.factor, 0.0) AS qty_returned,
            l.price_subtotal / CASE COALESCE(s.currency_rate, 0)
                WHEN 0 THEN 1.0 ELSE s.currency_rate END AS price_subtotal,
            EXTRACT(EPOCH FROM s.review_decision_date - s.review_date) / 3600.0 AS review_hours,
            CASE WHEN s.state = 'sale'
                THEN EXTRACT(EPOCH FROM d.delivered_date - s.date_order) / 86400.0
            END AS lead_time_days,
            COALESCE(s.state = 'sale' AND d.delivered_date <= s.promised_date, FALSE) AS on_time,
            s.is_late AS is_late
            """
        )

    def _from(self):
        # LEFT JOINs on unique keys only: PostgreSQL drops the joins a query
        # does not use (a pivot of amounts by month and channel reads two
        # tables, not eight).
        return SQL(
            """
            sale_order_line l
            JOIN sale_order s ON s.id = l.order_id
            LEFT JOIN res_partner p ON p.id = s.partner_id
            LEFT JOIN product_product pp ON pp.id = l.product_id
            LEFT JOIN product_template t ON t.id = pp.product_tmpl_id
            LEFT JOIN uom_uom u ON u.id = l.product_uom_id
            LEFT JOIN uom_uom u2 ON u2.id = t.uom_id
            LEFT JOIN (
                SELECT sp.sale_id, MAX(sp.date_done) AS delivered_date
                  FROM stock_picking sp
                  JOIN stock_picking_type spt ON spt.id = sp.picking_type_id
                 WHERE sp.sale_id IS NOT NULL
                   AND spt.code = 'outgoing'
                   AND sp.return_id IS NULL
                   AND sp.customer_return_id IS NULL
                 GROUP BY sp.sale_id
                HAVING BOOL_AND(sp.state IN ('done', 'cancel'))
                   AND BOOL_OR(sp.state = 'done')
            ) d ON d.sale_id = s.id
            LEFT JOIN (
                SELECT m.sale_line_id, SUM(m.quantity * mu.factor) AS qty_returned
                  FROM stock_move m
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN uom_uom mu ON mu.id = m.product_uom
                 WHERE m.sale_line_id IS NOT NULL
                   AND m.state = 'done'
                   AND src.usage = 'customer'
                 GROUP BY m.sale_line_id
            ) r ON r.sale_line_id = l.id
            """
        )

    def _where(self):
        return SQL("l.display_type IS NULL AND s.state != 'cancel'")

    def _query(self):
        return SQL("SELECT %s FROM %s WHERE %s", self._select(), self._from(), self._where())

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    # ------------------------------------------------------------------
    # KPIs
    # ------------------------------------------------------------------

    @api.model
    def _get_kpis(
        self, date_from=None, date_to=None, domain=None, order_domain=None, breakdowns=()
    ):
        """The order-management KPIs of confirmed orders dated in
        ``[date_from, date_to)`` (datetimes, both optional) and matching
        ``domain``, for the records the user may read (record rules apply);
        the backlog counts the open orders matching ``order_domain``
        (``sale.order`` domain), whatever their date.

        ``breakdowns``: any of ``month``, ``order_channel``, ``partner_id``;
        the same KPIs per value of each, from the same query (GROUPING SETS
        over the orders), so a report pack scans the lines once.

        One query over the analysis rows, one for the backlog. Returns a
        dict: orders, revenue, average_order_value, on_time_rate,
        fill_rate, return_rate, average_review_hours (rates are fractions,
        None when there is nothing to measure), backlog (list of
        ``{stage, age_bucket, count}``) and, per breakdown asked, the list
        of ``{value, **kpis}`` under ``breakdowns[key]`` (months as the ORM's
        read_group gives them, partners as records)."""
        lines_domain = [("state", "=", "sale"), *(domain or [])]
        if date_from:
            lines_domain.append(("date_order", ">=", date_from))
        if date_to:
            lines_domain.append(("date_order", "<", date_to))
        query = self._search(lines_domain)
        table = query.table
        key_sql = {
            "month": self._read_group_groupby(table, "date_order:month", query),
            "order_channel": SQL.identifier(table, "order_channel"),
            "partner_id": SQL.identifier(table, "partner_id"),
        }
        keys = [key for key in key_sql if key in breakdowns]
        rows = query.select(
            *(
                SQL.identifier(table, column)
                for column in (
                    "order_id",
                    "price_subtotal",
                    "qty_ordered",
                    "qty_delivered",
                    "qty_returned",
                    "review_hours",
                    "delivered_date",
                    "on_time",
                )
            ),
            *(SQL("%s AS %s", key_sql[key], SQL.identifier(key)) for key in keys),
        )
        # The keys are attributes of the order: one value per order.
        self.env.cr.execute(
            SQL(
                """
                WITH orders AS (
                    SELECT order_id, %(order_keys)s
                           SUM(price_subtotal) AS revenue,
                           SUM(qty_ordered) AS qty_ordered,
                           SUM(qty_delivered) AS qty_delivered,
                           SUM(qty_returned) AS qty_returned,
                           MAX(review_hours) AS review_hours,
                           BOOL_OR(delivered_date IS NOT NULL) AS delivered,
                           BOOL_AND(on_time) AS on_time
                      FROM (%(rows)s) AS rows
                     GROUP BY order_id
                )
                SELECT %(grouped)s
                       COUNT(*), COALESCE(SUM(revenue), 0),
                       SUM(qty_ordered), SUM(qty_delivered), SUM(qty_returned),
                       COUNT(*) FILTER (WHERE delivered),
                       COUNT(*) FILTER (WHERE delivered AND on_time),
                       AVG(review_hours)
                  FROM orders
                 GROUP BY GROUPING SETS (%(sets)s)
                """,
                order_keys=SQL().join(
                    SQL("MAX(%s) AS %s, ", SQL.identifier(key), SQL.identifier(key)) for key in keys
                ),
                rows=rows,
                grouped=SQL().join(
                    [SQL("GROUPING(%s) = 0, ", SQL.identifier(key)) for key in keys]
                    + [SQL("%s, ", SQL.identifier(key)) for key in keys]
                ),
                sets=SQL(", ").join(
                    [SQL("()"), *(SQL("(%s)", SQL.identifier(key)) for key in keys)]
                ),
            )
        )
        # Each row: one "grouped by" flag per key, the key values, the KPIs;
        # the row of the empty grouping set (no flag) holds the totals.
        result = None
        split = {key: [] for key in keys}
        width = len(keys)
        for row in self.env.cr.fetchall():
            flags, key_values = row[:width], row[width : 2 * width]
            values = self._kpi_values(*row[2 * width :])
            index = next((i for i, flag in enumerate(flags) if flag), None)
            if index is None:
                result = values
            else:
                split[keys[index]].append({"value": key_values[index], **values})
        if "month" in split:
            split["month"].sort(key=lambda entry: entry["value"])
        if "partner_id" in split:
            partners = self.env["res.partner"].browse(
                entry["value"] for entry in split["partner_id"] if entry["value"]
            )
            # Records of one recordset: their names are read in one query.
            by_id = {partner.id: partner for partner in partners}
            for entry in split["partner_id"]:
                entry["value"] = by_id.get(entry["value"], partners.browse())
        result["backlog"] = self._get_backlog(order_domain)
        if keys:
            result["breakdowns"] = split
        return result

    @api.model
    def _kpi_values(
        self, orders, revenue, qty_ordered, qty_delivered, qty_returned, delivered, on_time, hours
    ):
        qty_shipped = (qty_delivered or 0.0) + (qty_returned or 0.0)
        return {
            "orders": orders,
            "revenue": revenue,
            "average_order_value": revenue / orders if orders else 0.0,
            "on_time_rate": on_time / delivered if delivered else None,
            "fill_rate": qty_shipped / qty_ordered if qty_ordered else None,
            "return_rate": (qty_returned or 0.0) / qty_shipped if qty_shipped else None,
            "average_review_hours": hours,
            "qty_ordered": qty_ordered or 0.0,
            "qty_delivered": qty_delivered or 0.0,
            "qty_returned": qty_returned or 0.0,
        }

    @api.model
    def get_dashboard_data(self, days=30):
        """What the Order Desk overview shows: the KPIs of the last ``days``
        days and of the ``days`` before (for the trend arrows), the monthly
        trend of the last 12 months and the backlog. Record rules apply."""
        days = max(min(int(days), 366), 1)
        now = fields.Datetime.now()
        start = now - relativedelta(days=days)
        current = self._get_kpis(start, now)
        previous = self._get_kpis(start - relativedelta(days=days), start)
        trend_start = (now - relativedelta(months=11)).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
        trend = self._read_group(
            [("state", "=", "sale"), ("date_order", ">=", trend_start)],
            ["date_order:month"],
            ["order_id:count_distinct", "price_subtotal:sum"],
            order="date_order:month",
        )
        stages = dict(
            self.env["sale.order"]._fields["lifecycle_stage"]._description_selection(self.env)
        )
        buckets = (
            self.env["sale.order"]._fields["stage_age_bucket"]._description_selection(self.env)
        )
        counts = {(row["stage"], row["age_bucket"]): row["count"] for row in current["backlog"]}
        return {
            "days": days,
            "date_from": fields.Datetime.to_string(start),
            "currency_id": self.env.company.currency_id.id,
            "current": {k: v for k, v in current.items() if k != "backlog"},
            "previous": {k: v for k, v in previous.items() if k != "backlog"},
            "trend": [
                {
                    "label": month.strftime("%b %Y"),
                    "date": fields.Date.to_string(month),
                    "orders": orders,
                    "revenue": revenue,
                }
                for month, orders, revenue in trend
            ],
            "buckets": [{"key": key, "label": label} for key, label in buckets],
            "backlog": [
                {
                    "stage": stage,
                    "label": stages[stage],
                    "counts": [counts.get((stage, key), 0) for key, _label in buckets],
                    "total": sum(counts.get((stage, key), 0) for key, _label in buckets),
                }
                for stage in BACKLOG_STAGES
            ],
        }

    @api.model
    def _get_backlog(self, order_domain=None):
        """Open orders per lifecycle stage and age in stage (one grouped
        query on the orders the user may read)."""
        groups = self.env["sale.order"]._read_group(
            [("lifecycle_stage", "in", BACKLOG_STAGES), *(order_domain or [])],
            ["lifecycle_stage", "stage_age_bucket"],
            ["__count"],
        )
        return [
            {"stage": stage, "age_bucket": bucket, "count": count}
            for stage, bucket, count in groups
        ]
