from odoo import fields, models
from odoo.exceptions import UserError


class SaleOrderReviewReject(models.TransientModel):
    _name = "sale.order.review.reject"
    _description = "Reject Order Review"

    order_ids = fields.Many2many("sale.order", string="Orders", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason of the rejection."))
        self.order_ids._action_review_reject(self.reason.strip())
        return {"type": "ir.actions.act_window_close"}
