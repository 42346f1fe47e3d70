from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    order_review_sla_hours = fields.Integer(
        related="company_id.order_review_sla_hours", readonly=False
    )
    order_confirmation_email = fields.Boolean(
        related="company_id.order_confirmation_email", readonly=False
    )
    order_auto_confirm = fields.Boolean(related="company_id.order_auto_confirm", readonly=False)
    order_shipment_email = fields.Boolean(related="company_id.order_shipment_email", readonly=False)
    order_delay_notice = fields.Boolean(related="company_id.order_delay_notice", readonly=False)
    order_delay_notice_since = fields.Datetime(related="company_id.order_delay_notice_since")
    tracking_stall_days = fields.Integer(related="company_id.tracking_stall_days", readonly=False)
    tracking_stall_notice = fields.Boolean(
        related="company_id.tracking_stall_notice", readonly=False
    )
    order_fax_gateway = fields.Char(related="company_id.order_fax_gateway", readonly=False)
    order_duplicate_days = fields.Integer(related="company_id.order_duplicate_days", readonly=False)
    order_intake_ack = fields.Boolean(related="company_id.order_intake_ack", readonly=False)
    order_intake_auto_review = fields.Boolean(
        related="company_id.order_intake_auto_review", readonly=False
    )
    return_window_days = fields.Integer(related="company_id.return_window_days", readonly=False)
    repair_warranty_months = fields.Integer(
        related="company_id.repair_warranty_months", readonly=False
    )
    abc_threshold_a = fields.Float(related="company_id.abc_threshold_a", readonly=False)
    abc_threshold_b = fields.Float(related="company_id.abc_threshold_b", readonly=False)
    count_frequency_a = fields.Integer(related="company_id.count_frequency_a", readonly=False)
    count_frequency_b = fields.Integer(related="company_id.count_frequency_b", readonly=False)
    count_frequency_c = fields.Integer(related="company_id.count_frequency_c", readonly=False)
    count_approval_value = fields.Monetary(
        related="company_id.count_approval_value", readonly=False
    )
    count_approval_percent = fields.Float(
        related="company_id.count_approval_percent", readonly=False
    )
    order_intake_alias_id = fields.Many2one(
        "mail.alias",
        compute="_compute_order_intake_alias_id",
    )

    def _compute_order_intake_alias_id(self):
        alias = self.env.ref(
            "customer_order_management.mail_alias_order_intake", raise_if_not_found=False
        )
        self.order_intake_alias_id = alias
