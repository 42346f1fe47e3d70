from odoo import fields, models


class CustomerReturnReason(models.Model):
    _name = "customer.return.reason"
    _description = "Return Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _name_unique = models.Constraint("UNIQUE(name)", "A return reason with this name exists.")
