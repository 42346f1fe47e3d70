from odoo import api, fields, models
from odoo.tools import SQL, email_split

ORDER_CHANNELS = [
    ("phone", "Phone"),
    ("fax", "Fax"),
    ("email", "E-mail"),
    ("website", "Website"),
    ("portal", "Portal"),
    ("edi", "EDI"),
    ("other", "Other"),
]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    order_channel = fields.Selection(
        ORDER_CHANNELS,
        string="Channel",
        default="other",
        required=True,
        tracking=True,
        help="Where the order came from. Set automatically for e-mail, website, portal "
        "and EDI orders.",
    )
    received_date = fields.Datetime(
        string="Received On", default=fields.Datetime.now, copy=False, tracking=True
    )

    def _init_column(self, column_name):
        if column_name != "received_date":
            return super()._init_column(column_name)
        # Orders already in the database when the addon is installed came in
        # when they were entered, or on their order date if earlier: never
        # after their confirmation (not on the day of the install).
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order "
                "SET received_date = date_trunc('second', LEAST(create_date, date_order)) "
                "WHERE received_date IS NULL"
            )
        )
        return None

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "order_channel" not in vals and not self.env.context.get("default_order_channel"):
                channel = self._get_order_channel_from_vals(vals)
                if channel:
                    vals["order_channel"] = channel
        return super().create(vals_list)

    @api.model
    def _get_order_channel_from_vals(self, vals):
        """Hook: guess the channel of an order about to be created.

        Called by ``create`` when no channel is given; a website order (any
        module that sets ``website_id``) is a ``website`` order."""
        if vals.get("website_id"):
            return "website"
        return False

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """E-mail intake: an e-mail to the order alias becomes a draft order of
        the sender (created when unknown); the e-mail, its attachments
        included, is the first message of the order's chatter."""
        values = dict(custom_values or {})
        partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if not partner and msg_dict.get("email_from"):
            partner = self.env["res.partner"]._find_or_create_from_emails([msg_dict["email_from"]])[
                0
            ]
        values.setdefault("partner_id", partner.id)
        if self._is_fax_gateway(msg_dict.get("email_from")):
            values["order_channel"] = "fax"
        values.setdefault("order_channel", "email")
        values.setdefault("origin", (msg_dict.get("subject") or "")[:200] or False)
        # Keep the order number: without a name, mail.thread would use the subject.
        values.setdefault("name", self.env._("New"))
        # The gateway runs as OdooBot: leave the salesperson to the partner's.
        return super(SaleOrder, self.with_context(default_user_id=False)).message_new(
            msg_dict, custom_values=values
        )

    @api.model
    def _is_fax_gateway(self, email_from):
        """Whether ``email_from`` is the company's fax-to-e-mail service
        (its address or its domain, see the Fax Gateway setting)."""
        gateway = self.env.company.order_fax_gateway
        emails = email_split(email_from or "")
        if not gateway or not emails:
            return False
        email = emails[0].lower()
        domain = email.rpartition("@")[2]
        entries = {entry.strip().lower().lstrip("@") for entry in gateway.split(",")}
        return email in entries or domain in entries

    def create_document_from_attachment(self, attachment_ids):
        return super(
            SaleOrder, self.with_context(default_order_channel="edi")
        ).create_document_from_attachment(attachment_ids)

    # ------------------------------------------------------------------
    # Review: actions
