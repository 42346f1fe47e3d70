"""17TRACK webhooks (API v2.2).

Signature: header ``sign`` = hex SHA-256 of the raw body + ``"/"`` + the API
key. Payload: ``{"event": "TRACKING_UPDATED", "data": {"number", "carrier",
"track_info": {"latest_status": {"status", "sub_status"}, "latest_event",
"tracking": {"providers": [{"events": [{"time_utc", "time_iso", "stage",
"sub_status", "location", "description"}]}]}}}}``; other events
(``TRACKING_STOPPED``) carry no checkpoint.
"""

import hashlib

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

NAME = "track17"
FORM = False
SIGNATURE_HEADER = "sign"

# Main statuses and event stages; a sub-status such as
# ``Exception_Returned`` or ``DeliveryFailure_Rejected`` falls back to its
# main status.
STATUS_MAP = {
    "NotFound": None,
    "InfoReceived": "shipped",
    "InTransit": "in_transit",
    "PickedUp": "in_transit",
    "Departure": "in_transit",
    "Arrival": "in_transit",
    "AvailableForPickup": "out_for_delivery",
    "OutForDelivery": "out_for_delivery",
    "DeliveryFailure": "exception",
    "Delivered": "delivered",
    "Exception": "exception",
    "Returning": "exception",
    "Returned": "exception",
    "Expired": "exception",
}


def sign(secret, raw):
    return hashlib.sha256(raw + b"/" + secret.encode()).hexdigest()


def verify(secret, raw, form, headers):
    return signature_matches(sign(secret, raw), (headers.get(SIGNATURE_HEADER) or "").lower())


def parse(raw, form):
    payload = load_json(raw)
    data = payload.get("data")
    if not isinstance(payload.get("event"), str) or not isinstance(data, dict):
        raise PushError(400, "not a 17TRACK webhook payload")
    if payload["event"] != "TRACKING_UPDATED":
        return None  # TRACKING_STOPPED and later event kinds: no checkpoint
    info = data.get("track_info") or {}
    if not isinstance(info, dict):
        raise PushError(400, "data.track_info must be an object")
    events = []
    tracking = info.get("tracking") or {}
    providers = tracking.get("providers") if isinstance(tracking, dict) else None
    for provider in checkpoint_list(providers, "track_info.tracking.providers"):
        events += checkpoint_list(provider.get("events"), "providers.events")
    if not events and isinstance(info.get("latest_event"), dict):
        events = [info["latest_event"]]
    checkpoints = [
        checkpoint(
            NAME,
            STATUS_MAP,
            provider_id=None,
            provider_status=item.get("sub_status") or item.get("stage"),
            event_date=parse_time(item.get("time_utc") or item.get("time_iso")),
            location=item.get("location"),
            description=item.get("description"),
        )
        for item in events
    ]
    return Push(clean_ref(data.get("number")), checkpoints)


def reply(status, message, created=None):
    return json_reply(status, message, created)
