from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    order_review_sla_hours = fields.Integer(
        string="Review SLA (hours)",
        default=24,
        help="Time a reviewer has to decide on an order waiting for review; "
        "it sets the deadline of the review activities.",
    )
    order_confirmation_email = fields.Boolean(
        string="Send Confirmation E-mail",
        default=True,
        help="E-mail the customer Odoo's order confirmation when a reviewed order is confirmed.",
    )
    order_auto_confirm = fields.Boolean(
        string="Confirm on Approval",
        help="Confirm an order as soon as its review is approved.",
    )
    order_shipment_email = fields.Boolean(
        string="Shipment E-mails",
        default=True,
        help="E-mail the customer when a delivery ships, leaves a backorder and is delivered.",
    )
    order_delay_notice = fields.Boolean(
        string="Delay Notices",
        default=True,
        help="E-mail the customer once when the promised date of an order slips.",
    )
    return_window_days = fields.Integer(
        string="Return Window (days)",
        default=30,
        help="Days after delivery during which customers may request a return; 0 means no limit.",
    )

    _return_window_days_positive = models.Constraint(
        "CHECK(return_window_days >= 0)", "The return window cannot be negative."
    )
