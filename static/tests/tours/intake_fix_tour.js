import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_intake_fix_tour", {
    steps: () => [
        {
            content: "The e-mailed order has a row nobody could match",
            trigger: ".o_form_view .o_field_widget[name='intake_state']:contains('Needs Attention')",
        },
        {
            content: "Open the rows of the customer's document",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Document Rows')",
            run: "click",
        },
        {
            content: "Map the unknown row to a product",
            trigger: ".o_field_widget[name='intake_row_ids'] .o_data_row:contains('ZZ-77') button[name='action_intake_map_product']",
            run: "click",
        },
        {
            content: "Pick the product",
            trigger: ".modal .o_field_widget[name='product_id'] input",
            run: "edit Office Chair",
        },
        {
            content: "Choose it in the list",
            trigger: ".o-autocomplete--dropdown-item a:contains('Office Chair')",
            run: "click",
        },
        {
            content: "Map",
            trigger: ".modal button[name='action_map']",
            run: "click",
        },
        {
            content: "Every row is on the order",
            trigger: ".o_form_view .o_field_widget[name='intake_state']:contains('Read')",
        },
        {
            content: "The row is now a product line",
            trigger: ".o_form_view .o_field_widget[name='order_line'] .o_data_row:contains('Office Chair')",
        },
    ],
});
