#!/usr/bin/env python3
"""Returns benchmark: queries per return must not grow with the number of returns.

One database with the addon (no demo data). For 50 and then 500 delivered
orders (bulk-generated, untimed), one return each (2 of the 5 delivered
units, refund, restock), the batch goes through ``create``,
``action_submit``, ``action_approve`` and ``action_receive``; each phase
reports wall time and SQL queries per return. The approval e-mail's PDF
(wkhtmltopdf, about 1 s per document) is detached from the template in the
bench: it measures the return flow, not the PDF renderer.

Usage: python3 bench/returns_bench.py [--out bench/out]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import argparse
import json
import time

import _harness as harness

SIZES = (50, 500)
PHASES = ("create", "action_submit", "action_approve", "action_receive")


def orchestrate(options):
    work, addons_path, db = harness.prepare_workspace("returns")
    try:
        harness.install_addon(db, addons_path, work)
        results = {}
        for size in SIZES:
            print(f"== {size} returns", flush=True)
            results[size] = harness.run_worker(
                __file__, db, addons_path, work, "--worker", "--size", str(size)
            )
    finally:
        harness.drop_databases(db)
    report(results, options)


def report(results, options):
    small, big = SIZES
    lines = [
        "| phase | s (50) | s (500) | queries/return (50) | queries/return (500) | change |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals = {size: 0 for size in SIZES}
    for phase in PHASES:
        per = {size: results[size][phase]["queries"] / size for size in SIZES}
        for size in SIZES:
            totals[size] += results[size][phase]["queries"] / size
        lines.append(
            f"| {phase} | {results[small][phase]['seconds']:.2f} | "
            f"{results[big][phase]['seconds']:.2f} | {per[small]:.1f} | {per[big]:.1f} | "
            f"{100 * (per[big] / per[small] - 1):+.1f} % |"
        )
    lines.append(
        f"| **total** | | | {totals[small]:.1f} | {totals[big]:.1f} | "
        f"{100 * (totals[big] / totals[small] - 1):+.1f} % |"
    )
    harness.save_report(options, "returns_bench", "\n".join(lines), results)


# ----------------------------------------------------------------------
# Worker: runs inside the database
# ----------------------------------------------------------------------


def _delivered_orders(env, size):
    from odoo.fields import Command  # noqa: PLC0415

    partner = env["res.partner"].create(
        {"name": "Returns Bench Customer", "email": "rb@example.com"}
    )
    product = env["product.product"].create(
        {"name": "Returns Bench Product", "type": "consu", "is_storable": True, "list_price": 40}
    )
    stock = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    env["stock.quant"]._update_available_quantity(product, stock.lot_stock_id, size * 5)
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 5})],
            }
            for _i in range(size)
        ]
    )
    orders.action_confirm()
    pickings = orders.picking_ids
    pickings.action_assign()
    for move in pickings.move_ids:
        move.quantity = move.product_uom_qty
    pickings.move_ids.picked = True
    pickings.with_context(skip_backorder=True, skip_sms=True).button_validate()
    return orders


def work(options):
    from odoo import SUPERUSER_ID, api, sql_db  # noqa: PLC0415
    from odoo.fields import Command  # noqa: PLC0415

    registry = harness.open_registry(options)
    phases = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin"), context={"skip_sms": True})
        template = env.ref("customer_order_management.mail_template_return_approved")
        template.report_template_ids = False
        # Orders are confirmed without review here: the bench measures returns.
        env["sale.order.review.rule"].search([]).action_archive()
        orders = _delivered_orders(env, options.size)
        reason = env.ref("customer_order_management.return_reason_damaged")
        vals = [
            {
                "order_id": order.id,
                "line_ids": [
                    Command.create(
                        {"sale_line_id": order.order_line.id, "quantity": 2, "reason_id": reason.id}
                    )
                ],
            }
            for order in orders
        ]

        def measure(name, func):
            env.flush_all()
            env.invalidate_all()
            start_queries, start = sql_db.sql_counter, time.perf_counter()
            result = func()
            env.flush_all()
            phases[name] = {
                "seconds": time.perf_counter() - start,
                "queries": sql_db.sql_counter - start_queries,
            }
            return result

        returns = measure("create", lambda: env["customer.return"].create(vals))
        measure("action_submit", returns.action_submit)
        measure("action_approve", returns.action_approve)
        measure("action_receive", returns.action_receive)
        assert set(returns.mapped("state")) == {"done"}, returns.mapped("state")
        assert all(line.qty_delivered == 3 for line in orders.order_line)
        cr.rollback()
    print(json.dumps(phases))


def main():
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    harness.dispatch(parser.parse_args(), work, orchestrate)


if __name__ == "__main__":
    main()
