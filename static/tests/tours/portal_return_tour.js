import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_portal_return_tour", {
    steps: () => [
        {
            content: "Ask to return products of the delivered order",
            trigger: "#order_returns a.o_com_request_return",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Return two lamps",
            trigger: "form.o_com_return_form input[name^='qty_']",
            run: "edit 2",
        },
        {
            content: "Choose the reason",
            trigger: "form.o_com_return_form select[name='reason_id']",
            run: "selectByLabel Damaged on arrival",
        },
        {
            content: "Ask for an exchange",
            trigger: "form.o_com_return_form #resolution_exchange",
            run: "click",
        },
        {
            content: "Explain",
            trigger: "form.o_com_return_form textarea[name='note']",
            run: "edit The lamp shade was cracked",
        },
        {
            content: "Send the request",
            trigger: "form.o_com_return_form button.o_com_return_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The return is submitted",
            trigger: ".o_com_return #return_state:contains('Submitted')",
        },
        {
            content: "Its progress shows the request",
            trigger: "#return_timeline li[name='return_step_submitted'] .fa-check-circle",
        },
    ],
});
