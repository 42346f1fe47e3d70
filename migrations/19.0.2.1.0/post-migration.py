"""19.0.2.1.0 adds the lifecycle stage ``approved`` (review approved, not
yet confirmed), stored as ``received`` before. Only the quotations in that
situation are recomputed; their stage starts with their approval. No
tracking message: the order did not move, its stage got a name."""

import logging
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


# The customer e-mails whose times 19.0.2.1.0 shows in the customer's
# timezone without seconds. They are ``noupdate``: an upgrade leaves them.
# Those still exactly as 19.0.2.0.0 shipped them in every language (the
# files beside this script: English, and the addon's Chinese) are reset to
# the new text, translations included; a template a company edited, in any
# language, is the company's and is kept.
SHIPPED_TEMPLATES = (
    "mail_template_shipment_delivered",
    "mail_template_shipment_backorder",
    "mail_template_order_delayed",
)


def _normalized(html):
    return " ".join(str(html or "").split())


def _left_as_shipped(template, folder, name):
    """Whether every language of ``template``'s body is as 19.0.2.0.0
    shipped it: English as the file ``<name>.html``, each language the
    addon translated as ``<name>.<lang>.html``; a language the addon does
    not translate holds a company's own translation, kept."""
    stored = template._fields["body_html"]._get_stored_translations(template) or {}
    for lang, body in stored.items():
        path = folder / (f"{name}.html" if lang == "en_US" else f"{name}.{lang}.html")
        if not path.exists() or _normalized(body) != _normalized(path.read_text("utf-8")):
            return False
    return bool(stored)


def refresh_shipped_templates(env):
    folder = Path(__file__).parent / "shipped_templates"
    refreshed = []
    for name in SHIPPED_TEMPLATES:
        template = env.ref(f"customer_order_management.{name}", raise_if_not_found=False)
        if template and _left_as_shipped(template, folder, name):
            template.reset_template()
            refreshed.append(name)
    if refreshed:
        _logger.info("Customer e-mails refreshed to the customer's timezone: %s", refreshed)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "active_test": False})
    refresh_shipped_templates(env)
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
