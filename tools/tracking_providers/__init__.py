"""Signed tracking pushes of the tracking services shops use.

One module per provider, each with the same small set of names, looked up
by the carrier's ``tracking_provider`` key (the way ``stock_delivery``
dispatches on ``delivery_type``):

- ``STATUS_MAP``: the provider's status → our event status (``None``: no
  shipment state implied; an unlisted status is stored the same way);
- ``FORM``: True when the push is a form (快递100), else a JSON body;
- ``verify(secret, raw, form, headers)``: the signature over exactly what
  the provider signed, compared in constant time;
- ``parse(raw, form)``: a :class:`Push`, or ``None`` for a ping that
  carries no shipment (answered 200, nothing written);
- ``reply(status, message, created)``: the body the provider expects.

Pure functions: no database, no logging (a body and a secret are never
logged), testable without Odoo.
"""

from . import aftership, easypost, kuaidi100, track17
from .common import Checkpoint, Push, PushError, map_status

PROVIDERS = {
    "aftership": aftership,
    "easypost": easypost,
    "track17": track17,
    "kuaidi100": kuaidi100,
}

# A full 快递100 history of a few hundred checkpoints is ~200 KB as a form;
# anything beyond this is refused before it is read.
MAX_PUSH_BYTES = 1024 * 1024


def get_provider(key):
    """The provider module of ``key`` (``None`` for ``generic``/unknown)."""
    return PROVIDERS.get(key)


__all__ = [
    "MAX_PUSH_BYTES",
    "PROVIDERS",
    "Checkpoint",
    "Push",
    "PushError",
    "get_provider",
    "map_status",
]
