from odoo import models

# Context key set by the addon's own customer e-mails while modules load:
# their reports are not rendered then (see ``report_context``).
SKIP_REPORTS_KEY = "customer_order_management_skip_reports"


def report_context(env):
    """The context of a customer e-mail sent now, by the addon's own code.

    While modules load (install, upgrade: the demo data approves returns and
    confirms orders) no HTTP server serves a report's stylesheet to
    wkhtmltopdf: an attached PDF would print unstyled, for good, in the
    chatter and the e-mail. Its reports are left out then; the customer
    prints the document from the portal, rendered when asked."""
    return {} if env.registry.ready else {SKIP_REPORTS_KEY: True}


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _generate_template_attachments(self, res_ids, render_fields, render_results=None):
        # The key only leaves reports out of an e-mail, and only while modules
        # load: sent by a client at any other time, it changes nothing.
        if self.env.context.get(SKIP_REPORTS_KEY) and not self.env.registry.ready:
            render_fields = [name for name in render_fields if name != "report_template_ids"]
        return super()._generate_template_attachments(res_ids, render_fields, render_results)
