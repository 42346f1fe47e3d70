from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_cancel(self):
        """A cancelled repair quotation of a returned item is a refusal
        (declined by the customer on the portal, or cancelled by staff): the
        item ships back unrepaired."""
        result = super()._action_cancel()
        # sudo: the refusal follows the quotation, whoever cancels it (a
        # customer on the portal has no repair rights).
        repairs = self.sudo().repair_order_ids.filtered(
            lambda r: (
                r.customer_return_line_id
                and r.sale_order_id != r.customer_return_order_id
                and r.state not in ("done",)
            )
        )
        repairs._refuse_return_repair()
        return result

    def _action_confirm(self):
        result = super()._action_confirm()
        # sudo: the customer accepting on the portal has no repair rights.
        repairs = self.sudo().repair_order_ids.filtered(
            lambda r: r.customer_return_line_id and r.sale_order_id != r.customer_return_order_id
        )
        for repair in repairs:
            repair.message_post(
                body=self.env._("The customer accepted quotation %s.", repair.sale_order_id.name)
            )
        return result
