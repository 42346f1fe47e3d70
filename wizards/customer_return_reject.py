from odoo import fields, models


class CustomerReturnReject(models.TransientModel):
    _name = "customer.return.reject"
    _description = "Reject Customer Return"

    return_ids = fields.Many2many("customer.return", string="Returns", required=True)
    reason = fields.Text(required=True, help="Sent to the customer with the decision.")

    def action_reject(self):
        self.ensure_one()
        self.return_ids._action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
