"""19.0.2.1.0 adds the lifecycle stage ``approved`` (review approved, not
yet confirmed), stored as ``received`` before. Only the quotations in that
situation are recomputed; their stage starts with their approval. No
tracking message: the order did not move, its stage got a name."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "active_test": False})
    Order = env["sale.order"]
    orders = Order.search(
        [
            ("state", "in", ("draft", "sent")),
            ("review_state", "=", "approved"),
            ("lifecycle_stage", "!=", "approved"),
        ]
    )
    if not orders:
        return
    env.add_to_compute(Order._fields["lifecycle_stage"], orders)
    env.add_to_compute(Order._fields["lifecycle_stage_date"], orders)
    orders.flush_recordset()
    cr.execute(
        SQL(
            """
            UPDATE sale_order SET lifecycle_stage_date = review_decision_date
             WHERE id IN %s AND lifecycle_stage = 'approved' AND review_decision_date IS NOT NULL
            """,
            tuple(orders.ids),
        )
    )
    orders.invalidate_recordset(["lifecycle_stage_date"])
    _logger.info("Lifecycle: %s approved quotations moved to the stage Approved.", len(orders))
