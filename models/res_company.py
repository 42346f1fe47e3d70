from odoo import api, fields, models


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
    order_delay_notice_since = fields.Datetime(
        string="Delay Notices Since",
        default=fields.Datetime.now,
        required=True,
        readonly=True,
        help="Delays are notified for promised dates from this time on: when the addon was "
        "installed, or the delay notices last switched on. Orders already late then are "
        "flagged, without notice.",
    )
    tracking_stall_days = fields.Integer(
        string="Stalled After (days)",
        default=3,
        help="A shipped delivery with no tracking news for this many days is flagged as "
        "stalled; 0 turns the check off.",
    )
    tracking_stall_notice = fields.Boolean(
        string="Stalled Shipment Notices",
        help="E-mail the customer once when their shipment has gone silent, to say we are on it.",
    )
    order_fax_gateway = fields.Char(
        string="Fax Gateway",
        help="E-mail address (name@example.com) or domain (example.com) of the fax-to-e-mail "
        "service: orders e-mailed from it are fax orders. Several entries may be separated "
        "by commas.",
    )
    order_duplicate_days = fields.Integer(
        string="Duplicate Window (days)",
        default=30,
        help="A document already received (same file), or a customer reference the customer "
        "already sent, within this many days creates no second order; 0 disables the check.",
    )
    order_intake_ack = fields.Boolean(
        string="Acknowledge Received Orders",
        default=True,
        help="E-mail the sender once what was read from their order document.",
    )
    order_intake_auto_review = fields.Boolean(
        string="Submit Read Orders to Review",
        help="Submit an order read from a document to review as soon as it is read, so the "
        "review rules run on its lines.",
    )
    return_window_days = fields.Integer(
        string="Return Window (days)",
        default=30,
        help="Days after delivery during which customers may request a return; 0 means no limit.",
    )
    repair_warranty_months = fields.Integer(
        string="Repair Warranty (months)",
        default=12,
        help="Months after delivery during which a returned item is repaired under warranty "
        "(free of charge), unless its product sets its own period.",
    )

    abc_threshold_a = fields.Float(
        string="Class A Share (%)",
        default=80.0,
        help="Products making up this cumulative share of the last 365 days' delivered "
        "sales value, best sellers first, are class A.",
    )
    abc_threshold_b = fields.Float(
        string="Class B Share (%)",
        default=95.0,
        help="Products after class A up to this cumulative share are class B; the rest is C.",
    )
    count_frequency_a = fields.Integer(string="Count Class A Every (days)", default=30)
    count_frequency_b = fields.Integer(string="Count Class B Every (days)", default=90)
    count_frequency_c = fields.Integer(string="Count Class C Every (days)", default=365)
    count_approval_value = fields.Monetary(
        string="Variance Approval Above (value)",
        currency_field="currency_id",
        default=500.0,
        help="A count whose line differs by more than this value (at cost) waits for a "
        "stock manager's approval; 0 disables the value check.",
    )
    count_approval_percent = fields.Float(
        string="Variance Approval Above (%)",
        default=10.0,
        help="A count whose line differs from the book quantity by more than this share "
        "waits for a stock manager's approval; 0 disables the percent check.",
    )

    _abc_thresholds_valid = models.Constraint(
        "CHECK(abc_threshold_a > 0 AND abc_threshold_a < abc_threshold_b "
        "AND abc_threshold_b <= 100)",
        "The ABC shares must satisfy 0 < class A share < class B share <= 100 %.",
    )
    _count_frequencies_positive = models.Constraint(
        "CHECK(count_frequency_a > 0 AND count_frequency_b > 0 AND count_frequency_c > 0)",
        "Count frequencies must be at least one day.",
    )
    _count_approval_positive = models.Constraint(
        "CHECK(count_approval_value >= 0 AND count_approval_percent >= 0)",
        "Variance approval thresholds cannot be negative.",
    )
    _tracking_stall_days_positive = models.Constraint(
        "CHECK(tracking_stall_days >= 0)", "The stall period cannot be negative."
    )
    _repair_warranty_months_positive = models.Constraint(
        "CHECK(repair_warranty_months >= 0)", "The repair warranty cannot be negative."
    )
    _return_window_days_positive = models.Constraint(
        "CHECK(return_window_days >= 0)", "The return window cannot be negative."
    )

    def write(self, vals):
        if vals.get("order_delay_notice") and "order_delay_notice_since" not in vals:
            # Switched on: the delays of before are not news to notify.
            switched_on = self.filtered(lambda c: not c.order_delay_notice)
            result = super().write(vals)
            if switched_on:
                switched_on.order_delay_notice_since = fields.Datetime.now()
            return result
        return super().write(vals)

    @api.model
    def _cron_run_per_company(self, steps):
        """The per-company loop of the nightly inventory crons: run ``steps``
        (callables taking one company) for every active company, in the
        order given, then commit that company's work, so a failing company
        leaves the ones before it done. Stops when the cron's time is up: the
        next run starts over, and steps that write only what changed redo
        nothing.

        Returns the companies whose steps all ran."""
        companies = self.search([("active", "=", True)])
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(companies))
        done = self.browse()
        for company in companies:
            for step in steps:
                step(company)
            done |= company
            if not cron._commit_progress(1):
                break
        return done
