from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_returnable = fields.Boolean(
        string="Returnable",
        default=True,
        help="Customers may ask to return this product (backend and portal).",
    )
