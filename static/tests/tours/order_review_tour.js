import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_review_tour", {
    url: "/odoo/action-customer_order_management.action_order_desk_to_review",
    steps: () => [
        {
            content: "Open the order waiting for review",
            trigger: ".o_data_row td:contains('Order Desk Customer')",
            run: "click",
        },
        {
            content: "The order waits for review",
            trigger: ".o_form_view .ribbon:contains('In Review')",
        },
        {
            content: "Approve the order",
            trigger: ".o_form_view button[name='action_review_approve']",
            run: "click",
        },
        {
            content: "The order is approved",
            trigger: ".o_form_view .ribbon:contains('Approved')",
        },
        {
            content: "Confirm the order",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_confirm']:visible",
            run: "click",
        },
        {
            content: "The order is a sales order",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
    ],
});
