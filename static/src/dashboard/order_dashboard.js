import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

const PERIODS = [7, 30, 90, 365];
// The revenue chart's drawing box (SVG units) and its margins: the value
// axis' labels on the left, the amounts above the bars, the months (and
// their year) below.
const CHART = { width: 800, height: 310, left: 70, right: 10, top: 22, bottom: 40 };

/**
 * Order Desk overview: KPI tiles with the trend against the previous period,
 * the monthly revenue trend and the backlog by stage and age. Every number,
 * and the action each tile opens (exactly the records behind its figure),
 * comes from one server call (customer.order.kpi.get_dashboard_data); the
 * backlog's cells open the orders through customer.order.kpi's
 * action_open_backlog.
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

    /**
     * The KPI tiles as the server gives them (figure, change against the
     * previous period and the action opening the records behind the figure),
     * with their figure formatted for display.
     */
    get tiles() {
        const { tiles, currency_id } = this.state.data;
        const formats = {
            count: (value) => String(value),
            money: (value) => formatCurrency(value || 0, currency_id),
            rate: (value) => `${(value * 100).toFixed(1)} %`,
            hours: (value) => `${value.toFixed(1)} h`,
        };
        return tiles.map((tile) => ({
            ...tile,
            display: tile.value === null ? "–" : formats[tile.kind](tile.value),
            trendClass:
                tile.trend.good === null
                    ? "text-muted"
                    : tile.trend.good
                      ? "text-success"
                      : "text-danger",
        }));
    }

    /**
     * The revenue chart's geometry (in the SVG's own units): one bar per
     * month with its amount above and its month below, and the value axis
     * with the server's round ticks, labelled in the company's currency.
     */
    get chart() {
        const { trend, chart } = this.state.data;
        const { width, height, left, right, top, bottom } = CHART;
        const plotWidth = width - left - right;
        const plotHeight = height - top - bottom;
        const max = chart.top || 1;
        const y = (value) => top + plotHeight - (Math.max(value, 0) / max) * plotHeight;
        const slot = plotWidth / Math.max(trend.length, 1);
        const barWidth = Math.min(slot * 0.7, 64);
        return {
            ...CHART,
            baseline: y(0),
            ticks: chart.ticks.map((tick) => ({ ...tick, y: y(tick.value) })),
            bars: trend.map((point, index) => {
                const center = left + slot * index + slot / 2;
                return {
                    ...point,
                    center,
                    x: center - barWidth / 2,
                    y: y(point.revenue),
                    width: barWidth,
                    height: y(0) - y(point.revenue),
                };
            }),
        };
    }

    openTile(tile) {
        this.action.doAction(tile.action);
    }

    async openBacklog(stage, bucket = false) {
        const action = await this.orm.call("customer.order.kpi", "action_open_backlog", [stage, bucket]);
        this.action.doAction(action);
    }
}

registry.category("actions").add("customer_order_management.order_dashboard", OrderDashboard);
