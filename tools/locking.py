"""Row locks with the addon's own message."""

from odoo.exceptions import LockError


def lock_rows_nowait(records, message):
    """Lock the rows of ``records`` until the end of the transaction so that
    two users cannot act on the same records at once. Odoo's
    ``lock_for_update`` does not wait for a row another transaction holds:
    then ``message`` is raised at once (a ``LockError``, a ``UserError``)."""
    try:
        records.lock_for_update(allow_referencing=True)
    except LockError as error:
        raise LockError(message) from error
