{
    "name": "Customer Order Management",
    "summary": "Order desk: multi-channel intake, rule-based review and approval, "
    "confirmation back to the customer",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "Customer Order Management contributors",
    "website": "https://github.com/customer-order-management/customer_order_management",
    "maintainers": ["customer-order-management"],
    "depends": ["sale_stock", "stock_delivery", "portal"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/customer_order_management_groups.xml",
        "security/ir.model.access.csv",
        "security/customer_order_management_security.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_alias_data.xml",
        "data/sale_order_review_rule_data.xml",
        "wizards/sale_order_review_reject_views.xml",
        "views/sale_order_review_rule_views.xml",
        "views/sale_order_review_issue_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/customer_order_management_menus.xml",
    ],
    "demo": [
        "demo/sale_order_review_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_order_management/static/tests/tours/*.js",
        ],
    },
}
