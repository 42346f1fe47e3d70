import base64

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from .customer_order_report_section import SECTIONS

DEPARTMENT_SECTIONS = {
    "sales": ["summary", "channels", "products", "customers"],
    "warehouse": ["summary", "backlog", "inventory", "returns"],
    "finance": ["summary", "channels", "customers", "returns"],
    "management": [key for key, _label in SECTIONS],
}
FREQUENCY_DELTAS = {
    "daily": relativedelta(days=1),
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
}


class CustomerOrderReportSchedule(models.Model):
    _name = "customer.order.report.schedule"
    _description = "Scheduled Order Report Pack"
    _inherit = ["mail.thread"]
    _order = "next_run_date, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    department = fields.Selection(
        [
            ("sales", "Sales"),
            ("warehouse", "Warehouse"),
            ("finance", "Finance"),
            ("management", "Management"),
        ],
        help="Picks the sections this department needs; adjust them freely.",
    )
    recipient_ids = fields.Many2many(
        "res.partner", string="Recipients", required=True, tracking=True
    )
    frequency = fields.Selection(
        [("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")],
        required=True,
        default="weekly",
        tracking=True,
    )
    next_run_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The pack goes out on this day, covering the period that ended the day before.",
    )
    last_sent_period_end = fields.Date(
        readonly=True, copy=False, help="End of the last period sent: a period goes out once."
    )
    tz = fields.Selection(
        _tz_get,
        string="Timezone",
        required=True,
        default=lambda self: self.env.user.tz or "UTC",
        help="The days of the periods and the months of the trend are counted in this "
        "timezone, whoever sends the pack.",
    )
    report_format = fields.Selection(
        [("xlsx", "XLSX"), ("pdf", "PDF"), ("both", "XLSX and PDF")],
        string="Format",
        required=True,
        default="both",
    )
    section_ids = fields.Many2many(
        "customer.order.report.section",
        "customer_order_report_schedule_section_rel",
        "schedule_id",
        "section_id",
        string="Sections",
        default=lambda self: self.env["customer.order.report.section"].search([]),
    )

    @api.onchange("department")
    def _onchange_department(self):
        if self.department:
            codes = DEPARTMENT_SECTIONS[self.department]
            self.section_ids = self.env["customer.order.report.section"].search(
                [("code", "in", codes)]
            )

    @api.constrains("recipient_ids", "name")
    def _check_recipients(self):
        # "name" is always written on creation: the check runs even when no
        # recipient is given at all.
        for schedule in self:
            if not schedule.recipient_ids:
                raise ValidationError(
                    self.env._("Schedule %s needs at least one recipient.", schedule.name)
                )
            missing = schedule.recipient_ids.filtered(lambda p: not p.email)
            if missing:
                raise ValidationError(
                    self.env._(
                        "These recipients have no e-mail address: %s",
                        ", ".join(missing.mapped("display_name")),
                    )
                )

    def _get_period(self, run_date=None):
        """The period a run on ``run_date`` covers: the ``frequency`` that
        ended the day before."""
        self.ensure_one()
        end = (run_date or self.next_run_date) - relativedelta(days=1)
        start = end - FREQUENCY_DELTAS[self.frequency] + relativedelta(days=1)
        return start, end

    def _today(self):
        """Today where the schedule is."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.tz))

    def _build_attachments(self, date_from, date_to):
        self.ensure_one()
        # Counted in the schedule's timezone, whoever sends it.
        env = self.with_context(tz=self.tz).env
        Pack = env["customer.order.report.pack"].with_company(self.company_id)
        codes = set(self.section_ids.mapped("code")) | {"summary"}
        attachments = []
        stem = self.env._(
            "Order report %(start)s - %(end)s",
            start=fields.Date.to_string(date_from),
            end=fields.Date.to_string(date_to),
        )
        if self.report_format in ("xlsx", "both"):
            data = Pack._get_data(date_from, date_to, codes, company=self.company_id)
            attachments.append((f"{stem}.xlsx", Pack._render_xlsx(data)))
        if self.report_format in ("pdf", "both"):
            wizard = (
                env["customer.order.report.export"]
                .with_company(self.company_id)
                .create(
                    {
                        "date_from": date_from,
                        "date_to": date_to,
                        "section_ids": self.section_ids.ids,
                        "company_id": self.company_id.id,
                    }
                )
            )
            pdf, _type = env["ir.actions.report"]._render_qweb_pdf(
                "customer_order_management.action_report_order_summary", wizard.ids
            )
            attachments.append((f"{stem}.pdf", pdf))
        return attachments

    def _send_pack(self, date_from, date_to):
        self.ensure_one()
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "datas": base64.b64encode(content),
                    "res_model": self._name,
                    "res_id": self.id,
                }
                for name, content in self._build_attachments(date_from, date_to)
            ]
        )
        self.message_post(
            body=self.env._(
                "Order management report for %(start)s to %(end)s.",
                start=fields.Date.to_string(date_from),
                end=fields.Date.to_string(date_to),
            ),
            subject=self.env._(
                "%(company)s: %(name)s", company=self.company_id.name, name=self.name
            ),
            partner_ids=self.recipient_ids.ids,
            attachment_ids=attachments.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def action_send_now(self):
        """Send the pack of the period that ended yesterday, now; the
        schedule itself does not move."""
        for schedule in self:
            schedule._send_pack(*schedule._get_period(schedule._today()))
        return True

    @api.model
    def _cron_send_due_packs(self, batch_size=20):
        """Send every due pack once per period, then roll the schedule
        forward; batched with progress commits. A schedule is due on its
        own day, where it is."""
        # No timezone is more than a day ahead of UTC.
        latest = fields.Date.today() + relativedelta(days=1)
        due = self.search([("next_run_date", "<=", latest)]).filtered(
            lambda schedule: schedule.next_run_date <= schedule._today()
        )
        self.env["ir.cron"]._commit_progress(remaining=len(due))
        for start in range(0, len(due), batch_size):
            for schedule in due[start : start + batch_size]:
                date_from, date_to = schedule._get_period()
                if schedule.last_sent_period_end != date_to:
                    schedule._send_pack(date_from, date_to)
                next_date, today = schedule.next_run_date, schedule._today()
                while next_date <= today:
                    next_date += FREQUENCY_DELTAS[schedule.frequency]
                schedule.write({"last_sent_period_end": date_to, "next_run_date": next_date})
            if not self.env["ir.cron"]._commit_progress(len(due[start : start + batch_size])):
                break
