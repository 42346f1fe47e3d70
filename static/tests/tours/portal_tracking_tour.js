import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_order_management_portal_tracking_tour", {
    steps: () => [
        {
            content: "The order page shows its progress",
            trigger: "#order_timeline h4:contains('Order Progress')",
        },
        {
            content: "The shipment is in transit",
            trigger: "#order_timeline .badge:contains('In Transit')",
        },
        {
            content: "Its events are listed",
            trigger: "#order_timeline .o_com_tracking_events li:contains('Rotterdam hub')",
        },
        {
            content: "The carrier's tracking link is there",
            trigger: "#order_timeline a.o_com_tracking_link[href*='ref=PT-1']",
        },
    ],
});
