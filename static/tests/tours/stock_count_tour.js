import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_stock_count_tour", {
    steps: () => [
        {
            content: "Open the count assigned to me",
            trigger: ".o_kanban_record:contains('Count Shelf')",
            run: "click",
        },
        {
            content: "A blind count hides the book quantity",
            trigger: ".o_form_view .o_field_widget[name='line_ids']:not(:has(th[data-name='theoretical_qty']))",
        },
        {
            content: "Enter the quantity counted for the chair",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:contains('Count Chair') td[name='counted_qty']",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='line_ids'] .o_data_row td[name='counted_qty'] input",
            run: "edit 9",
        },
        {
            content: "Validate the count",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_validate']",
            run: "click",
        },
        {
            content: "The small variance is applied at once",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "Once done, the book quantity shows again",
            trigger: ".o_form_view .o_field_widget[name='line_ids'] td[name='theoretical_qty']:contains('10')",
        },
    ],
});
