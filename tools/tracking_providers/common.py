"""What the provider modules share: the parsed push, errors, stable keys."""

import hashlib
import hmac
import json
from collections import namedtuple
from datetime import UTC, datetime, timedelta

# One checkpoint of a push. ``key`` is stable across retries and full-history
# replays; ``status`` is one of our event statuses or None (not mapped).
Checkpoint = namedtuple("Checkpoint", "key provider_status status event_date location description")
# A push about one shipment: its tracking number and every checkpoint in it.
Push = namedtuple("Push", "tracking_ref checkpoints")

# Longest key kept as is (the event's external id); longer ids are hashed.
MAX_KEY_LENGTH = 200
MAX_REF_LENGTH = 256
MAX_CHECKPOINTS = 2000


class PushError(Exception):
    """A push that cannot be accepted; ``status`` is the HTTP code."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def signature_matches(expected, received):
    """Whether the signature a provider sent (``received``, surrounding
    spaces ignored) is ``expected``, compared in constant time; False when
    none was sent."""
    return bool(received) and hmac.compare_digest(expected.encode(), received.strip().encode())


def load_json(raw, what="body"):
    """``raw`` (bytes or text) as a JSON object, or a 400."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise PushError(400, f"the {what} is not valid JSON") from error
    if not isinstance(data, dict):
        raise PushError(400, f"the {what} must be a JSON object")
    return data


def text(value, limit=1024):
    """A provider's text field as a clean string ('' for nothing); refuses
    what PostgreSQL cannot store."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        raise PushError(400, "a text field has the wrong type")
    if "\x00" in value:
        raise PushError(400, "a text field contains an invalid character")
    try:
        value.encode()
    except UnicodeEncodeError as error:
        raise PushError(400, "a text field contains an invalid character") from error
    return value.strip()[:limit]


def tracking_ref(value):
    ref = text(value, limit=MAX_REF_LENGTH + 1)
    if not ref:
        raise PushError(400, "the push names no tracking number")
    if len(ref) > MAX_REF_LENGTH:
        raise PushError(400, f"the tracking number is longer than {MAX_REF_LENGTH} characters")
    return ref


def checkpoint_list(value, name):
    if value is None:
        return []
    if not isinstance(value, list):
        raise PushError(400, f"{name} must be a list")
    if len(value) > MAX_CHECKPOINTS:
        raise PushError(400, f"more than {MAX_CHECKPOINTS} checkpoints")
    if not all(isinstance(item, dict) for item in value):
        raise PushError(400, f"every item of {name} must be an object")
    return value


def parse_time(value, naive_offset=timedelta(0)):
    """ISO 8601 (or ``YYYY-MM-DD HH:MM:SS``) → naive UTC. A time without an
    offset is in the zone ``naive_offset`` east of UTC."""
    if not isinstance(value, str) or not value.strip():
        raise PushError(400, "a checkpoint has no time")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        else:
            moment -= naive_offset
    except (ValueError, OverflowError) as error:
        raise PushError(400, "a checkpoint time is not a date-time") from error
    return moment.replace(microsecond=0)


def map_status(status_map, provider_status):
    """Our status for ``provider_status``: the exact key, else the part before
    the first ``_`` (``Exception_011`` → ``Exception``), else None."""
    if not provider_status:
        return None
    if provider_status in status_map:
        return status_map[provider_status]
    return status_map.get(provider_status.split("_", 1)[0])


def stable_key(provider, provider_id, event_date, provider_status, location, description):
    """The checkpoint's key: the provider's own id when it has one, else a
    hash of what the checkpoint says (time, status, location, text)."""
    if provider_id:
        key = f"{provider}:{provider_id}"
        if len(key) <= MAX_KEY_LENGTH:
            return key
        digest = hashlib.sha256(str(provider_id).encode()).hexdigest()
        return f"{provider}:id:{digest}"
    content = "\x1f".join(
        [event_date.isoformat(), provider_status or "", location or "", description or ""]
    )
    return f"{provider}:h:{hashlib.sha256(content.encode()).hexdigest()[:40]}"


def checkpoint(
    provider,
    status_map,
    *,
    provider_id,
    provider_status,
    event_date,
    location,
    description,
    key_status=None,
):
    """One checkpoint. ``key_status`` (default: ``provider_status``) is the
    status the stable key hashes: the checkpoint's own, never one it only
    borrows while it is the newest (快递100's shipment ``state``)."""
    key_status = text(provider_status if key_status is None else key_status, limit=64)
    provider_status = text(provider_status, limit=64)
    location = text(location, limit=256)
    description = text(description, limit=1024)
    return Checkpoint(
        key=stable_key(
            provider,
            text(provider_id, limit=1024),
            event_date,
            key_status,
            location,
            description,
        ),
        provider_status=provider_status or False,
        status=map_status(status_map, provider_status),
        event_date=event_date,
        location=location or False,
        description=description or False,
    )


def json_reply(status, message, created=None):
    """The JSON reply of the JSON providers: what happened, or the error."""
    if status == 200:
        return {"result": message, "created": created or 0}
    return {"error": message}
