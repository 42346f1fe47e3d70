from odoo import api, fields, models


class ProductCustomerCode(models.Model):
    _name = "product.customer.code"
    _description = "Customer Product Code"
    _order = "partner_id, code"
    _rec_name = "code"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('is_company', '=', True)]",
        help="The customer (company) who uses this code on their purchase orders.",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    code = fields.Char(required=True, help="The product's code on the customer's orders.")
    name = fields.Char(
        string="Customer Description", help="The product's name on the customer's orders."
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", store=True, index=True, string="Product Template"
    )
    company_id = fields.Many2one(related="product_id.company_id", store=True, index=True)

    _partner_code_unique = models.UniqueIndex(
        "(partner_id, code)", "A customer uses each of their product codes only once."
    )

    @api.model
    def _normalize_vals(self, vals):
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id
        if vals.get("code"):
            vals["code"] = vals["code"].strip()
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalize_vals(dict(vals)) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalize_vals(dict(vals)))


class ProductProduct(models.Model):
    _inherit = "product.product"

    customer_code_ids = fields.One2many(
        "product.customer.code", "product_id", string="Customer Codes"
    )


class ProductTemplate(models.Model):
    _inherit = "product.template"

    customer_code_ids = fields.One2many(
        "product.customer.code", "product_tmpl_id", string="Customer Codes"
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_code_ids = fields.One2many(
        "product.customer.code", "partner_id", string="Customer Product Codes"
    )
