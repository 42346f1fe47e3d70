from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class SaleOrderIntakeMap(models.TransientModel):
    _name = "sale.order.intake.map"
    _description = "Map a Document Row to a Product"

    line_id = fields.Many2one("sale.order.line", required=True, ondelete="cascade")
    row = fields.Text(related="line_id.name", string="Row")
    code = fields.Char(related="line_id.intake_code", string="Customer Code")
    company_id = fields.Many2one(related="line_id.order_id.company_id")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('sale_ok', '=', True), ('company_id', 'in', [False, company_id])]",
    )
    quantity = fields.Float(required=True, digits="Product Unit", default=1.0)
    remember_code = fields.Boolean(
        string="Remember the Customer's Code",
        default=True,
        help="Save the customer's code for this product: their next orders match it.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        line = self.env["sale.order.line"].browse(values.get("line_id"))
        if line.exists() and line.intake_quantity > 0:
            values["quantity"] = line.intake_quantity
        return values

    def action_map(self):
        self.ensure_one()
        line = self.line_id
        order = line.order_id
        if not line.intake_row_state:
            raise UserError(self.env._("This row is already on the order."))
        if order.state != "draft":
            raise UserError(self.env._("Only the rows of a quotation can be mapped."))
        if self.quantity <= 0:
            raise UserError(self.env._("The quantity must be positive."))
        order.check_access("write")
        code, description = line.intake_code, line.intake_description
        product, remember = self.product_id, self.remember_code
        order.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "sequence": line.sequence,
                            "product_id": product.id,
                            "product_uom_qty": self.quantity,
                        }
                    ),
                    Command.unlink(line.id),
                ]
            }
        )
        partner = order.partner_id.commercial_partner_id
        if remember and code:
            CustomerCode = self.env["product.customer.code"]
            if not CustomerCode.search_count(
                [("partner_id", "=", partner.id), ("code", "=", code)], limit=1
            ):
                CustomerCode.create(
                    {
                        "partner_id": partner.id,
                        "product_id": product.id,
                        "code": code,
                        "name": description or False,
                    }
                )
        order._intake_finish()
        return {"type": "ir.actions.act_window_close"}
