import secrets
from datetime import UTC, datetime

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, ValidationError
from odoo.tools import SQL, consteq

from ..tools import tracking_providers
from .stock_picking_tracking_event import EVENT_STATUSES

# The longest tracking reference or carrier event id accepted (the columns
# are not limited, the unique index is: refuse rather than cut).
MAX_ID_LENGTH = 256
# The unique index of a carrier event per transfer (see the event model).
EVENT_UNIQUE_INDEX = "stock_picking_tracking_event_external_id_unique"


class TrackingWebhookError(Exception):
    """A webhook call that cannot be accepted; ``status`` is its HTTP code."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _new_token():
    return secrets.token_urlsafe(32)


def _assign_new_tokens(cr, carrier_ids):
    """Give each carrier of ``carrier_ids`` its own new webhook token (used
    where the ORM is not there yet: a new column, a migration)."""
    if carrier_ids:
        cr.execute(
            SQL(
                "UPDATE delivery_carrier AS c SET tracking_webhook_token = v.token "
                "FROM (VALUES %s) AS v(id, token) WHERE c.id = v.id",
                SQL(", ").join(SQL("(%s, %s)", cid, _new_token()) for cid in carrier_ids),
            )
        )


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    tracking_webhook_token = fields.Char(
        default=lambda self: _new_token(),
        copy=False,
        index="btree_not_null",
        groups="stock.group_stock_manager",
        help="Secret in the address the carrier posts tracking events to.",
    )
    tracking_provider = fields.Selection(
        [
            ("generic", "Generic JSON"),
            ("aftership", "AfterShip"),
            ("easypost", "EasyPost"),
            ("track17", "17TRACK"),
            ("kuaidi100", "快递100 (Kuaidi100)"),
        ],
        string="Tracking Feed",
        default="generic",
        required=True,
        groups="stock.group_stock_manager",
        help="Who posts tracking events to this carrier's webhook, and so which payload and "
        "signature the webhook expects.",
    )
    tracking_webhook_secret = fields.Char(
        string="Webhook Signing Secret",
        copy=False,
        groups="stock.group_stock_manager",
        help="The provider's signing secret (AfterShip, EasyPost), key (17TRACK) or salt "
        "(快递100), used to check the signature of every push.",
    )
    tracking_webhook_url = fields.Char(
        string="Tracking Webhook URL",
        compute="_compute_tracking_webhook_url",
        groups="stock.group_stock_manager",
    )
    tracking_provider_setup = fields.Html(
        string="Provider Setup",
        compute="_compute_tracking_provider_setup",
        sanitize=False,
        groups="stock.group_stock_manager",
        help="What to paste where in the tracking provider's console.",
    )

    _tracking_webhook_token_unique = models.UniqueIndex(
        "(tracking_webhook_token) WHERE tracking_webhook_token IS NOT NULL",
        "Each carrier has its own tracking webhook token.",
    )

    def _init_column(self, column_name):
        """A new token column gets one secret per existing carrier: Odoo
        would evaluate the field's default once and give them all the same,
        so that each carrier's address would accept the others' events."""
        if column_name != "tracking_webhook_token":
            return super()._init_column(column_name)
        self.env.cr.execute(SQL("SELECT id FROM delivery_carrier ORDER BY id"))
        ids = [row[0] for row in self.env.cr.fetchall()]
        _assign_new_tokens(self.env.cr, ids)
        return None

    def _compute_tracking_webhook_url(self):
        for carrier in self:
            carrier.tracking_webhook_url = (
                f"{carrier.get_base_url()}/customer_order_management/tracking/"
                f"{carrier.tracking_webhook_token}"
                if carrier.tracking_webhook_token
                else False
            )

    @api.depends("tracking_provider")
    @api.depends_context("lang")
    def _compute_tracking_provider_setup(self):
        texts = {
            "generic": self.env._(
                "The carrier posts one JSON object per event to the webhook URL: "
                "tracking_ref, status, event_time, and optionally location, description, "
                "event_id. The token in the URL is the secret; no signing secret is used."
            ),
            "aftership": self.env._(
                "In AfterShip, open Settings > Webhooks: add the webhook URL above and copy "
                "the webhook secret shown there into Webhook Signing Secret. AfterShip signs "
                "every push with it (header aftership-hmac-sha256)."
            ),
            "easypost": self.env._(
                "In EasyPost, open Account Settings > Webhooks (or create the webhook with the "
                "API): set the URL to the webhook URL above and choose a webhook secret; paste "
                "the same secret into Webhook Signing Secret. EasyPost signs every event with "
                "it (header X-Hmac-Signature)."
            ),
            "track17": self.env._(
                "In the 17TRACK API console, open Settings > Webhook: set the webhook URL above "
                "(API version v2.2) and paste your API key (Security > Access Key) into Webhook "
                "Signing Secret. 17TRACK signs every push with it (header sign)."
            ),
            "kuaidi100": self.env._(
                "快递100 pushes to the callbackurl given when a tracking number is subscribed: "
                "use the webhook URL above as callbackurl and put a random salt in the "
                "subscription's salt parameter; paste the same salt into Webhook Signing "
                "Secret. 快递100 signs every push with it (form field sign)."
            ),
        }
        for carrier in self:
            text = texts.get(carrier.tracking_provider)
            carrier.tracking_provider_setup = Markup("<p>%s</p>") % text if text else False

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
        except UniqueViolation as error:
            if error.diag.constraint_name != EVENT_UNIQUE_INDEX:
                # Another row met a parallel request (a follower of the
                # exception activity, say): let Odoo retry the whole request.
                raise ConcurrencyError(str(error)) from error
            # The same event, posted in parallel, was recorded by another
            # request since this one looked: a replay, answered as one.
            return Event, False
        return event, True

    def _process_provider_push(self, raw, form, headers):
        """Record every checkpoint of a push signed by the carrier's provider.

        The signature is checked over exactly what the provider signed (the
        raw body, or the 快递100 ``param`` field) before anything is parsed.
        Checkpoints already recorded (their stable key is the event's
        ``external_id``) are skipped: a retry or a full-history replay adds
        only what is new, found with one query whatever the history length.

        :return: ``(events created, picking)``; ``picking`` is empty for a
            ping that names no shipment
        :raise TrackingWebhookError: 403 bad or missing signature, 400 not
            this provider's payload, 404 not a shipment of this carrier
        """
        self.ensure_one()
        provider = tracking_providers.get_provider(self.tracking_provider)
        Event = self.env["stock.picking.tracking.event"]
        secret = self.tracking_webhook_secret
        if not provider or not secret:
            raise TrackingWebhookError(403, "no signing secret configured for this carrier")
        if not provider.verify(secret, raw, form, headers):
            raise TrackingWebhookError(403, "invalid or missing signature")
        try:
            push = provider.parse(raw, form)
        except tracking_providers.PushError as error:
            raise TrackingWebhookError(error.status, str(error)) from error
        if push is None:
            return Event, self.env["stock.picking"]
        picking = self._find_tracked_picking(push.tracking_ref)
        return self._create_checkpoint_events(picking, push.checkpoints), picking

    def _find_tracked_picking(self, tracking_ref):
        """Hook: the validated delivery of this carrier with ``tracking_ref``."""
        picking = self.env["stock.picking"].search(
            [
                ("carrier_id", "=", self.id),
                ("carrier_tracking_ref", "=", tracking_ref),
                ("picking_type_code", "=", "outgoing"),
                ("state", "=", "done"),
            ],
            limit=1,
        )
        if not picking:
            raise TrackingWebhookError(404, "unknown tracking reference for this carrier")
        return picking

    def _create_checkpoint_events(self, picking, checkpoints):
        """Create, in one batch, the events of the ``checkpoints`` that
        ``picking`` does not have yet (one query finds the known ones)."""
        Event = self.env["stock.picking.tracking.event"]
        fresh = {}
        for point in checkpoints:
            fresh.setdefault(point.key, point)
        if not fresh:
            return Event
        known = Event.search_fetch(
            [("picking_id", "=", picking.id), ("external_id", "in", list(fresh))],
            ["external_id"],
        )
        for key in known.mapped("external_id"):
            fresh.pop(key, None)
        if not fresh:
            return Event
        vals_list = [
            self._prepare_checkpoint_event_vals(picking, point) for point in fresh.values()
        ]
        try:
            with self.env.cr.savepoint():
                return Event.create(vals_list)
        except ValidationError as error:
            raise TrackingWebhookError(400, str(error)) from error
        except UniqueViolation as error:
            # A parallel push recorded some of these since this one looked:
            # let Odoo retry the whole request, which then skips them.
            raise ConcurrencyError(str(error)) from error

    def _prepare_checkpoint_event_vals(self, picking, point):
        """Hook: the values of the event of one provider checkpoint."""
        return {
            "picking_id": picking.id,
            "source": "carrier",
            "event_date": point.event_date,
            "status": point.status or False,
            "provider_status": point.provider_status,
            "location": point.location,
            "description": point.description,
            "external_id": point.key,
        }

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
        texts = {}
        for key in ("tracking_ref", "event_time", "location", "description", "event_id"):
            value = payload.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise TrackingWebhookError(400, f"{key} must be a string")
            text = str(value)
            if "\x00" in text or not _is_utf8(text):
                raise TrackingWebhookError(400, f"{key} contains an invalid character")
            texts[key] = text
        # Identifiers are refused when too long: cut, two ids could become one.
        for key in ("tracking_ref", "event_id"):
            if len(texts.get(key, "")) > MAX_ID_LENGTH:
                raise TrackingWebhookError(400, f"{key} is longer than {MAX_ID_LENGTH} characters")
        return {
            "tracking_ref": texts["tracking_ref"],
            "status": payload["status"],
            "event_date": _parse_event_time(texts["event_time"]),
            "location": texts.get("location", "")[:256] or False,
            "description": texts.get("description", "")[:1024] or False,
            "external_id": texts.get("event_id") or False,
        }


def _is_utf8(text):
    """False for text PostgreSQL cannot store, such as a lone surrogate
    (``"\\ud800"`` in JSON)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _parse_event_time(value):
    """ISO 8601 date-time, with or without offset (naive = UTC), to naive UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as error:
        raise TrackingWebhookError(400, "event_time must be an ISO 8601 date-time") from error
    return moment.replace(microsecond=0)
