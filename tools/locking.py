"""Row locks the ORM does not offer."""

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.tools import SQL


def lock_rows_nowait(records, message):
    """Lock the rows of ``records`` until the end of the transaction so that
    two users cannot act on the same records at once: when another
    transaction holds one of them, raise ``UserError(message)`` at once
    instead of waiting. The savepoint keeps the transaction usable when the
    lock is refused."""
    if not records.ids:
        return
    cr = records.env.cr
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                ),
                log_exceptions=False,
            )
    except pg_errors.LockNotAvailable as error:
        raise UserError(message) from error
