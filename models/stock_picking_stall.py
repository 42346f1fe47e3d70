from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain

from ..tools import check_protected_create, check_protected_write, protected_write
from .mail_template import report_context

# Written by the stall cron and the next tracking event only.
STALL_OWNED_FIELDS = {"is_stalled", "stall_notice_sent"}
# Shipment states of a parcel on its way: the ones that can go silent.
MOVING_STATES = ("shipped", "in_transit", "out_for_delivery")
STALL_TEMPLATE = "customer_order_management.mail_template_shipment_stalled"
STALL_ACTIVITY = "customer_order_management.mail_activity_type_shipment_stalled"


class StockPicking(models.Model):
    _inherit = "stock.picking"

    is_stalled = fields.Boolean(
        string="Stalled",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Shipped, not delivered, and no tracking event arrived for the company's "
        "stall period: the parcel has gone silent. The next tracking event clears it.",
    )
    stall_notice_sent = fields.Boolean(
        readonly=True,
        copy=False,
        help="The customer was told that we are looking into the silent shipment (once per "
        "delivery).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_create(self, vals_list, STALL_OWNED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, STALL_OWNED_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------

    @api.model
    def _stall_domain(self, company):
        """Hook: the deliveries of ``company`` that have gone silent and are
        not flagged yet: on their way, and no tracking event recorded for the
        company's ``tracking_stall_days`` (an event recorded exactly that
        long ago counts as silent)."""
        cutoff = fields.Datetime.now() - timedelta(days=company.tracking_stall_days)
        return (
            Domain("company_id", "=", company.id)
            & Domain("picking_type_code", "=", "outgoing")
            & Domain("state", "=", "done")
            & Domain("shipment_state", "in", MOVING_STATES)
            & Domain("is_stalled", "=", False)
            & Domain("tracking_event_ids", "not any", [("create_date", ">", cutoff)])
        )

    @api.model
    def _cron_flag_stalled_shipments(self, batch_size=200):
        """Flag the deliveries that went silent, ``batch_size`` at a time
        with progress committed: an activity for the responsible and (company
        setting) a notice to the customer, once per delivery. A flagged
        delivery is not flagged again: a second run changes nothing. A
        company with a stall period of 0 days is skipped."""
        cron = self.env["ir.cron"]
        companies = self.env["res.company"].search([("tracking_stall_days", ">", 0)])
        if not companies:
            return
        domain = Domain.OR(self._stall_domain(company) for company in companies)
        cron._commit_progress(remaining=self.search_count(domain))
        while pickings := self.search(domain, limit=batch_size):
            pickings._flag_stalled()
            if not cron._commit_progress(len(pickings), remaining=self.search_count(domain)):
                return

    def _flag_stalled(self):
        """Hook: ``self`` went silent: flag them, give their responsible an
        activity and tell the customers (company setting, once per delivery).
        Called by ``_cron_flag_stalled_shipments``."""
        with protected_write(self) as pickings:
            pickings.write({"is_stalled": True})
        activity_type = self.env.ref(STALL_ACTIVITY)
        for picking in self:
            picking.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=picking._get_stall_responsible().id,
                summary=self.env._("No tracking news for %s: check with the carrier", picking.name),
            )
        to_notify = self.filtered(
            lambda p: (
                p.company_id.tracking_stall_notice and p.partner_id and not p.stall_notice_sent
            )
        )
        if to_notify:
            to_notify._send_stall_notice()

    def _get_stall_responsible(self):
        """Hook: who follows up a silent shipment of ``self`` (one delivery):
        the order's salesperson, else the delivery's responsible, else the
        user running the check."""
        self.ensure_one()
        return self.sale_id.user_id or self.user_id or self.env.user

    def _get_customer_message_author(self):
        """Hook: who speaks to the customer of ``self`` (one delivery) in the
        messages sent by scheduled actions: the order's salesperson, else the
        delivery's responsible, else the company; never OdooBot. Called by
        ``_send_stall_notice``."""
        self.ensure_one()
        for user in (self.sale_id.user_id, self.user_id):
            if user and user.active and not user.share and not user._is_superuser():
                return user.partner_id
        return self.company_id.partner_id

    def _send_stall_notice(self):
        """Tell each customer of ``self`` that their shipment has gone
        silent and that we are looking into it."""
        template = self.env.ref(STALL_TEMPLATE, raise_if_not_found=False)
        if not template:
            return
        for picking in self.with_context(**report_context(self.env)):
            author = picking._get_customer_message_author()
            picking.message_post_with_source(
                template,
                email_layout_xmlid="mail.mail_notification_light",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=author.id,
                email_from=author.email_formatted or picking.company_id.email_formatted,
                partner_ids=picking.partner_id.ids,
            )
        with protected_write(self) as pickings:
            pickings.write({"stall_notice_sent": True})

    # ------------------------------------------------------------------
    # Clearing
    # ------------------------------------------------------------------

    def _on_tracking_events(self, events):
        result = super()._on_tracking_events(events)
        stalled = self.filtered("is_stalled")
        if stalled:
            stalled._clear_stalled()
        return result

    def _clear_stalled(self):
        """News arrived for ``self``: no longer stalled; their stall
        activities are done."""
        with protected_write(self) as pickings:
            pickings.write({"is_stalled": False})
            activity_type = self.env.ref(STALL_ACTIVITY)
            # sudo (of protected_write): the carrier's webhook runs as the
            # public user, who reads no activities.
            activities = pickings.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            )
            if activities:
                if self.env.user.share:
                    # The webhook's public user is no author: the system closes it.
                    activities = activities.with_user(SUPERUSER_ID)
                activities.action_feedback(feedback=self.env._("Tracking news arrived."))
