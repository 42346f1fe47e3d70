#!/usr/bin/env python3
"""Inventory benchmark (issue 5), one database with the addon, no demo data.

1. ABC classes over 20,000 products and 200,000 delivered customer moves
   (bulk-generated in SQL: sale orders, their lines and done moves priced
   from the lines): ``_compute_abc_classes`` (first run writes the classes,
   second run changes nothing) against a hand-written SQL GROUP BY of the
   same values, wall time and queries.
2. A count session on a location with 5,000 quants: ``action_start``
   (snapshot), counting (one quantity per line) and ``action_validate``
   (apply through Odoo's quant inventory mode), wall time, queries and peak
   Python memory; against Odoo's own flow on another location holding the
   same 5,000 quants: set ``inventory_quantity`` on each quant, then
   "Apply All" (``stock.inventory.adjustment.name``).
3. The replenishment planner over 200 and 2,000 products with delivered
   history and open orders: wall time and queries (must not grow per product).

Usage: python3 bench/inventory_bench.py [--out bench/out]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import argparse
import json
import os
import sys
import time
import tracemalloc

import _harness as harness

PRODUCTS = 20_000
LINES = 200_000
QUANTS = 5_000
PLANNER_SIZES = (200, 2_000)


def orchestrate(options):
    work, addons_path, db = harness.prepare_workspace("inventory")
    try:
        harness.install_addon(db, addons_path, work)
        results = harness.run_worker(__file__, db, addons_path, work, "--worker")
    finally:
        harness.drop_databases(db)
    report(results, options)


def report(results, options):
    abc, count, planner = results["abc"], results["count"], results["planner"]
    lines = [
        f"### ABC classes ({PRODUCTS:,} products, {LINES:,} delivered moves)",
        "",
        "| step | s | queries |",
        "| --- | ---: | ---: |",
        f"| hand-written SQL GROUP BY (values per product) | {abc['raw']['seconds']:.2f} | 1 |",
        (
            f"| addon: values query alone | {abc['values']['seconds']:.2f} | "
            f"{abc['values']['queries']} |"
        ),
        (
            f"| addon: `_compute_abc_classes`, 1st run (writes {abc['first']['changed']:,}) | "
            f"{abc['first']['seconds']:.2f} | {abc['first']['queries']} |"
        ),
        (
            f"| addon: 2nd run (changes {abc['second']['changed']}) | "
            f"{abc['second']['seconds']:.2f} | {abc['second']['queries']} |"
        ),
        "",
        (
            "Ratio values query / raw SQL: "
            f"**{abc['values']['seconds'] / abc['raw']['seconds']:.2f}**; "
            f"whole first run / raw SQL: {abc['first']['seconds'] / abc['raw']['seconds']:.2f}; "
            f"classes A/B/C: {abc['classes']}."
        ),
        "",
        f"### Count session ({QUANTS:,} quants)",
        "",
        (
            "| phase | addon s | addon queries | addon peak MiB | Odoo s | Odoo queries | "
            "Odoo peak MiB |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in ("start", "count", "apply"):
        ours, odoo = count["addon"].get(phase), count["odoo"].get(phase)
        odoo_cells = (
            f"{odoo['seconds']:.2f} | {odoo['queries']} | {odoo['peak_mib']:.1f}"
            if odoo
            else "— | — | —"
        )
        lines.append(
            f"| {phase} | {ours['seconds']:.2f} | {ours['queries']} | {ours['peak_mib']:.1f} | "
            f"{odoo_cells} |"
        )
    ours_total = sum(count["addon"][p]["seconds"] for p in ("count", "apply"))
    odoo_total = sum(count["odoo"][p]["seconds"] for p in ("count", "apply"))
    lines += [
        "",
        (
            f"Ratio apply (addon validate / Odoo Apply All): "
            f"**{count['addon']['apply']['seconds'] / count['odoo']['apply']['seconds']:.2f}**; "
            f"count + apply: {ours_total / odoo_total:.2f} "
            f"(Odoo has no snapshot step; ours takes {count['addon']['start']['seconds']:.2f} s). "
            f"Both end with the same stock: {count['same_stock']}."
        ),
        "",
        "### Replenishment planner",
        "",
        "| products | s | queries | queries/product |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for size in PLANNER_SIZES:
        row = planner[str(size)]
        lines.append(
            f"| {size:,} | {row['seconds']:.2f} | {row['queries']} | {row['queries'] / size:.3f} |"
        )
    harness.save_report(options, "inventory_bench", "\n".join(lines), results)


# ----------------------------------------------------------------------
# Worker: runs inside the database
# ----------------------------------------------------------------------


def _generate(env):
    """20,000 storable products, 20,000 delivered orders of 10 lines each
    (200,000 lines and done moves to the customer, spread over 300 days),
    inserted in SQL."""
    cr = env.cr
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    customer_location = env.ref("stock.stock_location_customers")
    categ = env["product.category"].create({"name": "Inventory Bench"})
    planner_categ = {
        size: env["product.category"].create({"name": f"Planner {size}", "parent_id": categ.id})
        for size in PLANNER_SIZES
    }
    templates = env["product.template"].create(
        [
            {
                "name": f"Bench product {i:05d}",
                "is_storable": True,
                "categ_id": categ.id,
                "standard_price": 5.0,
                "list_price": 10.0,
            }
            for i in range(PRODUCTS)
        ]
    )
    products = templates.product_variant_ids
    # Planner categories: the first 200 and the next 2,000 products.
    planner_categ_products = {
        PLANNER_SIZES[0]: products[: PLANNER_SIZES[0]],
        PLANNER_SIZES[1]: products[PLANNER_SIZES[0] : PLANNER_SIZES[0] + PLANNER_SIZES[1]],
    }
    for size, selection in planner_categ_products.items():
        selection.product_tmpl_id.write({"categ_id": planner_categ[size].id})
    partner = env["res.partner"].create({"name": "Inventory Bench Customer"})
    uom = env.ref("uom.product_uom_unit")
    env.flush_all()
    orders = LINES // 10
    cr.execute(
        """
        INSERT INTO sale_order (company_id, partner_id, partner_invoice_id, partner_shipping_id,
                                name, date_order, picking_policy, order_channel, review_state,
                                state, currency_id, pricelist_id, warehouse_id, currency_rate,
                                create_date, write_date, create_uid, write_uid)
        SELECT %(company)s, %(partner)s, %(partner)s, %(partner)s, 'BENCH/' || g,
               now() - (g %% 300) * interval '1 day', 'direct', 'phone', 'not_reviewed',
               'sale', %(currency)s, NULL, %(warehouse)s, 1.0, now(), now(), 1, 1
          FROM generate_series(1, %(orders)s) g
        RETURNING id
        """,
        {
            "company": company.id,
            "partner": partner.id,
            "currency": company.currency_id.id,
            "warehouse": warehouse.id,
            "orders": orders,
        },
    )
    order_ids = [row[0] for row in cr.fetchall()]
    product_ids = products.ids
    # Skewed demand: product k sells in proportion to 1 / (1 + k / 200).
    cr.execute(
        """
        WITH weights AS (
            SELECT p.id AS product_id, row_number() OVER (ORDER BY p.id) - 1 AS k
              FROM product_product p WHERE p.id = ANY(%(products)s)
        ), picks AS (
            SELECT o.id AS order_id, o.date_order, n,
                   floor(%(count)s * power(random(), 3))::int AS k,
                   1 + floor(random() * 5)::int AS qty
              FROM unnest(%(orders)s::int[]) AS o_id
              JOIN sale_order o ON o.id = o_id
             CROSS JOIN generate_series(1, 10) n
        ), lines AS (
            SELECT picks.*, weights.product_id FROM picks JOIN weights USING (k)
        )
        INSERT INTO sale_order_line (order_id, name, product_id, product_uom_qty, qty_delivered,
                                     price_unit, price_subtotal, price_total, customer_lead,
                                     product_uom_id, company_id, currency_id, state,
                                     create_date, write_date, create_uid, write_uid)
        SELECT order_id, 'Bench line', product_id, qty, qty, 10.0, 10.0 * qty, 10.0 * qty, 0,
               %(uom)s, %(company)s, %(currency)s, 'sale', date_order, date_order, 1, 1
          FROM lines
        """,
        {
            "products": product_ids,
            "count": len(product_ids),
            "orders": order_ids,
            "uom": uom.id,
            "company": company.id,
            "currency": company.currency_id.id,
        },
    )
    cr.execute(
        """
        INSERT INTO stock_move (company_id, product_id, product_uom, location_id,
                                location_dest_id, procure_method, product_uom_qty, product_qty,
                                quantity, date, state, sale_line_id, warehouse_id,
                                picking_type_id, create_date, write_date, create_uid, write_uid)
        SELECT l.company_id, l.product_id, l.product_uom_id, %(stock)s, %(customer)s,
               'make_to_stock', l.product_uom_qty, l.product_uom_qty, l.product_uom_qty,
               o.date_order, 'done', l.id, %(warehouse)s, %(out_type)s,
               o.date_order, o.date_order, 1, 1
          FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE o.name LIKE 'BENCH/%%'
        """,
        {
            "stock": warehouse.lot_stock_id.id,
            "customer": customer_location.id,
            "warehouse": warehouse.id,
            "out_type": warehouse.out_type_id.id,
        },
    )
    cr.execute("ANALYZE sale_order; ANALYZE sale_order_line; ANALYZE stock_move")
    env.invalidate_all()
    return products, planner_categ, warehouse


def _measure(env, func):
    from odoo import sql_db  # noqa: PLC0415

    env.flush_all()
    env.invalidate_all()
    tracemalloc.start()
    start_queries, start = sql_db.sql_counter, time.perf_counter()
    result = func()
    env.flush_all()
    seconds = time.perf_counter() - start
    queries = sql_db.sql_counter - start_queries
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, {"seconds": seconds, "queries": queries, "peak_mib": peak / 2**20}


def _bench_abc(env, products):
    from odoo import fields  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415

    company = env.company
    date_from = fields.Datetime.subtract(fields.Datetime.now(), days=365)
    Template = env["product.template"]
    raw_sql = SQL(
        """
        SELECT pp.product_tmpl_id, SUM(m.quantity * sol.price_subtotal / sol.product_uom_qty)
          FROM stock_move m
          JOIN sale_order_line sol ON sol.id = m.sale_line_id
          JOIN product_product pp ON pp.id = m.product_id
          JOIN stock_location dest ON dest.id = m.location_dest_id
         WHERE m.state = 'done' AND m.company_id = %s AND m.date >= %s
           AND dest.usage = 'customer'
      GROUP BY pp.product_tmpl_id
        """,
        company.id,
        date_from,
    )
    # Warm the caches of both the same way.
    env.execute_query(raw_sql)
    Template._get_abc_sales_values(company, date_from)
    start = time.perf_counter()
    raw_rows = env.execute_query(raw_sql)
    raw = {"seconds": time.perf_counter() - start}
    values, values_stats = _measure(env, lambda: Template._get_abc_sales_values(company, date_from))
    assert len(values) == len(raw_rows), (len(values), len(raw_rows))
    changed, first = _measure(env, lambda: Template._compute_abc_classes(company))
    first["changed"] = changed
    changed, second = _measure(env, lambda: Template._compute_abc_classes(company))
    second["changed"] = changed
    classes = {
        abc_class: count
        for abc_class, count in Template.with_company(company)._read_group(
            [("id", "in", products.product_tmpl_id.ids)],
            ["abc_class"],
            ["__count"],
        )
    }
    return {
        "raw": raw,
        "values": values_stats,
        "first": first,
        "second": second,
        "classes": "/".join(str(classes.get(key, 0)) for key in ("a", "b", "c")),
    }


def _bench_count(env, products, warehouse):
    Quant = env["stock.quant"]
    Location = env["stock.location"]
    ours_location = Location.create(
        {"name": "Bench Aisle A", "location_id": warehouse.lot_stock_id.id}
    )
    odoo_location = Location.create(
        {"name": "Bench Aisle B", "location_id": warehouse.lot_stock_id.id}
    )
    selection = products[-QUANTS:]
    for location in (ours_location, odoo_location):
        for product in selection:
            Quant._update_available_quantity(product, location, 20)
    env.company.write({"count_approval_value": 0.0, "count_approval_percent": 0.0})
    counted = {product.id: 20 + (product.id % 3) - 1 for product in selection}  # 19/20/21
    result = {"addon": {}, "odoo": {}}

    session = env["stock.count.session"].create({"location_id": ours_location.id})
    _res, result["addon"]["start"] = _measure(env, session.action_start)

    def count_lines():
        for line in session.line_ids:
            line.counted_qty = counted[line.product_id.id]

    _res, result["addon"]["count"] = _measure(env, count_lines)
    _res, result["addon"]["apply"] = _measure(env, session.action_validate)
    assert session.state == "done", session.state

    quants = Quant.search([("location_id", "=", odoo_location.id)])

    def count_quants():
        for quant in quants.with_context(inventory_mode=True):
            quant.inventory_quantity = counted[quant.product_id.id]

    _res, result["odoo"]["count"] = _measure(env, count_quants)

    def apply_all():
        wizard = (
            env["stock.inventory.adjustment.name"]
            .with_context(default_quant_ids=quants.ids)
            .create({})
        )
        wizard.action_apply()

    _res, result["odoo"]["apply"] = _measure(env, apply_all)
    ours = {
        q.product_id.id: q.quantity for q in Quant.search([("location_id", "=", ours_location.id)])
    }
    theirs = {
        q.product_id.id: q.quantity for q in Quant.search([("location_id", "=", odoo_location.id)])
    }
    result["same_stock"] = ours == theirs == {pid: float(qty) for pid, qty in counted.items()}
    return result


def _bench_planner(env, planner_categ, warehouse):
    from odoo.fields import Command  # noqa: PLC0415

    result = {}
    for size in PLANNER_SIZES:
        planner = env["stock.replenishment.planner"].create(
            {
                "warehouse_id": warehouse.id,
                "categ_id": planner_categ[size].id,
                "product_ids": [Command.clear()],
            }
        )
        _res, stats = _measure(env, planner.action_compute)
        stats["lines"] = len(planner.line_ids)
        result[str(size)] = stats
    return result


def work(options):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    registry = harness.open_registry(options)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin"))
        print("generating", file=sys.stderr, flush=True)
        products, planner_categ, warehouse = _generate(env)
        print("abc", file=sys.stderr, flush=True)
        abc = _bench_abc(env, products)
        print("count", file=sys.stderr, flush=True)
        count = _bench_count(env, products, warehouse)
        print("planner", file=sys.stderr, flush=True)
        planner = _bench_planner(env, planner_categ, warehouse)
        cr.rollback()
    print(json.dumps({"abc": abc, "count": count, "planner": planner}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(harness.ROOT / "bench" / "out"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    harness.add_worker_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (smoke run)")
    options = parser.parse_args()
    if options.quick or os.environ.get("INVENTORY_BENCH_QUICK"):
        global PRODUCTS, LINES, QUANTS, PLANNER_SIZES
        PRODUCTS, LINES, QUANTS, PLANNER_SIZES = 2_000, 20_000, 500, (20, 200)
        os.environ["INVENTORY_BENCH_QUICK"] = "1"
    if options.worker:
        work(options)
    else:
        orchestrate(options)


if __name__ == "__main__":
    main()
