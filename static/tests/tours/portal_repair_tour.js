import { registry } from "@web/core/registry";

// The customer asks for a repair of a delivered lamp (the Python test then
// receives it, prices the repair and sends the quotation).
registry.category("web_tour.tours").add("customer_order_management_portal_repair_request_tour", {
    steps: () => [
        {
            content: "Ask to return the lamp of the delivered order",
            trigger: "#order_returns a.o_com_request_return",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The lamp can be repaired",
            trigger: "form.o_com_return_form td:contains('Repairable')",
        },
        {
            content: "Send one lamp in",
            trigger: "form.o_com_return_form input[name^='qty_']",
            run: "edit 1",
        },
        {
            content: "Choose the reason",
            trigger: "form.o_com_return_form select[name='reason_id']",
            run: "selectByLabel Damaged on arrival",
        },
        {
            content: "Ask for a repair",
            trigger: "form.o_com_return_form #resolution_repair",
            run: "click",
        },
        {
            content: "Send the request",
            trigger: "form.o_com_return_form button.o_com_return_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The repair request is submitted",
            trigger: ".o_com_return #return_state:contains('Submitted')",
        },
    ],
});

// Back on the return, the customer opens the repair's quotation and accepts
// it by signing.
registry.category("web_tour.tours").add("customer_order_management_portal_repair_quotation_tour", {
    steps: () => [
        {
            content: "The repair shows it was received",
            trigger: "#return_repairs li[name='repair_step_received'] .fa-check-circle",
        },
        {
            content: "Open the quotation of the repair",
            trigger: "#return_repairs a.o_com_repair_quotation",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Wait for the quotation page",
            trigger: "body[is-ready=true]",
        },
        {
            content: "Accept and sign",
            trigger: ".o_portal_sale_sidebar .btn-primary",
            run: "click",
        },
        {
            content: "The signature is drawn from the customer's name",
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign with the name",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The quotation is accepted",
            trigger: "#quote_content:contains('Thank You')",
        },
    ],
});
