#!/usr/bin/env python3
"""Delivery validation benchmark: plain Odoo against Odoo + customer_order_management.

Two databases copied from the same template (sale_stock, stock_delivery,
portal installed; the addon installed on top in one of them). Each round
copies them again, so that every round starts from the same data. 1,000
orders x 5 lines of storable products in stock, one transaction per order:
``create``, ``action_confirm`` and ``button_validate`` of its delivery, then
a commit. Each phase starts on an empty cache (as a new request would) and
ends with a flush, which also runs the pre-commit work (the chatter's field
tracking). Reports SQL queries per validation first (deterministic), then
the wall-time ratio, for the three phases.

Both sides queue their e-mails (``mail_notify_force_send`` off) instead of
sending them after each commit: the bench measures the server's work, not
an SMTP server. Plain Odoo sends no e-mail on validation (its delivery
confirmation e-mail is off by default and renders a PDF per delivery); the
addon queues its "shipped" e-mail.

Time passes alternate plain and addon (--rounds, default 3) and each phase
keeps its fastest round.

Usage: python3 bench/validation_bench.py [--orders 1000] [--rounds 3] [--out bench/out]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import argparse
import json
import subprocess
import time

import _harness as harness

BASE_MODULES = "sale_stock,stock_delivery,portal"
LINES = 5
PHASES = ("create", "action_confirm", "button_validate")


def orchestrate(options):
    work, addons_path, base = harness.prepare_workspace("validation")
    template, plain, addon, scratch = (
        f"{base}_{name}" for name in ("tpl", "plain", "addon", "run")
    )
    results = {}
    try:
        harness.install_addon(template, addons_path, work, modules=BASE_MODULES)
        for db in (plain, addon):
            subprocess.run(["createdb", "-T", template, db], check=True)
        harness.install_addon(addon, addons_path, work)
        for round_no in range(options.rounds):
            for mode, db in (("plain", plain), ("addon", addon)):
                print(f"== {mode}: {options.orders} orders (round {round_no + 1})", flush=True)
                # A fresh copy per round: every round validates the same
                # deliveries on the same data.
                subprocess.run(["createdb", "-T", db, scratch], check=True)
                result = harness.run_worker(
                    __file__,
                    scratch,
                    addons_path,
                    work,
                    "--worker",
                    mode,
                    "--orders",
                    str(options.orders),
                )
                kept = results.setdefault(mode, {"phases": {}, "rounds": []})
                kept["rounds"].append(result["phases"])
                for phase, values in result["phases"].items():
                    best = kept["phases"].get(phase)
                    if best is None or values["seconds"] < best["seconds"]:
                        kept["phases"][phase] = values
                harness.drop_databases(scratch)
    finally:
        harness.drop_databases(template, plain, addon, scratch)
    report(results, options)


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def report(results, options):
    n = options.orders
    timing = {mode: results[mode]["phases"] for mode in ("plain", "addon")}
    rows = [
        _row(["phase", "plain q/order", "addon q/order", "extra", "plain s", "addon s", "ratio"]),
        _row(["---"] + ["---:"] * 6),
    ]
    for phase in PHASES:
        plain, addon = timing["plain"][phase], timing["addon"][phase]
        rows.append(
            _row(
                [
                    f"`{phase}`",
                    f"{plain['queries'] / n:.1f}",
                    f"{addon['queries'] / n:.1f}",
                    f"{(addon['queries'] - plain['queries']) / n:+.1f}",
                    f"{plain['seconds']:.2f}",
                    f"{addon['seconds']:.2f}",
                    f"{addon['seconds'] / plain['seconds']:.2f}",
                ]
            )
        )
    validation = {mode: timing[mode]["button_validate"] for mode in timing}
    queries = {mode: validation[mode]["queries"] / n for mode in timing}
    round_ratios = ", ".join(
        f"{addon['button_validate']['seconds'] / plain['button_validate']['seconds']:.2f}"
        for plain, addon in zip(
            results["plain"]["rounds"], results["addon"]["rounds"], strict=False
        )
    )
    lines = [
        (
            f"Orders: {n} x {LINES} lines, one delivery each, one transaction per order. "
            f"Queries per validation: plain **{queries['plain']:.1f}**, addon "
            f"**{queries['addon']:.1f}** (**{queries['addon'] - queries['plain']:+.1f}**, "
            f"{queries['addon'] / queries['plain']:.2f}x); validation time ratio addon/plain: "
            f"**{validation['addon']['seconds'] / validation['plain']['seconds']:.2f}**."
        ),
        "",
        *rows,
        "",
        (
            f"Validation time ratio of each round (plain and addon of the same round): "
            f"{round_ratios} (the table keeps each phase's fastest round)."
        ),
    ]
    harness.save_report(options, "validation_bench", "\n".join(lines), results)


# ----------------------------------------------------------------------
# Worker: runs inside one database
# ----------------------------------------------------------------------


def _prepare_data(env, count):
    """Customers, and storable products with enough stock for every order."""
    from odoo.fields import Command  # noqa: PLC0415

    country = env.ref("base.us")
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench Customer {i}",
                "street": "1 Road",
                "city": "Town",
                "country_id": country.id,
                "email": f"bench{i}@example.com",
            }
            for i in range(50)
        ]
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench Product {i}",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0 + i,
                "standard_price": 5.0,
                "taxes_id": [Command.clear()],
            }
            for i in range(20)
        ]
    )
    stock = env["stock.warehouse"].search([], limit=1).lot_stock_id
    for product in products:
        env["stock.quant"]._update_available_quantity(product, stock, count * LINES * LINES)
    return partners, products


def _order_vals(partners, products, i):
    from odoo.fields import Command  # noqa: PLC0415

    return {
        "partner_id": partners[i % len(partners)].id,
        "client_order_ref": f"BENCH-{i}",
        "order_line": [
            Command.create(
                {"product_id": products[(i + j) % len(products)].id, "product_uom_qty": 1 + j}
            )
            for j in range(LINES)
        ],
    }


class _Phase:
    """Add the wall time and the SQL queries of a block to ``totals[name]``:
    from an empty cache to a flushed transaction (pre-commit work included)."""

    def __init__(self, env, totals, name):
        self.env, self.totals, self.name = env, totals, name

    def __enter__(self):
        from odoo import sql_db  # noqa: PLC0415

        self.sql = sql_db
        self.env.cr.flush()
        self.env.invalidate_all()
        self.start_queries = sql_db.sql_counter
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.env.cr.flush()
        seconds = time.perf_counter() - self.start
        total = self.totals.setdefault(self.name, {"seconds": 0.0, "queries": 0})
        total["seconds"] += seconds
        total["queries"] += self.sql.sql_counter - self.start_queries


def work(options):
    from odoo import api  # noqa: PLC0415

    registry = harness.open_registry(options)
    phases = {}
    with registry.cursor() as cr:
        # The administrator's environment is the first of the transaction, so
        # that flushes (and the chatter's tracking) run as that user, as in the
        # request of a user who clicks Validate.
        cr.execute("SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'user_admin'")
        env = api.Environment(cr, cr.fetchone()[0], {"mail_notify_force_send": False})
        partners, products = _prepare_data(env, options.orders)
        cr.commit()
        for i in range(options.orders):
            vals = _order_vals(partners, products, i)
            with _Phase(env, phases, "create"):
                order = env["sale.order"].create(vals)
            with _Phase(env, phases, "action_confirm"):
                order.action_confirm()
            with _Phase(env, phases, "button_validate"):
                result = order.picking_ids.button_validate()
            assert result is True, f"validation asked for a wizard: {result}"
            assert order.picking_ids.state == "done", "bench delivery not validated"
            cr.commit()
        if options.worker == "addon":
            shipped = env["stock.picking"].search_count([("shipment_state", "=", "shipped")])
            assert shipped >= options.orders, "bench deliveries not marked shipped"
    print(json.dumps({"phases": phases}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="time passes per mode")
    parser.add_argument("--out", default=str(harness.ROOT / "bench" / "out"))
    parser.add_argument("--worker", choices=["plain", "addon"], help=argparse.SUPPRESS)
    harness.add_worker_arguments(parser)
    options = parser.parse_args()
    if options.worker:
        work(options)
    else:
        orchestrate(options)


if __name__ == "__main__":
    main()
