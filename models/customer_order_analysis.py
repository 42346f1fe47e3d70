from datetime import datetime, time

import pytz

from odoo import fields, models, tools
from odoo.tools import SQL

from .sale_order_intake import ORDER_CHANNELS
from .sale_order_lifecycle import LIFECYCLE_STAGES

# Stages of orders still to deliver: the backlog.
BACKLOG_STAGES = (
    "received",
    "in_review",
    "approved",
    "confirmed",
    "partially_shipped",
    "shipped",
)
# What the KPIs can be broken down by, and the sums they read on the lines.
KPI_BREAKDOWNS = ("month", "order_channel", "partner_id", "product_id")
LINE_SUMS = ("price_subtotal", "qty_ordered", "qty_delivered", "qty_returned")


def day_start(day, tz):
    """When ``day`` starts in ``tz``, as Odoo stores moments (naive UTC)."""
    return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)


class CustomerOrderAnalysis(models.Model):
    """One row per sales order line, with the order's lifecycle facts.

    The query is assembled from ``_select``, ``_from``, ``_where`` so that
    other modules add columns or joins without rewriting it."""

    _name = "customer.order.analysis"
    _description = "Customer Order Analysis"
    _auto = False
    _rec_name = "order_id"
    _order = "date_order desc, id desc"
    # What the view reads: the ORM writes what is pending on these before
    # any query on the view (the pivot, the KPIs, the packs).
    _depends = {
        "sale.order": [
            "company_id",
            "currency_rate",
            "date_order",
            "is_late",
            "lifecycle_stage",
            "order_channel",
            "partner_id",
            "promised_date",
            "received_date",
            "review_date",
            "review_decision_date",
            "state",
            "team_id",
            "user_id",
        ],
        "sale.order.line": [
            "display_type",
            "order_id",
            "price_subtotal",
            "product_id",
            "product_uom_id",
            "product_uom_qty",
            "qty_delivered",
        ],
        "res.partner": ["commercial_partner_id", "country_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id", "uom_id"],
        "uom.uom": ["factor"],
        "stock.picking": [
            "customer_return_id",
            "date_done",
            "picking_type_id",
            "return_id",
            "sale_id",
            "state",
        ],
        "stock.picking.type": ["code"],
        "stock.move": ["location_id", "product_uom", "quantity", "sale_line_id", "state"],
        "stock.location": ["usage"],
    }

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
        return SQL("l.id AS id, %s, %s", self._select_order(), self._select_line())

    def _select_order(self):
        """The order's columns, one value per order: they read only the
        tables of ``_from_order`` (the KPIs read them once per order)."""
        return SQL(
            """
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
            EXTRACT(EPOCH FROM s.review_decision_date - s.review_date) / 3600.0 AS review_hours,
            CASE WHEN s.state = 'sale'
                THEN EXTRACT(EPOCH FROM d.delivered_date - s.date_order) / 86400.0
            END AS lead_time_days,
            COALESCE(s.state = 'sale' AND d.delivered_date <= s.promised_date, FALSE) AS on_time,
            s.is_late AS is_late
            """
        )

    def _select_line(self):
        """The line's own columns (its product, quantities and amount).

        Quantities in the product's unit and amounts in the company's
        currency, as ``sale.report`` converts them: the line's unit factor
        over the product's, and the order's rate (1 when it has none) through
        ``sale.report``'s own ``_case_value_or_one``. sale.report then turns
        the amounts into the current company's currency at today's rate; the
        analysis keeps each company's currency (``currency_id``)."""
        order_rate = self.env["sale.report"]._case_value_or_one("s.currency_rate")
        return SQL(
            """
            l.product_id AS product_id,
            pp.product_tmpl_id AS product_tmpl_id,
            t.categ_id AS categ_id,
            l.product_uom_qty * u.factor / u2.factor AS qty_ordered,
            l.qty_delivered * u.factor / u2.factor AS qty_delivered,
            COALESCE(r.qty_returned / u2.factor, 0.0) AS qty_returned,
            l.price_subtotal / %s AS price_subtotal
            """,
            SQL(order_rate),
        )

    def _from_order(self):
        """The order ``s``, its customer ``p`` and ``d``, the date of its last
        customer delivery when every delivery is done or cancelled."""
        return SQL(
            """
            sale_order s
            LEFT JOIN res_partner p ON p.id = s.partner_id
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
            """
        )

    def _from(self):
        # LEFT JOINs on unique keys only: PostgreSQL drops the joins a query
        # does not use (a pivot of amounts by month and channel reads two
        # tables, not eight).
        return SQL(
            """
            sale_order_line l
            JOIN (%s) ON s.id = l.order_id
            LEFT JOIN product_product pp ON pp.id = l.product_id
            LEFT JOIN product_template t ON t.id = pp.product_tmpl_id
            LEFT JOIN uom_uom u ON u.id = l.product_uom_id
            LEFT JOIN uom_uom u2 ON u2.id = t.uom_id
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
            """,
            self._from_order(),
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
