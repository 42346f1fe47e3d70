import { registry } from "@web/core/registry";

// The Order Desk kanban: the approved column, and open issues counted in
// words ("1 open issue", "2 open issues").
registry.category("web_tour.tours").add("customer_order_management_order_desk_tour", {
    url: "/odoo/action-customer_order_management.action_order_desk",
    steps: () => [
        {
            content: "An approved quotation waits in the Approved column",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Approved')) .o_kanban_record:contains('Order Desk Approved')",
        },
        {
            content: "One open issue, in the singular",
            trigger: ".o_kanban_record:contains('Order Desk One Issue') .badge:text('1 open issue')",
        },
        {
            content: "Two open issues, in the plural",
            trigger: ".o_kanban_record:contains('Order Desk Two Issues') .badge:text('2 open issues')",
        },
    ],
});
