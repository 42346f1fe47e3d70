"""Carriers installed before 19.0.2.0.0 may share one tracking webhook token
(the field's default was evaluated once for the new column), so that each of
their addresses accepted the others' events. Every shared token is revoked:
each of those carriers gets its own, before the unique index is created."""

import logging

from odoo.tools import SQL

from odoo.addons.customer_order_management.models.delivery_carrier import _assign_new_tokens

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            SELECT id FROM delivery_carrier
             WHERE tracking_webhook_token IN (
                   SELECT tracking_webhook_token FROM delivery_carrier
                    WHERE tracking_webhook_token IS NOT NULL
                 GROUP BY tracking_webhook_token HAVING count(*) > 1)
          ORDER BY id
            """
        )
    )
    ids = [row[0] for row in cr.fetchall()]
    if ids:
        _assign_new_tokens(cr, ids)
        _logger.info(
            "Tracking webhook: %s carriers shared a token; each has its own now "
            "(give the carriers their new address).",
            len(ids),
        )
