#!/usr/bin/env python3
"""Forecasting planner benchmark (issue 21), one database with the addon, no demo data.

History: 2,000 storable products (500 of each demand pattern: smooth,
erratic, intermittent, lumpy) with 730 days of generated daily customer
demand (a fixed seed), each with a vendor of 2 to 10 days' delay. The
history is inserted in SQL straight into ``stock_move`` (done moves from the
warehouse's stock to the customers, the rows the planner's demand query
reads): generating ~800,000 real deliveries through the ORM would take hours
on the bench machine.

1. Wall time and queries of ``action_compute`` over the 2,000 products and
   the 730 days, today's rule (``method = average``: the planner's algorithm
   before forecasting, kept as that method) against the new default
   (``auto``), alternating, three rounds each, in the same run.
2. Simulation on the same history: both planners plan on the 365 days
   before the last 180 (``plan_levels``, the function the planner's lines
   come from, with each line's lead time), then the last 180 days are
   replayed day by day with Odoo's min/max rule: when the forecast
   quantity (on hand + on order - backorders) falls under the minimum,
   order up to the maximum, received after the lead time; demand not
   served from stock on its day waits (a backorder). Fill rate = demand
   served on its day / demand; average stock value = end-of-day on hand
   × cost (5.00), averaged over the days, summed over the products.

Usage: python3 bench/forecast_bench.py [--out bench/out] [--quick]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import json
import os
import random
import sys
import time

import _harness as harness

PRODUCTS = 2_000
DAYS = 730
REPLAY_DAYS = 180
PLAN_LOOKBACK = 365
ROUNDS = 3
COST = 5.0
SERVICE_LEVEL = 0.95
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")


def orchestrate(options):
    work, addons_path, db = harness.prepare_workspace("forecast")
    try:
        harness.install_addon(db, addons_path, work)
        args = ["--worker"] + (["--quick"] if options.quick else [])
        results = harness.run_worker(__file__, db, addons_path, work, *args)
    finally:
        harness.drop_databases(db)
    report(results, options)


def generate_series(rng, pattern, days=DAYS):
    """One product's daily demand. Smooth: demand 95 % of days, about 10
    (σ 2); erratic: 90 % of days, gamma sizes of CV² 1 (mean 10);
    intermittent: 20 % of days, about 6 (σ 1); lumpy: 20 % of days, gamma
    sizes of CV² 1.25 (mean 10). Sizes are whole units, at least 1."""
    series = []
    for _day in range(days):
        if pattern == "smooth":
            qty = max(round(rng.gauss(10, 2)), 1) if rng.random() < 0.95 else 0
        elif pattern == "erratic":
            qty = max(round(rng.gammavariate(1.0, 10.0)), 1) if rng.random() < 0.9 else 0
        elif pattern == "intermittent":
            qty = max(round(rng.gauss(6, 1)), 1) if rng.random() < 0.2 else 0
        else:
            qty = max(round(rng.gammavariate(0.8, 12.5)), 1) if rng.random() < 0.2 else 0
        series.append(float(qty))
    return series


def _generate(env):
    from odoo.fields import Command  # noqa: PLC0415

    rng = random.Random(21)
    cr = env.cr
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    customers = env.ref("stock.stock_location_customers")
    categ = env["product.category"].create({"name": "Forecast Bench"})
    vendor = env["res.partner"].create({"name": "Forecast Bench Vendor"})
    patterns = [PATTERNS[i % 4] for i in range(PRODUCTS)]
    templates = env["product.template"].create(
        [
            {
                "name": f"Forecast bench {i:05d} ({pattern})",
                "is_storable": True,
                "categ_id": categ.id,
                "standard_price": COST,
                "list_price": 10.0,
                "seller_ids": [Command.create({"partner_id": vendor.id, "delay": 2 + i % 9})],
            }
            for i, pattern in enumerate(patterns)
        ]
    )
    products = templates.product_variant_ids
    env.flush_all()
    history = {}
    rows = ([], [], [])
    for product, pattern in zip(products, patterns, strict=True):
        series = generate_series(rng, pattern)
        history[product.id] = (pattern, series)
        for day, qty in enumerate(series):
            if qty:
                rows[0].append(product.id)
                rows[1].append(DAYS - 1 - day)
                rows[2].append(qty)
    uom = env.ref("uom.product_uom_unit").id
    chunk = 200_000
    for start in range(0, len(rows[0]), chunk):
        cr.execute(
            """
            INSERT INTO stock_move (company_id, product_id, product_uom, location_id,
                                    location_dest_id, procure_method, product_uom_qty,
                                    product_qty, quantity, date, state, warehouse_id,
                                    picking_type_id, create_date, write_date, create_uid,
                                    write_uid)
            SELECT %(company)s, p, %(uom)s, %(stock)s, %(customer)s, 'make_to_stock', q, q, q,
                   now() - d * interval '1 day', 'done', %(warehouse)s, %(out_type)s,
                   now(), now(), 1, 1
              FROM unnest(%(products)s::int[], %(ages)s::int[], %(qtys)s::float8[]) AS t(p, d, q)
            """,
            {
                "company": company.id,
                "uom": uom,
                "stock": warehouse.lot_stock_id.id,
                "customer": customers.id,
                "warehouse": warehouse.id,
                "out_type": warehouse.out_type_id.id,
                "products": rows[0][start : start + chunk],
                "ages": rows[1][start : start + chunk],
                "qtys": rows[2][start : start + chunk],
            },
        )
    cr.execute("ANALYZE stock_move")
    env.invalidate_all()
    return categ, warehouse, history, len(rows[0])


def _measure(env, func):
    from odoo import sql_db  # noqa: PLC0415

    env.flush_all()
    env.invalidate_all()
    start_queries, start = sql_db.sql_counter, time.perf_counter()
    result = func()
    env.flush_all()
    return result, {
        "seconds": time.perf_counter() - start,
        "queries": sql_db.sql_counter - start_queries,
    }


def _bench_planner(env, categ, warehouse):
    planners = {
        method: env["stock.replenishment.planner"].create(
            {
                "warehouse_id": warehouse.id,
                "categ_id": categ.id,
                "lookback_days": DAYS,
                "service_level": SERVICE_LEVEL,
                "method": method,
            }
        )
        for method in ("average", "auto")
    }
    runs = {method: [] for method in planners}
    for _round in range(ROUNDS):
        for method, planner in planners.items():
            _res, stats = _measure(env, planner.action_compute)
            runs[method].append(stats)
    lines = {method: planner.line_ids for method, planner in planners.items()}
    patterns = {}
    for line in lines["auto"]:
        key = line.demand_pattern or "none"
        patterns[key] = patterns.get(key, 0) + 1
    lead = {line.product_id.id: line.lead_time_days for line in lines["auto"]}
    return runs, patterns, lead, len(lines["auto"])


def simulate(series, minimum, maximum, lead_days):
    """Replay ``series`` with a min/max rule (see the module): (demand,
    served on its day, average on hand)."""
    on_hand, backorder = maximum, 0.0
    arrivals = {}
    on_order = 0.0
    served = demand = stock_days = 0.0
    lead = max(round(lead_days), 0)
    for day, qty in enumerate(series):
        received = arrivals.pop(day, 0.0)
        on_order -= received
        on_hand += received
        late = min(backorder, on_hand)
        on_hand -= late
        backorder -= late
        now = min(qty, on_hand)
        on_hand -= now
        backorder += qty - now
        served += now
        demand += qty
        position = on_hand + on_order - backorder
        if position < minimum:
            order = maximum - position
            arrivals[day + lead] = arrivals.get(day + lead, 0.0) + order
            on_order += order
            if lead == 0:
                received = arrivals.pop(day, 0.0)
                on_order -= received
                on_hand += received
        stock_days += on_hand
    return demand, served, stock_days / len(series)


def _simulate(env, history, lead):
    from statistics import NormalDist  # noqa: PLC0415

    from odoo.addons.customer_order_management.wizards.stock_replenishment_planner import (  # noqa: PLC0415
        plan_levels,
    )

    z = NormalDist().inv_cdf(SERVICE_LEVEL)
    digits = env["decimal.precision"].precision_get("Product Unit")
    results = {}
    for planner, method in (("today", "average"), ("new", "auto")):
        totals = {pattern: [0.0, 0.0, 0.0, 0] for pattern in PATTERNS}
        for product_id, (pattern, series) in history.items():
            past = series[DAYS - REPLAY_DAYS - PLAN_LOOKBACK : DAYS - REPLAY_DAYS]
            plan = plan_levels(past, method, 0.1, z, lead[product_id], 7, digits, 1.0)
            demand, served, on_hand = simulate(
                series[DAYS - REPLAY_DAYS :],
                plan["suggested_min"],
                plan["suggested_max"],
                lead[product_id],
            )
            total = totals[pattern]
            total[0] += demand
            total[1] += served
            total[2] += on_hand * COST
            total[3] += 1
        results[planner] = {
            pattern: {
                "fill_rate": served / demand if demand else 1.0,
                "stock_value": value,
                "products": count,
            }
            for pattern, (demand, served, value, count) in totals.items()
        }
    return results


def work(options):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    registry = harness.open_registry(options)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin"))
        print("generating", file=sys.stderr, flush=True)
        start = time.perf_counter()
        categ, warehouse, history, moves = _generate(env)
        generated = time.perf_counter() - start
        print("planner", file=sys.stderr, flush=True)
        runs, patterns, lead, lines = _bench_planner(env, categ, warehouse)
        print("simulation", file=sys.stderr, flush=True)
        simulation = _simulate(env, history, lead)
        cr.rollback()
    print(
        json.dumps(
            {
                "moves": moves,
                "generated_seconds": generated,
                "runs": runs,
                "patterns": patterns,
                "lines": lines,
                "simulation": simulation,
            }
        )
    )


def report(results, options):
    runs = results["runs"]

    def best(method):
        return min(run["seconds"] for run in runs[method])

    def queries(method):
        return [run["queries"] for run in runs[method]]

    ratio = best("auto") / best("average")
    lines = [
        f"### Forecasting planner ({PRODUCTS:,} products × {DAYS} days, issue 21)",
        "",
        f"History: {results['moves']:,} done customer moves inserted in SQL into `stock_move` "
        f"in {results['generated_seconds']:.0f} s (ORM deliveries would take hours here); "
        f"patterns found by the planner: "
        + ", ".join(f"{key} {value}" for key, value in sorted(results["patterns"].items()))
        + ".",
        "",
        (
            f"`action_compute`, lookback {DAYS} days, {results['lines']:,} lines, "
            f"{ROUNDS} alternating rounds:"
        ),
        "",
        "| planner | rounds (s) | best (s) | queries per round |",
        "| --- | --- | ---: | ---: |",
    ]
    for method, label in (("average", "today's rule (`method=average`)"), ("auto", "new (`auto`)")):
        rounds = ", ".join(f"{run['seconds']:.2f}" for run in runs[method])
        lines.append(
            f"| {label} | {rounds} | {best(method):.2f} | "
            f"{', '.join(str(q) for q in queries(method))} |"
        )
    lines += [
        "",
        (
            f"Time ratio new / today (best rounds): {ratio:.2f} (goal ≤ 2); queries of the "
            f"last round: {queries('average')[-1]} today, {queries('auto')[-1]} new (both "
            "methods run the same queries; the first round of the run fills the caches)."
        ),
        "",
        (
            f"Simulation: plan on days {DAYS - REPLAY_DAYS - PLAN_LOOKBACK + 1}–"
            f"{DAYS - REPLAY_DAYS} (lookback {PLAN_LOOKBACK}), replay the last {REPLAY_DAYS} "
            f"days checking the rule every day (Odoo's scheduler runs daily), service level "
            f"{SERVICE_LEVEL:.0%}, max = min + 7 days of forecast (the planner's order "
            "cycle), vendor lead times 2–10 days:"
        ),
        "",
        (
            "| pattern | products | fill today | fill new | avg stock value today | "
            "avg stock value new | new vs today |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    simulation = results["simulation"]
    for pattern in PATTERNS:
        today, new = simulation["today"][pattern], simulation["new"][pattern]
        change = new["stock_value"] / today["stock_value"] - 1 if today["stock_value"] else 0.0
        lines.append(
            f"| {pattern} | {today['products']} | {today['fill_rate']:.1%} | "
            f"{new['fill_rate']:.1%} | {today['stock_value']:,.0f} | {new['stock_value']:,.0f} | "
            f"{change:+.1%} |"
        )
    text = "\n".join(lines)
    harness.save_report(options, "forecast", text, results)


def main():
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the products (smoke run)")
    options = parser.parse_args()
    if options.quick or os.environ.get("FORECAST_BENCH_QUICK"):
        global PRODUCTS
        PRODUCTS = 200
    harness.dispatch(options, work, orchestrate)


if __name__ == "__main__":
    main()
