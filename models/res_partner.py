import babel.dates

from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _get_customer_tz(self, company):
        """The timezone of every time shown to this customer (portal pages,
        e-mails, documents) about a document of ``company``: the contact's
        own, else that of its company (commercial entity), else the selling
        company's (its address, else its working hours), else UTC.

        The one rule: override it to place customers elsewhere."""
        self.ensure_one()
        # sudo: the seller's timezone is read for any visitor of the portal.
        company = company.sudo()
        candidates = (
            self.tz,
            self.commercial_partner_id.tz,
            company.partner_id.tz,
            company.resource_calendar_id.tz,
        )
        # A zone this server does not know (stored before tzdata dropped it)
        # is skipped: it would break the page or e-mail that shows the time.
        return next((tz for tz in candidates if tz and _is_known_tz(tz)), "UTC")

    def _format_customer_datetime(self, value, company, date_only=False):
        """``value`` (a UTC datetime) as this customer reads it: in their
        timezone (``_get_customer_tz``), in the language of the rendering
        (the customer's in e-mails, the visitor's on the portal), without
        seconds; only the date if ``date_only``."""
        if not value:
            return ""
        return self.env["ir.qweb.field.datetime"].value_to_html(
            value,
            {
                "tz_name": self._get_customer_tz(company),
                "hide_seconds": True,
                "date_only": date_only,
            },
        )


def _is_known_tz(name):
    try:
        babel.dates.get_timezone(name)
    except LookupError:
        return False
    return True
