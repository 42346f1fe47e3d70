"""Fields that only the addon's own methods write.

A workflow state or a decision (an order's review state, a return's state, a
count's book quantities, ...) must change only through the method that owns
the transition, after its checks. A context key cannot say so: a client sends
any context over RPC. The owning method opens :func:`protected_write` around
its write instead: a Python context variable that no client can set, granted
for exactly the records being written.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from odoo.exceptions import AccessError

# ((model name, frozenset of ids or None for a creation grant), ...)
_GRANTS = ContextVar("customer_order_management_protected_grants", default=())


@contextmanager
def protected_write(records):
    """Let the calling method write the protected fields of ``records``
    (an empty recordset grants the creation of records of its model).

    Yields ``records.sudo()``: the owner writes at that one point, after its
    own checks, whatever the caller's rights on the fields."""
    grant = (records._name, frozenset(records.ids) if records else None)
    token = _GRANTS.set((*_GRANTS.get(), grant))
    try:
        yield records.sudo()
    finally:
        _GRANTS.reset(token)


def write_protected(records, vals):
    """Write ``vals``, protected fields included, on ``records``: the one
    write of an owning method, after its checks."""
    with protected_write(records) as records_sudo:
        records_sudo.write(vals)


def _granted(model_name, ids):
    grants = [granted for name, granted in _GRANTS.get() if name == model_name]
    if ids is None:
        return any(granted is None for granted in grants)
    allowed = set().union(*(granted for granted in grants if granted is not None))
    return set(ids) <= allowed


def check_protected_write(records, vals, protected):
    """Refuse to write ``vals`` on ``records`` when it holds a field of
    ``protected`` outside the owning method's :func:`protected_write`."""
    names = protected & vals.keys()
    if names and not _granted(records._name, records.ids):
        _raise(records, names)


def is_protected_write_granted(records):
    """Whether the calling code runs inside the owning method's grant for
    ``records``."""
    return _granted(records._name, records.ids)


def check_protected_create(model, vals_list, protected):
    """Refuse to create records whose values, or the defaults the context
    gives them, set a field of ``protected`` outside the owning method.

    The protected fields the values leave out get the field's own default
    (written into ``vals_list``): a user's saved defaults (``ir.default``)
    never reach them either. A stored field given its own default is no
    forgery: the values a caller passes twice (``vals_list`` comes back with
    those defaults) are accepted again."""
    own_defaults = {}
    for name in protected:
        field = model._fields[name]
        if not (field.compute or field.related):
            own_defaults[name] = (
                field.convert_to_write(field.default(model), model) if field.default else False
            )
    defaults = {name for name in protected if model.env.context.get(f"default_{name}") is not None}
    names = defaults.union(
        *(
            {name for name in protected & vals.keys() if own_defaults.get(name, ...) != vals[name]}
            for vals in vals_list
        )
    )
    if names and not _granted(model._name, None):
        _raise(model, names)
    for name, value in own_defaults.items():
        for vals in vals_list:
            vals.setdefault(name, value)


def _raise(records, names):
    fields = records._fields
    labels = sorted(fields[name]._description_string(records.env) for name in names)
    raise AccessError(
        records.env._(
            "%(model)s: %(fields)s can only be changed with the document's own buttons, "
            "not written directly.",
            model=records._description,
            fields=", ".join(labels),
        )
    )
