from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _is_return_repair_quotation(self):
        """Whether ``self`` (one order) is the quotation of the repair of a
        returned item (Odoo's repair quotation, made when the item was
        received out of warranty): a fact of the repair, whose link to its
        quotation only our methods and Odoo's "Create Quotation" write (see
        ``repair.order.write``). The returned order itself, which covers a
        repair under warranty, is not one."""
        self.ensure_one()
        # sudo: the fact decides, whatever the confirming user may read.
        return any(
            repair.customer_return_line_id and repair.customer_return_order_id != self
            for repair in self.sudo().repair_order_ids
        )

    def _review_confirmation_error(self):
        # The workshop prices a repair of a returned item: its quotation is
        # not subject to the order review rules (a duplicate, an amount...),
        # and its customer accepts it on the portal.
        if self._is_return_repair_quotation():
            return False
        return super()._review_confirmation_error()

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
