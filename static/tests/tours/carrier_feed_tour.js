import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("customer_order_management_carrier_feed_tour", {
    steps: () => [
        {
            content: "Open the carrier's tracking webhook settings",
            trigger: ".o_form_view .o_notebook a[name='tracking_webhook']",
            run: "click",
        },
        {
            content: "A generic feed needs no signing secret",
            trigger: ".o_form_view:not(:has(.o_field_widget[name='tracking_webhook_secret']))",
        },
        {
            content: "The carrier's feed comes from 快递100",
            trigger: ".o_field_widget[name='tracking_provider'] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('快递100 (Kuaidi100)')",
            run: "click",
        },
        {
            content: "The form says what to paste where in 快递100",
            trigger: ".o_com_provider_setup:contains('callbackurl'):contains('salt')",
        },
        {
            content: "The webhook URL to paste as callbackurl is shown",
            trigger: ".o_field_widget[name='tracking_webhook_url']:contains('/customer_order_management/tracking/')",
        },
        {
            content: "Enter the salt; it is typed like a password",
            trigger: ".o_field_widget[name='tracking_webhook_secret'] input[type='password']",
            run: "edit tour-salt-42",
        },
        ...stepUtils.saveForm(),
    ],
});
