from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

SHIPMENT_STATES = [
    ("pending", "Pending"),
    ("shipped", "Shipped"),
    ("in_transit", "In Transit"),
    ("out_for_delivery", "Out for Delivery"),
    ("delivered", "Delivered"),
    ("exception", "Exception"),
]
EVENT_STATUSES = [state for state in SHIPMENT_STATES if state[0] != "pending"]

# How far in the future an event may be dated (clocks of carriers drift).
FUTURE_TOLERANCE = timedelta(minutes=15)
# How long before its delivery was validated an event may be dated (a label
# printed ahead of the pick-up); anything older is a wrong date, not news.
PAST_TOLERANCE = timedelta(days=30)


class StockPickingTrackingEvent(models.Model):
    _name = "stock.picking.tracking.event"
    _description = "Shipment Tracking Event"
    _order = "event_date desc, id desc"

    picking_id = fields.Many2one(
        "stock.picking", string="Transfer", required=True, index=True, ondelete="cascade"
    )
    event_date = fields.Datetime(required=True, default=fields.Datetime.now)
    # Empty only for a provider's status that maps to none of ours (one it
    # added later, say): the event is kept with its provider_status and
    # moves no shipment state.
    status = fields.Selection(EVENT_STATUSES)
    provider_status = fields.Char(
        readonly=True,
        help="The status as the tracking provider reported it (AfterShip tag, EasyPost "
        "status, 17TRACK sub-status, 快递100 state).",
    )
    location = fields.Char()
    description = fields.Char()
    source = fields.Selection(
        [("manual", "Manual"), ("carrier", "Carrier"), ("import", "Import")],
        required=True,
        default="manual",
    )
    external_id = fields.Char(string="Carrier Event ID", copy=False)
    # Precomputed: stored with the event's row, not in an UPDATE after it.
    company_id = fields.Many2one(
        related="picking_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(related="picking_id.partner_id", string="Customer")

    _external_id_unique = models.UniqueIndex(
        "(picking_id, external_id) WHERE external_id IS NOT NULL",
        "This carrier event was already recorded for this transfer.",
    )

    @api.constrains("event_date", "picking_id")
    def _check_event_date(self):
        now = fields.Datetime.now()
        for event in self:
            if event.event_date > now + FUTURE_TOLERANCE:
                raise ValidationError(
                    self.env._(
                        "A tracking event cannot be dated in the future (%s).",
                        event.event_date,
                    )
                )
            shipped = event.picking_id.date_done or now
            if event.event_date < shipped - PAST_TOLERANCE:
                raise ValidationError(
                    self.env._(
                        "A tracking event of %(picking)s cannot be dated %(date)s: more than "
                        "%(days)s days before the delivery was validated.",
                        picking=event.picking_id.name,
                        date=event.event_date,
                        days=PAST_TOLERANCE.days,
                    )
                )

    @api.constrains("status", "provider_status")
    def _check_status(self):
        for event in self:
            if not event.status and not event.provider_status:
                raise ValidationError(self.env._("A tracking event needs a status."))

    @api.constrains("picking_id")
    def _check_picking_shipped(self):
        for event in self:
            if event.picking_id.picking_type_code != "outgoing":
                raise ValidationError(
                    self.env._("Tracking events belong to outgoing deliveries only.")
                )
            if event.picking_id.state != "done":
                raise ValidationError(
                    self.env._(
                        "Delivery %s is not shipped yet: validate it before tracking it.",
                        event.picking_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        # An event without one of our statuses changes nothing downstream.
        mapped = events.filtered("status")
        mapped.picking_id._on_tracking_events(mapped)
        return events
