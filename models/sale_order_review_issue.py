from odoo import api, fields, models

from ..tools import check_protected_create, check_protected_write

# An issue is a rule's verdict and its decision: only the review methods
# create or change one (see tools/protected.py).
ISSUE_OWNED_FIELDS = {
    "order_id",
    "rule_id",
    "message",
    "blocking",
    "state",
    "decided_by_id",
    "decided_date",
}


class SaleOrderReviewIssue(models.Model):
    _name = "sale.order.review.issue"
    _description = "Order Review Issue"
    _order = "blocking desc, id"

    order_id = fields.Many2one("sale.order", required=True, index=True, ondelete="cascade")
    rule_id = fields.Many2one("sale.order.review.rule", ondelete="restrict")
    message = fields.Text(required=True)
    blocking = fields.Boolean()
    state = fields.Selection(
        [("open", "Open"), ("approved", "Approved"), ("rejected", "Rejected")],
        default="open",
        required=True,
        index=True,
    )
    approver_group_id = fields.Many2one(
        related="rule_id.approver_group_id", string="Approver Group"
    )
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_date = fields.Datetime(string="Decided On", readonly=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer")
    user_id = fields.Many2one(related="order_id.user_id", string="Salesperson")
    check_type = fields.Selection(related="rule_id.check_type")

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, ISSUE_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, ISSUE_OWNED_FIELDS)
        return super().write(vals)

    def _can_be_decided_by(self, user):
        """Return the issues of ``self`` that ``user`` may approve or reject."""
        return self.filtered(
            lambda issue: (
                not issue.approver_group_id or issue.approver_group_id in user.all_group_ids
            )
        )
