from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import check_protected_write, write_protected
from .stock_picking_tracking_event import SHIPMENT_STATES

# What the shipment's own events and the returns set: never a direct write
# (the return window counts from ``shipped_date``).
PICKING_OWNED_FIELDS = {"shipment_state", "shipped_date", "delivered_date", "customer_return_id"}


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
        help="The customer return this receipt or replacement delivery belongs to.",
    )

    def write(self, vals):
        check_protected_write(self, vals, PICKING_OWNED_FIELDS)
        return super().write(vals)

    @api.depends("picking_type_code", "tracking_event_ids.status", "tracking_event_ids.event_date")
    def _compute_shipment_state(self):
        for picking in self:
            if picking.picking_type_code != "outgoing":
                picking.shipment_state = False
                continue
            latest = picking.tracking_event_ids.sorted(lambda e: (e.event_date, e.id))[-1:]
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
        result = super()._send_confirmation_email()
        self.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done" and not p.shipped_date
        )._mark_shipped()
        return result

    def _mark_shipped(self):
        """Hook: a validated delivery leaves the warehouse. Records the first
        tracking event and tells the customer (once), and what follows later
        when a backorder remains. Called when a delivery is validated."""
        write_protected(self, {"shipped_date": fields.Datetime.now()})
        self.env["stock.picking.tracking.event"].create(
            [self._prepare_shipped_event_vals(picking) for picking in self]
        )
        for picking in self:
            if picking._should_send_shipment_mail():
                picking._send_shipment_mail(
                    "customer_order_management.mail_template_shipment_shipped"
                )
            if picking.backorder_ids and picking.company_id.order_shipment_email:
                picking._send_shipment_mail(
                    "customer_order_management.mail_template_shipment_backorder"
                )

    def _prepare_shipped_event_vals(self, picking):
        """Hook: the values of the first tracking event of ``picking``."""
        return {
            "picking_id": picking.id,
            "event_date": picking.date_done or fields.Datetime.now(),
            "status": "shipped",
            "location": picking.picking_type_id.warehouse_id.name,
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
        self.ensure_one()
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self.partner_id:
            return
        self.message_post_with_source(
            template,
            email_layout_xmlid="mail.mail_notification_light",
            subtype_xmlid="mail.mt_comment",
        )

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
