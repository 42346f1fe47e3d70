import base64

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerOrderReportExport(models.TransientModel):
    _name = "customer.order.report.export"
    _description = "Export Order Report Pack"

    date_from = fields.Date(
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        ),
    )
    date_to = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1) - relativedelta(days=1),
    )
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
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file/{self.xlsx_filename}"
            "?download=true",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("customer_order_management.action_report_order_summary").report_action(
            self
        )

    @api.model
    def _svg_trend(self, trend, width=640, height=180):
        """An inline SVG line chart of the monthly revenue: no extra
        dependency, renders in wkhtmltopdf."""
        if not trend:
            return Markup("")
        values = [point["revenue"] or 0.0 for point in trend]
        top = max(values) or 1.0
        pad = 24
        step = (width - 2 * pad) / max(len(values) - 1, 1)
        points = [
            (pad + index * step, height - pad - (value / top) * (height - 2 * pad))
            for index, value in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#714B67"/>' for x, y in points
        )
        labels = "".join(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
            f"{point['month'].strftime('%m/%y')}</text>"
            for (x, _y), point in zip(points, trend, strict=True)
        )
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" class="o_com_trend">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
            f'stroke="#999"/>'
            f'<polyline fill="none" stroke="#714B67" stroke-width="2" points="{path}"/>'
            f"{dots}{labels}</svg>"
        )
