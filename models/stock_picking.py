from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty
from odoo.tools.mail import parse_contact_from_email

from ..tools import check_protected_create, check_protected_write, write_protected
from .stock_picking_tracking_event import SHIPMENT_STATES

# What the shipment's own events and the returns set: never a direct write
# (the return window counts from ``shipped_date``).
PICKING_OWNED_FIELDS = {"shipment_state", "shipped_date", "delivered_date", "customer_return_id"}
# The layout of the customer's shipment e-mails.
SHIPMENT_MAIL_LAYOUT = "mail.mail_notification_light"


def _template_adds_files(template):
    """Whether ``template`` attaches files or reports to its e-mails: one
    count for both relations instead of reading each."""
    return bool(
        template.with_context(active_test=False).search_count(
            [
                ("id", "=", template.id),
                "|",
                ("attachment_ids", "!=", False),
                ("report_template_ids", "!=", False),
            ],
            limit=1,
        )
    )


class StockPicking(models.Model):
    _inherit = "stock.picking"

    shipment_state = fields.Selection(
        SHIPMENT_STATES,
        string="Shipment",
        compute="_compute_shipment_state",
        store=True,
        tracking=True,
        index=True,
        help="Where the goods of a delivery are: follows the latest tracking event.",
    )
    tracking_event_ids = fields.One2many(
        "stock.picking.tracking.event", "picking_id", string="Tracking Events", copy=False
    )
    tracking_event_count = fields.Integer(compute="_compute_tracking_event_count")
    shipped_date = fields.Datetime(string="Shipped On", copy=False, readonly=True)
    delivered_date = fields.Datetime(string="Delivered On", copy=False, readonly=True)
    received_by = fields.Char(copy=False, tracking=True)
    delivery_vehicle = fields.Char(
        string="Vehicle", help="Own-fleet deliveries: the vehicle (plate or name)."
    )
    delivery_driver_id = fields.Many2one(
        "res.partner", string="Driver", help="Own-fleet deliveries: who drives."
    )

    customer_return_id = fields.Many2one(
        "customer.return",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The customer return this receipt or replacement delivery belongs to.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, PICKING_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, PICKING_OWNED_FIELDS)
        return super().write(vals)

    def _create_backorder_picking(self):
        """The backorder of a return's receipt or replacement delivery
        belongs to the same return (the link is not copied otherwise)."""
        backorder = super()._create_backorder_picking()
        if self.customer_return_id:
            write_protected(backorder, {"customer_return_id": self.customer_return_id.id})
        return backorder

    @api.depends("picking_type_code", "tracking_event_ids.status", "tracking_event_ids.event_date")
    def _compute_shipment_state(self):
        for picking in self:
            if picking.picking_type_code != "outgoing":
                picking.shipment_state = False
                continue
            events = picking.tracking_event_ids.filtered("status")
            latest = events.sorted(lambda e: (e.event_date, e.id))[-1:]
            picking.shipment_state = latest.status or "pending"

    @api.depends("tracking_event_ids")
    def _compute_tracking_event_count(self):
        for picking in self:
            picking.tracking_event_count = len(picking.tracking_event_ids)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_confirm_delivery(self):
        """Open the wizard recording who received the goods, and when."""
        self._check_delivery_confirmable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Confirm Delivery"),
            "res_model": "stock.picking.delivery.confirm",
            "view_mode": "form",
            "target": "new",
            "context": {"default_picking_id": self.id},
        }

    def action_view_tracking_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_order_management.action_stock_picking_tracking_event"
        )
        action["domain"] = [("picking_id", "=", self.id)]
        action["context"] = {"default_picking_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Business helpers
    # ------------------------------------------------------------------

    def _check_delivery_confirmable(self):
        self.ensure_one()
        if self.picking_type_code != "outgoing":
            raise UserError(self.env._("Only deliveries to customers can be confirmed."))
        if self.state != "done":
            raise UserError(
                self.env._("Delivery %s is not validated yet: ship it first.", self.name)
            )
        if self.shipment_state == "delivered":
            raise UserError(self.env._("Delivery %s is already confirmed.", self.name))

    def _action_done(self):
        result = super()._action_done()
        returns = self.customer_return_id
        if returns:
            returns._on_receipt_done()
            returns._mark_done_if_complete()
        return result

    def _send_confirmation_email(self):
        # Marking shipped lives here, not in _action_done: Odoo calls this
        # once the transfers are done *and* the carrier has been asked for
        # its labels and tracking reference (stock_delivery asks for them in
        # this same method, before calling us), so the customer's "shipped"
        # e-mail carries the tracking link; and it is where Odoo's own
        # delivery e-mail goes out, which ours replaces rather than repeats
        # (see _should_send_shipment_mail).
        result = super()._send_confirmation_email()
        self.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done" and not p.shipped_date
        )._mark_shipped()
        return result

    def _mark_shipped(self):
        """Hook: validated deliveries leave the warehouse. Records their first
        tracking event and tells each customer (once), and what follows later
        when a backorder remains. Called when deliveries are validated, for
        all of them at once."""
        write_protected(self, {"shipped_date": fields.Datetime.now()})
        self.env["stock.picking.tracking.event"].create(
            [picking._prepare_shipped_event_vals() for picking in self]
        )
        self.filtered(lambda p: p._should_send_shipment_mail())._send_shipment_mail(
            "customer_order_management.mail_template_shipment_shipped"
        )
        self.filtered(
            lambda p: p.company_id.order_shipment_email and p.backorder_ids
        )._send_shipment_mail("customer_order_management.mail_template_shipment_backorder")

    def _prepare_shipped_event_vals(self):
        """Hook: the values of the first tracking event of ``self`` (one delivery)."""
        self.ensure_one()
        return {
            "picking_id": self.id,
            "event_date": self.date_done or fields.Datetime.now(),
            "status": "shipped",
            "location": self.picking_type_id.warehouse_id.name,
            "description": self.env._("Left the warehouse"),
            "source": "manual",
        }

    def _should_send_shipment_mail(self):
        self.ensure_one()
        # Odoo's own delivery confirmation e-mail already tells the customer:
        # one coherent message per event, never two.
        return (
            self.company_id.order_shipment_email
            and not self.company_id.stock_move_email_validation
            and self.partner_id
        )

    def _send_shipment_mail(self, template_xmlid):
        """Post the customer e-mail of ``template_xmlid`` on each delivery of
        ``self`` that has a customer, the template rendered for all of them
        at once."""
        pickings = self.filtered("partner_id")
        # The id is cached by the registry and dropped with the record: no
        # query per delivery to find the template.
        template_id = self.env["ir.model.data"]._xmlid_to_res_id(
            template_xmlid, raise_if_not_found=False
        )
        if not template_id or not pickings:
            return
        pickings._message_post_shipment_template(self.env["mail.template"].browse(template_id))

    def _message_post_shipment_template(self, template):
        """Post ``template`` on each delivery of ``self``: the message and the
        e-mail that ``message_post_with_source`` posts (a comment-mode composer
        per delivery), without the composer's own records, with the template
        rendered once for all deliveries. A template that adds attachments,
        reports, a reply-to or a scheduled date goes through
        ``message_post_with_source`` itself."""
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        if template.reply_to or template.scheduled_date or _template_adds_files(template):
            for picking in self:
                picking.message_post_with_source(
                    template, email_layout_xmlid=SHIPMENT_MAIL_LAYOUT, subtype_id=subtype_id
                )
            return
        rendered = template._generate_template(
            self.ids,
            {"subject", "body_html", "email_from", "lang", "email_cc", "email_to", "partner_to"},
            find_or_create_partners=True,
        )
        # The author's and the companies' partners are read by every e-mail's
        # layout: one query for all of them.
        (self.env.user.partner_id | self.company_id.partner_id).mapped("email")
        authors = {}
        for picking in self:
            values = rendered[picking.id]
            # Sender and author as the composer sets them: the template's
            # sender if it has one, else the current user.
            email_from = (
                values.get("email_from") if template.email_from else self.env.user.email_formatted
            )
            if email_from not in authors:
                authors[email_from] = self._get_shipment_mail_author(email_from)
            body = values.get("body_html") if not is_html_empty(template.body_html) else False
            picking.message_post(
                author_id=authors[email_from],
                email_from=email_from,
                subject=(values.get("subject") if template.subject else False)
                or picking._message_compute_subject(),
                body=body or "",
                partner_ids=list(dict.fromkeys(values.get("partner_ids") or [])),
                message_type="notification",
                subtype_id=subtype_id,
                email_add_signature=False,
                email_layout_xmlid=SHIPMENT_MAIL_LAYOUT,
                mail_server_id=template.mail_server_id.id,
                mail_auto_delete=template.auto_delete,
                force_email_lang=values.get("lang") if template.lang else False,
                scheduled_date=False,
                # A new message has no tracking values: the e-mail's layout
                # need not search for them.
                tracking_value_ids=[],
            )

    def _get_shipment_mail_author(self, email_from):
        """The author the composer gives a message sent from ``email_from``:
        the partner of that address, the current user's own first, else the
        current user; none without an address. The current user's own
        address, the usual sender, needs no search: their partner comes
        first among the partners of that address, and is the fallback."""
        if not email_from:
            return False
        user_partner = self.env.user.partner_id
        if (
            user_partner.email_normalized
            and parse_contact_from_email(email_from)[1] == user_partner.email_normalized
        ):
            return user_partner.id
        author_id = (
            self.env["mail.thread"]
            .with_context(active_test=False)
            ._message_compute_author(None, email_from)[0]
        )
        return author_id or user_partner.id

    def _on_tracking_events(self, events):
        """Hook: react to new tracking events of ``self``: a delivered
        shipment is dated and announced, an exception gets an activity.
        Called after tracking events are created."""
        for picking in self:
            new_events = events.filtered(lambda e, picking=picking: e.picking_id == picking)
            state = picking.shipment_state
            latest = new_events.sorted(lambda e: (e.event_date, e.id))[-1:]
            if not latest or latest.status != state:
                continue  # an older event arrived late: nothing changes
            if state == "delivered" and not picking.delivered_date:
                write_protected(picking, {"delivered_date": latest.event_date})
                if picking.company_id.order_shipment_email:
                    picking._send_shipment_mail(
                        "customer_order_management.mail_template_shipment_delivered"
                    )
            elif state == "exception":
                picking._schedule_exception_activity(latest)

    def _schedule_exception_activity(self, event):
        """One open exception activity per delivery: the first exception
        schedules it, later ones are logged in the chatter. The carrier's
        text is plain text, escaped wherever it is shown."""
        self.ensure_one()
        # sudo: the carrier webhook runs as the public user, who creates no
        # activities and reads none.
        picking = self.sudo()
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        text = event.description or event.location or ""
        if picking.activity_ids.filtered(lambda a: a.activity_type_id == activity_type):
            picking.message_post(
                body=Markup("<p>%s</p>") % self.env._("Shipment exception again: %s", text),
                subtype_xmlid="mail.mt_note",
            )
            return
        user = self.user_id or self.sale_id.user_id or self.env.user
        picking.activity_schedule(
            activity_type_id=activity_type.id,
            user_id=user.id,
            summary=self.env._("Shipment exception: %s", self.name),
            # Escaped, and not linkified: a carrier's text is no place for links.
            note=Markup("<p>%s</p>") % text,
        )
