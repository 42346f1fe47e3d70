import secrets
from datetime import UTC, datetime

from odoo import fields, models
from odoo.exceptions import ValidationError
from odoo.tools import consteq

from .stock_picking_tracking_event import EVENT_STATUSES


class TrackingWebhookError(Exception):
    """A webhook call that cannot be accepted; ``status`` is its HTTP code."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _new_token():
    return secrets.token_urlsafe(32)


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    tracking_webhook_token = fields.Char(
        default=lambda self: _new_token(),
        copy=False,
        index="btree_not_null",
        groups="stock.group_stock_manager",
        help="Secret in the address the carrier posts tracking events to.",
    )
    tracking_webhook_url = fields.Char(
        compute="_compute_tracking_webhook_url", groups="stock.group_stock_manager"
    )

    def _compute_tracking_webhook_url(self):
        base_url = self.get_base_url()
        for carrier in self:
            carrier.tracking_webhook_url = (
                f"{base_url}/customer_order_management/tracking/{carrier.tracking_webhook_token}"
                if carrier.tracking_webhook_token
                else False
            )

    def action_regenerate_tracking_token(self):
        """Replace the webhook secret: the old address stops working at once."""
        for carrier in self:
            carrier.tracking_webhook_token = _new_token()
        return True

    def _find_by_tracking_token(self, token):
        """Return the carrier whose webhook token is ``token`` (or nothing)."""
        if not token or len(token) > 128:
            return self.browse()
        carrier = self.search([("tracking_webhook_token", "=", token)], limit=1)
        if carrier and consteq(carrier.tracking_webhook_token, token):
            return carrier
        return self.browse()

    def _process_tracking_payload(self, payload, source="carrier"):
        """Record the tracking event a carrier posted for one of its deliveries.

        :param dict payload: ``tracking_ref``, ``status``, ``event_time`` and
            optionally ``location``, ``description``, ``event_id``
        :return: ``(event, created)``
        :raise TrackingWebhookError: 400 for a malformed payload, 404 for an
            unknown tracking reference
        """
        self.ensure_one()
        values = self._parse_tracking_payload(payload)
        picking = self.env["stock.picking"].search(
            [
                ("carrier_id", "=", self.id),
                ("carrier_tracking_ref", "=", values.pop("tracking_ref")),
                ("picking_type_code", "=", "outgoing"),
                ("state", "=", "done"),
            ],
            limit=1,
        )
        if not picking:
            raise TrackingWebhookError(404, "unknown tracking reference for this carrier")
        Event = self.env["stock.picking.tracking.event"]
        if values.get("external_id"):
            known = Event.search(
                [("picking_id", "=", picking.id), ("external_id", "=", values["external_id"])],
                limit=1,
            )
            if known:
                return known, False
        try:
            with self.env.cr.savepoint():
                event = Event.create(dict(values, picking_id=picking.id, source=source))
        except ValidationError as error:
            raise TrackingWebhookError(400, str(error)) from error
        return event, True

    def _parse_tracking_payload(self, payload):
        if not isinstance(payload, dict):
            raise TrackingWebhookError(400, "the body must be a JSON object")
        missing = [key for key in ("tracking_ref", "status", "event_time") if not payload.get(key)]
        if missing:
            raise TrackingWebhookError(400, f"missing fields: {', '.join(missing)}")
        statuses = [key for key, _label in EVENT_STATUSES]
        if payload["status"] not in statuses:
            raise TrackingWebhookError(
                400, f"unknown status; expected one of: {', '.join(statuses)}"
            )
        for key in ("tracking_ref", "event_time", "location", "description", "event_id"):
            if payload.get(key) is not None and not isinstance(payload[key], str | int):
                raise TrackingWebhookError(400, f"{key} must be a string")
        event_date = _parse_event_time(str(payload["event_time"]))
        return {
            "tracking_ref": str(payload["tracking_ref"])[:256],
            "status": payload["status"],
            "event_date": event_date,
            "location": str(payload.get("location") or "")[:256] or False,
            "description": str(payload.get("description") or "")[:1024] or False,
            "external_id": str(payload.get("event_id") or "")[:256] or False,
        }


def _parse_event_time(value):
    """ISO 8601 date-time, with or without offset (naive = UTC), to naive UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise TrackingWebhookError(400, "event_time must be an ISO 8601 date-time") from error
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)
