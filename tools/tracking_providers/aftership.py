"""AfterShip Tracking webhooks.

Signature: header ``aftership-hmac-sha256`` = base64(HMAC-SHA256(raw body,
webhook secret)) (AfterShip "Webhook Signature"). Payload:
``{"event", "event_id", "msg": {"tracking_number", "slug", "tag", "subtag",
"checkpoints": [{"checkpoint_time", "tag", "subtag", "message", "location",
"city", "country_name", ...}]}}``; every push carries the tracking's
checkpoints so far.
"""

import base64
import hashlib
import hmac

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

NAME = "aftership"
FORM = False
SIGNATURE_HEADER = "aftership-hmac-sha256"

# AfterShip delivery statuses (tags); a subtag such as ``Exception_011``
# (returned to sender) falls back to its tag.
STATUS_MAP = {
    "Pending": None,
    "InfoReceived": "shipped",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AvailableForPickup": "out_for_delivery",
    "AttemptFail": "exception",
    "Delivered": "delivered",
    "Exception": "exception",
    "Expired": "exception",
}


def sign(secret, raw):
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret, raw, form, headers):
    return signature_matches(sign(secret, raw), headers.get(SIGNATURE_HEADER))


def parse(raw, form):
    payload = load_json(raw)
    msg = payload.get("msg")
    if not isinstance(msg, dict) or not isinstance(payload.get("event"), str):
        raise PushError(400, "not an AfterShip webhook payload")
    if not msg.get("tracking_number"):
        return None  # a test notification: no shipment in it
    checkpoints = []
    for item in checkpoint_list(msg.get("checkpoints"), "msg.checkpoints"):
        provider_status = item.get("subtag") or item.get("tag")
        location = item.get("location") or ", ".join(
            part
            for part in (item.get("city"), item.get("state"), item.get("country_name"))
            if isinstance(part, str) and part
        )
        checkpoints.append(
            checkpoint(
                NAME,
                STATUS_MAP,
                provider_id=item.get("id"),
                provider_status=provider_status,
                event_date=parse_time(item.get("checkpoint_time") or item.get("created_at")),
                location=location,
                description=item.get("message") or item.get("subtag_message"),
            )
        )
    return Push(clean_ref(msg.get("tracking_number")), checkpoints)


def reply(status, message, created=None):
    return json_reply(status, message, created)
