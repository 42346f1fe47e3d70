import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_dashboard_tour", {
    steps: () => [
        {
            content: "The overview shows the orders of the period",
            trigger: ".o_com_dashboard .o_com_kpi_orders .o_com_kpi_value:contains('1')",
        },
        {
            content: "The backlog lists the confirmed order",
            trigger: ".o_com_dashboard .o_com_backlog tr:contains('Confirmed') td a",
        },
        {
            content: "Look at the last 90 days",
            trigger: ".o_com_dashboard_periods button:contains('90')",
            run: "click",
        },
        {
            content: "Drill into the revenue",
            trigger: ".o_com_dashboard .o_com_kpi_revenue",
            run: "click",
        },
        {
            content: "The order analysis opens on the same period",
            trigger: ".o_pivot .o_pivot_cell_value:contains('1,234')",
        },
    ],
});
