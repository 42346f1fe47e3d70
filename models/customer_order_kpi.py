import math
from datetime import datetime, time, timedelta

import babel.dates
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, date_utils
from odoo.tools.misc import (
    babel_locale_parse,
    format_datetime,
    format_decimalized_amount,
    formatLang,
    get_lang,
)

from .customer_order_analysis import BACKLOG_STAGES, KPI_BREAKDOWNS, LINE_SUMS, day_start


class CustomerOrderKpi(models.AbstractModel):
    """The order-management KPIs (orders, revenue, on-time delivery, fill,
    return and review figures), read from the order analysis in a few
    grouped queries: the service behind the Order Desk overview and the
    report pack. Record rules of the analysis apply."""

    _name = "customer.order.kpi"
    _description = "Order Management KPIs"

    @api.model
    def _in_user_tz(self):
        """The timezone periods and months are counted in (the context's,
        else the user's, else UTC), and the analysis with it in the context,
        where the ORM's grouping by month reads it (UTC: none, so that the
        date of every row is not converted for nothing)."""
        tz = self.env.tz
        analysis = self.env["customer.order.analysis"]
        return tz, analysis.with_context(tz=tz.zone if tz.zone != "UTC" else False)

    @api.model
    def _get_kpis(
        self,
        date_from=None,
        date_to=None,
        domain=None,
        order_domain=None,
        breakdowns=(),
        backlog=True,
    ):
        """The order-management KPIs of confirmed orders dated in
        ``[date_from, date_to)`` (datetimes, both optional) and matching
        ``domain``, for the records the user may read (record rules apply);
        the backlog counts the open orders matching ``order_domain``
        (``sale.order`` domain), whatever their date.

        ``breakdowns``: any of ``month``, ``order_channel``, ``partner_id``,
        ``product_id``; the same KPIs per value of each, from the same
        queries (GROUPING SETS), so a report pack reads the lines once.
        An order spans products: per product, only the figures of the lines
        are given (revenue, quantities, fill and return rates).

        Two queries over the analysis, whatever the breakdowns: the lines'
        sums, and the facts of their orders read once per order (not once
        per line); one query for the backlog, unless ``backlog`` is False
        (the backlog is now, whatever the period). Returns a dict: orders,
        revenue, average_order_value, on_time_rate, fill_rate, return_rate,
        average_review_hours (rates are fractions, None when there is
        nothing to measure), backlog (when asked: list of ``{stage,
        age_bucket, count}``) and, per breakdown asked, the list of ``{value, **kpis}``
        under ``breakdowns[key]`` (months as the ORM's read_group gives
        them, partners and products as records).

        One method on purpose: both queries are built on the same ``lines``
        query object (its table alias, joins and breakdown keys), which
        split methods would have to pass around piece by piece."""
        lines_domain = [("state", "=", "sale"), *(domain or [])]
        if date_from:
            lines_domain.append(("date_order", ">=", date_from))
        if date_to:
            lines_domain.append(("date_order", "<", date_to))
        analysis = self.env["customer.order.analysis"]
        lines = analysis._search(lines_domain)
        keys = [key for key in KPI_BREAKDOWNS if key in breakdowns]
        # The breakdowns as expressions on the analysis' columns: the orders'
        # query below exposes the same columns under the same table name.
        key_sql = {key: SQL.identifier(lines.table, key) for key in keys}
        months = None
        if "month" in keys:
            key_sql["month"], month_of, months = self._kpi_month_key(lines, date_from, date_to)
        order_keys = [key for key in keys if key != "product_id"]
        orders = self._kpi_grouping_sets(
            SQL(
                "(SELECT %s FROM %s WHERE s.id IN %s) AS %s",
                analysis._select_order(),
                analysis._from_order(),
                lines.subselect(SQL.identifier(lines.table, "order_id")),
                SQL.identifier(lines.table),
            ),
            {key: key_sql[key] for key in order_keys},
            SQL(
                """COUNT(*),
                   COUNT(*) FILTER (WHERE delivered_date IS NOT NULL),
                   COUNT(*) FILTER (WHERE delivered_date IS NOT NULL AND on_time),
                   AVG(review_hours)"""
            ),
        )
        # The lines' sums per combination of the keys first (a parallel
        # scan), then rolled up per grouping set.
        sums = SQL(", ").join(
            SQL("SUM(%s) AS %s", SQL.identifier(lines.table, column), SQL.identifier(column))
            for column in LINE_SUMS
        )
        if months:
            # Joined to the period's months (1 to n), the lines are grouped
            # by the joined number: the planner then knows how many months
            # there are (it has no statistics on the rows' month) and sums
            # them in parallel in a hash table instead of sorting every line.
            lines.add_join(
                "JOIN",
                "kpi_month",
                SQL("(VALUES %s)", SQL(", ").join(SQL("(%s)", n) for n in range(1, months + 1))),
                SQL('"kpi_month"."column1" = %s', key_sql["month"]),
            )
            key_sql["month"] = SQL.identifier("kpi_month", "column1")
        if keys:
            lines.groupby = SQL(", ").join(key_sql[key] for key in keys)
        line_sums = self._kpi_grouping_sets(
            SQL(
                "(%s) AS sums",
                lines.select(
                    *(SQL("%s AS %s", key_sql[key], SQL.identifier(key)) for key in keys), sums
                ),
            ),
            {key: SQL.identifier(key) for key in keys},
            SQL(", ").join(SQL("SUM(%s)", SQL.identifier(column)) for column in LINE_SUMS),
        )
        no_order = (0, 0, 0, None)
        result = self._kpi_values(*orders[None], *line_sums[None])
        split = {key: [] for key in keys}
        for group, figures in line_sums.items():
            if group is None:
                continue
            key, value = group
            if key == "product_id":
                entry = self._line_kpi_values(*figures)
            else:
                entry = self._kpi_values(*orders.get((key, value), no_order), *figures)
            split[key].append({"value": value, **entry})
        if "month" in split:
            split["month"].sort(key=lambda entry: entry["value"])
            for entry in split["month"]:
                entry["value"] = month_of(entry["value"])
        for key, comodel in (("partner_id", "res.partner"), ("product_id", "product.product")):
            if key in split:
                records = self.env[comodel].browse(
                    entry["value"] for entry in split[key] if entry["value"]
                )
                # Records of one recordset: their names are read in one query.
                by_id = {record.id: record for record in records}
                for entry in split[key]:
                    entry["value"] = by_id.get(entry["value"], records.browse())
        if backlog:
            result["backlog"] = self._get_backlog(order_domain)
        if keys:
            result["breakdowns"] = split
        return result

    @api.model
    def _kpi_month_key(self, query, date_from, date_to):
        """The month of the analysis rows of ``query`` as an SQL expression,
        the function turning its values into the months the ORM's read_group
        gives (the local month's start), and how many months the period has
        (its months are numbered from 1; None without a period).

        Within a period, each row's date is placed among the UTC moments the
        period's local months start at (``width_bucket``: a few comparisons
        a row, where converting every row's date to the user's timezone
        costs more than the rest of the row); else the ORM's expression."""
        tz, by_month = self._in_user_tz()
        if not (date_from and date_to):
            expression = by_month._read_group_groupby(query.table, "date_order:month", query)
            return expression, lambda month: month, None
        # context_timestamp: the moment where the user is (the same env.tz).
        local_from = fields.Datetime.context_timestamp(self, date_from).date()
        first = date_utils.start_of(local_from, "month")
        last = fields.Datetime.context_timestamp(self, date_to - timedelta(microseconds=1)).date()
        months = list(date_utils.date_range(first, last)) if first <= last else []
        expression = SQL(
            "width_bucket(%s, %s::timestamp[])",
            SQL.identifier(query.table, "date_order"),
            [day_start(month, tz) for month in months],
        )
        return (
            expression,
            lambda bucket: datetime.combine(months[bucket - 1], time.min),
            len(months),
        )

    @api.model
    def _kpi_grouping_sets(self, source, keys, aggregates):
        """``aggregates`` over ``source`` (an SQL FROM item) in total and per
        value of each of ``keys`` (name: expression); returns a dict mapping
        None (the total) and ``(key, value)`` to the tuple of aggregates."""
        names = list(keys)
        # execute_query writes what is pending on the tables the view reads.
        rows = self.env.execute_query(
            SQL(
                "SELECT %s FROM %s GROUP BY GROUPING SETS (%s)",
                SQL(", ").join(
                    [
                        *(SQL("GROUPING(%s) = 0", keys[name]) for name in names),
                        *(keys[name] for name in names),
                        aggregates,
                    ]
                ),
                source,
                SQL(", ").join([SQL("()"), *(SQL("(%s)", keys[name]) for name in names)]),
            )
        )
        width = len(names)
        # Each row: one "grouped by" flag per key, the key values, the
        # aggregates; the row of the empty grouping set (no flag) is the total.
        result = {}
        for row in rows:
            flags, values = row[:width], row[width : 2 * width]
            index = next((i for i, flag in enumerate(flags) if flag), None)
            group = None if index is None else (names[index], values[index])
            result[group] = row[2 * width :]
        return result

    @api.model
    def _kpi_values(self, orders, delivered, on_time, hours, *line_sums):
        """The KPIs from the order figures and the lines' sums."""
        values = self._line_kpi_values(*line_sums)
        return {
            **values,
            "orders": orders,
            "average_order_value": values["revenue"] / orders if orders else 0.0,
            "on_time_rate": on_time / delivered if delivered else None,
            "average_review_hours": hours,
        }

    @api.model
    def _line_kpi_values(self, revenue, qty_ordered, qty_delivered, qty_returned):
        """The KPIs of the lines alone (what a product has: an order spans
        products)."""
        qty_shipped = (qty_delivered or 0.0) + (qty_returned or 0.0)
        return {
            "revenue": revenue or 0.0,
            "fill_rate": qty_shipped / qty_ordered if qty_ordered else None,
            "return_rate": (qty_returned or 0.0) / qty_shipped if qty_shipped else None,
            "qty_ordered": qty_ordered or 0.0,
            "qty_delivered": qty_delivered or 0.0,
            "qty_returned": qty_returned or 0.0,
        }

    @api.model
    def get_dashboard_data(self, days=30):
        """What the Order Desk overview shows: the KPIs of the last ``days``
        days and of the ``days`` before, each as a tile with its change in
        percent and the window action that opens the records behind its
        figure; the monthly trend of the last 12 months (every month
        labelled in the user's language) with its chart axis; the backlog.
        Record rules apply."""
        try:
            days = max(min(int(days), 366), 1)
        except (TypeError, ValueError, OverflowError):
            raise UserError(self.env._("The period must be a number of days.")) from None
        now = fields.Datetime.now()
        start = now - relativedelta(days=days)
        current = self._get_kpis(start, now)
        previous = self._get_kpis(start - relativedelta(days=days), start, backlog=False)
        # The trend: from the first day of the month eleven months ago, where
        # the user is.
        tz, by_month = self._in_user_tz()
        local_now = fields.Datetime.context_timestamp(self, now)
        first_day = date_utils.start_of(date_utils.subtract(local_now.date(), months=11), "month")
        trend = by_month._read_group(
            [("state", "=", "sale"), ("date_order", ">=", day_start(first_day, tz))],
            ["date_order:month"],
            ["order_id:count_distinct", "price_subtotal:sum"],
            order="date_order:month",
        )
        # Every month of the year shown, a month without orders at 0.
        figures = {month.date(): (orders, revenue) for month, orders, revenue in trend}
        trend = [
            (month, *figures.get(month, (0, 0.0)))
            for month in date_utils.date_range(
                first_day, local_now.date().replace(day=1), relativedelta(months=1)
            )
        ]
        currency = self.env.company.currency_id
        stages = dict(
            self.env["sale.order"]._fields["lifecycle_stage"]._description_selection(self.env)
        )
        buckets = (
            self.env["sale.order"]._fields["stage_age_bucket"]._description_selection(self.env)
        )
        counts = {(row["stage"], row["age_bucket"]): row["count"] for row in current["backlog"]}
        current = {k: v for k, v in current.items() if k != "backlog"}
        top, ticks = self._chart_axis([revenue for _month, _orders, revenue in trend])
        return {
            "days": days,
            "date_from": fields.Datetime.to_string(start),
            "currency_id": currency.id,
            "current": current,
            "previous": previous,
            "tiles": [
                {
                    "key": key,
                    "label": label,
                    "kind": kind,
                    "value": current[key],
                    "trend": self._kpi_trend(current[key], previous[key], lower_is_better),
                    "action": self._kpi_action(key, label, start, now),
                }
                for key, label, kind, lower_is_better in self._dashboard_tiles()
            ],
            "trend": [
                {
                    "label": self._month_label(month),
                    # On the chart's axis: the month, and the year under the
                    # first month and under January.
                    "axis_month": self._month_label(month, "MMM"),
                    "axis_year": self._month_label(month, "y")
                    if index == 0 or month.month == 1
                    else "",
                    "date": fields.Date.to_string(month),
                    "orders": orders,
                    "revenue": revenue,
                    "amount": format_decimalized_amount(revenue, currency),
                }
                for index, (month, orders, revenue) in enumerate(trend)
            ],
            "chart": {"top": top, "ticks": ticks},
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
    def _dashboard_tiles(self):
        """The overview's tiles: key (in the KPIs), label, kind of figure
        (count, money, rate, hours) and whether lower is better."""
        return [
            ("orders", self.env._("Orders"), "count", False),
            ("revenue", self.env._("Revenue"), "money", False),
            ("average_order_value", self.env._("Average Order Value"), "money", False),
            ("on_time_rate", self.env._("On-time Delivery"), "rate", False),
            ("fill_rate", self.env._("Fill Rate"), "rate", False),
            ("return_rate", self.env._("Return Rate"), "rate", True),
            ("average_review_hours", self.env._("Average Review Time"), "hours", True),
        ]

    @api.model
    def _kpi_action(self, key, label, date_from, date_to):
        """The window action opening exactly the records behind the figure
        of KPI ``key`` for orders dated in ``[date_from, date_to)``, as
        ``_get_kpis`` counts them: the orders themselves for the count, the
        analysis lines (grouped to show the figure) for the others."""
        period = [
            ("state", "=", "sale"),
            ("date_order", ">=", fields.Datetime.to_string(date_from)),
            ("date_order", "<", fields.Datetime.to_string(date_to)),
        ]
        # The period where the user is (the timezone the KPIs count in).
        tz = self.env.tz.zone
        name = self.env._(
            "%(kpi)s: %(start)s to %(end)s",
            kpi=label,
            start=format_datetime(self.env, date_from, tz=tz, dt_format="short"),
            end=format_datetime(self.env, date_to, tz=tz, dt_format="short"),
        )
        if key == "orders":
            # An order counts when it has a line (not a section or a note).
            return self._order_desk_action(
                name, [*period, ("order_line", "any", [("display_type", "=", False)])]
            )
        measures = {
            "revenue": ["price_subtotal"],
            "average_order_value": ["price_subtotal", "__count"],
            "on_time_rate": ["__count"],
            "fill_rate": ["qty_ordered", "qty_delivered", "qty_returned"],
            "return_rate": ["qty_delivered", "qty_returned"],
            "average_review_hours": ["review_hours"],
        }[key]
        domain = list(period)
        row_groupby = ["date_order:month"]
        if key == "on_time_rate":
            # The shipped orders, on time or not.
            domain.append(("delivered_date", "!=", False))
            row_groupby = ["on_time"]
        elif key == "return_rate":
            # The lines shipped: delivered (net) or returned.
            domain += ["|", ("qty_delivered", "!=", 0), ("qty_returned", "!=", 0)]
        elif key == "average_review_hours":
            # The reviewed orders (submitted and decided: a review time, even
            # of 0 h, which a condition on the time itself would drop), one
            # row each in the pivot (a line repeats its order's time).
            domain += [
                ("order_id.review_date", "!=", False),
                ("order_id.review_decision_date", "!=", False),
            ]
            row_groupby = ["order_id"]
        elif key == "average_order_value":
            row_groupby = ["order_id"]
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "customer.order.analysis",
            "views": [[False, "pivot"], [False, "list"], [False, "graph"]],
            "domain": domain,
            "context": {
                "pivot_measures": measures,
                "pivot_row_groupby": row_groupby,
                "pivot_column_groupby": [],
            },
        }

    @api.model
    def _kpi_trend(self, value, previous, lower_is_better=False):
        """The change of a KPI against the previous period: direction (up,
        down, flat, or None when either has no figure), percent (None
        without a previous figure to divide by), whether it is good news,
        and the text shown ("▲ 12.5 % vs previous period")."""
        if value is None or previous is None:
            return {
                "direction": None,
                "percent": None,
                "good": None,
                "text": self.env._("No previous figure"),
            }
        if value == previous:
            direction = "flat"
        else:
            direction = "up" if value > previous else "down"
        percent = (value - previous) / abs(previous) * 100 if previous else None
        arrow = {"up": "▲", "down": "▼", "flat": "="}[direction]
        if percent is None:
            text = self.env._("%(arrow)s vs 0 in the previous period", arrow=arrow)
        else:
            text = self.env._(
                "%(arrow)s %(percent)s vs previous period",
                arrow=arrow,
                percent=f"{formatLang(self.env, abs(percent), digits=1)} %",
            )
        return {
            "direction": direction,
            "percent": percent,
            "good": None if direction == "flat" else (direction == "down") == lower_is_better,
            "text": text,
        }

    @api.model
    def _chart_axis(self, values, steps=4):
        """The value axis of a bar chart of ``values`` (from 0): its top and
        its ticks, about ``steps`` round steps (1, 2, 2.5 or 5 times a power
        of ten), each labelled in the company's currency."""
        high = max([*values, 0.0])
        if high <= 0:
            step = 1.0
        else:
            raw = high / steps
            power = 10 ** math.floor(math.log10(raw))
            step = next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)
        count = max(math.ceil(high / step), 1)
        currency = self.env.company.currency_id
        ticks = [
            {"value": step * n, "label": format_decimalized_amount(step * n, currency)}
            for n in range(count + 1)
        ]
        return ticks[-1]["value"], ticks

    @api.model
    def _month_label(self, month, skeleton="yMMM"):
        """The month of ``month`` as the user's language writes it: with
        its year ("Jan 2026", "2026年1月"), or as ``skeleton`` (CLDR) asks
        ("MMM": "Jan", "1月"; "y": "2026", "2026年")."""
        locale = babel_locale_parse(get_lang(self.env).code)
        return babel.dates.format_skeleton(skeleton, month, locale=locale)

    @api.model
    def action_open_backlog(self, stage, bucket=False):
        """The open orders of the overview's backlog in ``stage`` (one of
        the backlog's stages) and, when given, age ``bucket``: what a cell
        of the backlog counts."""
        buckets = dict(
            self.env["sale.order"]._fields["stage_age_bucket"]._description_selection(self.env)
        )
        if (
            not isinstance(stage, str)
            or stage not in BACKLOG_STAGES
            or (bucket and (not isinstance(bucket, str) or bucket not in buckets))
        ):
            raise UserError(self.env._("This is not a stage or an age of the backlog."))
        stages = dict(
            self.env["sale.order"]._fields["lifecycle_stage"]._description_selection(self.env)
        )
        domain = [("lifecycle_stage", "=", stage)]
        name = self.env._("Backlog: %(stage)s", stage=stages[stage])
        if bucket:
            domain.append(("stage_age_bucket", "in", [bucket]))
            name = self.env._(
                "Backlog: %(stage)s, %(age)s", stage=stages[stage], age=buckets[bucket]
            )
        return self._order_desk_action(name, domain)

    @api.model
    def _order_desk_action(self, name, domain):
        """A window action on the orders of ``domain`` in the Order Desk's
        list and search views."""
        to_id = self.env["ir.model.data"]._xmlid_to_res_id
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "sale.order",
            "views": [
                [to_id("customer_order_management.sale_order_view_list_order_desk"), "list"],
                [False, "form"],
            ],
            "search_view_id": [
                to_id("customer_order_management.sale_order_view_search_order_desk"),
                "search",
            ],
            "domain": domain,
            "context": {},
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
