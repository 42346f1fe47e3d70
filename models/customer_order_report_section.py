from odoo import fields, models

SECTIONS = [
    ("summary", "Summary"),
    ("channels", "Channels"),
    ("products", "Products"),
    ("customers", "Customers"),
    ("returns", "Returns"),
    ("repairs", "Repairs"),
    ("backlog", "Backlog"),
    ("inventory", "Inventory"),
]


class CustomerOrderReportSection(models.Model):
    _name = "customer.order.report.section"
    _description = "Order Report Section"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(SECTIONS, required=True)
    sequence = fields.Integer(default=10)

    _code_unique = models.Constraint("UNIQUE(code)", "Each section exists once.")
