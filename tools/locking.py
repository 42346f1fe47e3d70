"""Row locks with the addon's own message."""

from odoo.exceptions import LockError
from odoo.tools import SQL


def lock_rows_nowait(records, message):
    """Lock the rows of ``records`` until the end of the transaction so that
    two users cannot act on the same records at once. Odoo's
    ``lock_for_update`` does not wait for a row another transaction holds:
    then ``message`` is raised at once (a ``LockError``, a ``UserError``)."""
    try:
        records.lock_for_update(allow_referencing=True)
    except LockError as error:
        raise LockError(message) from error


def serialize_on(records):
    """Serialize the transactions that act on ``records``: take their rows'
    write lock, waiting for a transaction that holds it, and leave a new row
    version behind.

    Under PostgreSQL's repeatable read, a concurrent transaction that reads
    before this one commits then fails to serialize when it reaches the same
    rows; Odoo's request loop retries it, and the retry sees what this one
    did (a second request of the same return is refused with the
    quantities left, not granted twice)."""
    ids = tuple(sorted(set(records._ids)))
    if not ids:
        return
    records.env.cr.execute(
        SQL(
            "UPDATE %s SET write_date = write_date WHERE id IN %s",
            SQL.identifier(records._table),
            ids,
        )
    )
