import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_return_review_tour", {
    steps: () => [
        {
            content: "Open the return to review",
            trigger: ".o_data_row td[name='origin']:contains('Portal')",
            run: "click",
        },
        {
            content: "The request came from the portal",
            trigger: ".o_form_view .o_field_widget[name='origin']:contains('Portal')",
        },
        {
            content: "Approve the return",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_approve']",
            run: "click",
        },
        {
            content: "The return is approved",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
        {
            content: "The return authorization can be printed",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Print')",
        },
    ],
});
