import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatCurrency } from "@web/core/currency";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

const PERIODS = [7, 30, 90, 365];

/**
 * Order Desk overview: KPI tiles with the trend against the previous period,
 * the monthly revenue trend and the backlog by stage and age. Every number
 * comes from one server call (customer.order.kpi.get_dashboard_data) and
 * clicking opens the analysis or the Order Desk filtered accordingly.
 */
export class OrderDashboard extends Component {
    static template = "customer_order_management.OrderDashboard";
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.periods = PERIODS;
        this.state = useState({ days: 30, data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("customer.order.kpi", "get_dashboard_data", [], {
            days: this.state.days,
        });
    }

    async setPeriod(days) {
        this.state.days = days;
        await this.load();
    }

    get tiles() {
        const { current, previous, currency_id } = this.state.data;
        const money = (value) => formatCurrency(value || 0, currency_id);
        const percent = (value) => (value === null ? "–" : `${(value * 100).toFixed(1)} %`);
        const hours = (value) => (value === null ? "–" : `${value.toFixed(1)} h`);
        return [
            { key: "orders", label: _t("Orders"), value: String(current.orders), domain: [] },
            { key: "revenue", label: _t("Revenue"), value: money(current.revenue), domain: [] },
            {
                key: "average_order_value",
                label: _t("Average Order Value"),
                value: money(current.average_order_value),
                domain: [],
            },
            {
                key: "on_time_rate",
                label: _t("On-time Delivery"),
                value: percent(current.on_time_rate),
                domain: [["delivered_date", "!=", false]],
                context: { search_default_group_channel: 1 },
            },
            {
                key: "fill_rate",
                label: _t("Fill Rate"),
                value: percent(current.fill_rate),
                domain: [],
            },
            {
                key: "return_rate",
                label: _t("Return Rate"),
                value: percent(current.return_rate),
                domain: [["qty_returned", ">", 0]],
                lowerIsBetter: true,
            },
            {
                key: "average_review_hours",
                label: _t("Average Review Time"),
                value: hours(current.average_review_hours),
                domain: [["review_hours", "!=", false]],
                lowerIsBetter: true,
            },
        ].map((tile) => ({ ...tile, trend: this.trend(current[tile.key], previous[tile.key], tile) }));
    }

    trend(value, previous, tile) {
        if (value === null || previous === null || previous === undefined || value === previous) {
            return { icon: "fa-minus", cls: "text-muted", title: _t("No change") };
        }
        const up = value > previous;
        const good = tile.lowerIsBetter ? !up : up;
        return {
            icon: up ? "fa-arrow-up" : "fa-arrow-down",
            cls: good ? "text-success" : "text-danger",
            title: _t("Previous period: %s", String(Math.round(previous * 100) / 100)),
        };
    }

    get trendBars() {
        const points = this.state.data.trend;
        const top = Math.max(...points.map((p) => p.revenue), 1);
        const width = 100 / Math.max(points.length, 1);
        return points.map((point, index) => ({
            ...point,
            x: index * width + width * 0.15,
            width: width * 0.7,
            height: (point.revenue / top) * 100,
            amount: formatCurrency(point.revenue, this.state.data.currency_id),
        }));
    }

    openAnalysis(domain = [], context = {}) {
        const data = this.state.data;
        this.action.doAction("customer_order_management.action_customer_order_analysis", {
            additionalContext: { search_default_last_12_months: 0, ...context },
            props: {
                domain: [["date_order", ">=", data.date_from], ...domain],
            },
        });
    }

    openBacklog(stage, bucket) {
        const domain = [["lifecycle_stage", "=", stage]];
        if (bucket) {
            domain.push(["stage_age_bucket", "in", [bucket]]);
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            name: _t("Backlog"),
            res_model: "sale.order",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain,
        });
    }
}

registry.category("actions").add("customer_order_management.order_dashboard", OrderDashboard);
