import base64
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import date_utils

from ..tools.rendering import trend_svg


class CustomerOrderReportExport(models.TransientModel):
    _name = "customer.order.report.export"
    _description = "Export Order Report Pack"

    @api.model
    def _last_month(self):
        """The first and last day of last month, where the user is: the
        default period."""
        today = fields.Date.context_today(self)
        return date_utils.get_month(date_utils.subtract(today, months=1))

    date_from = fields.Date(required=True, default=lambda self: self._last_month()[0])
    date_to = fields.Date(required=True, default=lambda self: self._last_month()[1])
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    section_ids = fields.Many2many(
        "customer.order.report.section",
        "customer_order_report_export_section_rel",
        "export_id",
        "section_id",
        string="Sections",
        default=lambda self: self.env["customer.order.report.section"].search([]),
    )
    xlsx_file = fields.Binary(string="XLSX Pack", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(self.env._("The period ends before it starts."))

    def _get_report_data(self):
        """The data of the pack for the chosen period and sections (KPIs
        from the analysis's single service)."""
        self.ensure_one()
        codes = set(self.section_ids.mapped("code")) | {"summary"}
        return (
            self.env["customer.order.report.pack"]
            .with_company(self.company_id)
            ._get_data(self.date_from, self.date_to, codes, company=self.company_id)
        )

    def action_export_xlsx(self):
        self.ensure_one()
        content = self.env["customer.order.report.pack"]._render_xlsx(self._get_report_data())
        self.write(
            {
                "xlsx_file": base64.b64encode(content),
                "xlsx_filename": self.env._(
                    "Order report %(start)s - %(end)s.xlsx",
                    start=fields.Date.to_string(self.date_from),
                    end=fields.Date.to_string(self.date_to),
                ),
            }
        )
        # The file name in the path, quoted (its spaces, slashes, accents).
        filename = quote(self.xlsx_filename, safe="")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file/{filename}?download=true",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("customer_order_management.action_report_order_summary").report_action(
            self
        )

    @api.model
    def _svg_trend(self, trend, width=640, height=180):
        """The monthly revenue of ``trend`` as an inline SVG line chart, for
        the PDF summary (drawn by tools/rendering/svg.py)."""
        return trend_svg(trend, width=width, height=height)
