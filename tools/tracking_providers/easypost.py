"""EasyPost webhooks.

Signature: header ``X-Hmac-Signature: hmac-sha256-hex=<hex>``, HMAC-SHA256
of the raw body with the NFKD-normalized webhook secret (EasyPost's
``validate_webhook``). Payload: an Event (``"object": "Event"``) whose
``result`` is a Tracker (``tracking_code``, ``status``, ``tracking_details``
[{``datetime``, ``status``, ``message``, ``tracking_location``}]) with the
full history. Events of other objects (batches, test pings) carry no
shipment.
"""

import hashlib
import hmac
import unicodedata

from .common import (
    Push,
    PushError,
    checkpoint,
    checkpoint_list,
    json_reply,
    load_json,
    parse_time,
    signature_matches,
)
from .common import tracking_ref as clean_ref

NAME = "easypost"
FORM = False
SIGNATURE_HEADER = "X-Hmac-Signature"

# Tracker and TrackingDetail statuses.
STATUS_MAP = {
    "unknown": None,
    "pre_transit": "shipped",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "available_for_pickup": "out_for_delivery",
    "delivered": "delivered",
    "return_to_sender": "exception",
    "failure": "exception",
    "cancelled": "exception",
    "error": "exception",
}


def sign(secret, raw):
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, raw, hashlib.sha256).hexdigest()


def verify(secret, raw, form, headers):
    return signature_matches(sign(secret, raw), headers.get(SIGNATURE_HEADER))


def parse(raw, form):
    payload = load_json(raw)
    if payload.get("object") != "Event":
        raise PushError(400, "not an EasyPost Event")
    tracker = payload.get("result")
    if not isinstance(tracker, dict) or tracker.get("object") != "Tracker":
        return None  # another object's event, or a test ping
    checkpoints = []
    for item in checkpoint_list(tracker.get("tracking_details"), "result.tracking_details"):
        place = item.get("tracking_location")
        location = ""
        if isinstance(place, dict):
            location = ", ".join(
                part
                for part in (place.get("city"), place.get("state"), place.get("country"))
                if isinstance(part, str) and part
            )
        checkpoints.append(
            checkpoint(
                NAME,
                STATUS_MAP,
                provider_id=item.get("id"),
                provider_status=item.get("status"),
                event_date=parse_time(item.get("datetime")),
                location=location,
                description=item.get("message") or item.get("description"),
            )
        )
    return Push(clean_ref(tracker.get("tracking_code")), checkpoints)


def reply(status, message, created=None):
    return json_reply(status, message, created)
