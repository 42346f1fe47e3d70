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
3. Equal fill: the same replay with each planner's service level raised or
   lowered (bisection on z) until each pattern's fill rate reaches 93 %;
   the stock value each planner then holds is the stock it needs for that
   fill. On a stationary history the long average is already the best
   forecast there is, so this shows what the buffer's shape costs.
4. Changing demand: a second history, replay only (no database), from the
   same generator with, per product in turn, no change, demand halved,
   demand raised by half, or a product fading out (its demand days thinned
   to none over 240 days), each change starting 30 to 200 days before the
   plan date and going on through the replay: the case forecasts are for.

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
FILL_TARGET = 0.93
CHANGES = ("none", "halved", "raised by half", "fading out")
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


def changed_series(rng, series, change, start):
    """``series`` with ``change`` (see ``CHANGES``) from day ``start`` on:
    sizes scaled with random rounding (halved, raised by half), or demand
    days kept with a chance falling from 1 to 0 over 240 days (fading)."""
    out = list(series[:start])
    for day, qty in enumerate(series[start:]):
        if change == "fading out":
            out.append(qty if qty and rng.random() < max(1 - day / 240, 0.0) else 0.0)
        elif change == "none" or not qty:
            out.append(qty)
        else:
            scaled = qty * (0.5 if change == "halved" else 1.5)
            out.append(float(max(int(scaled + rng.random()), 1)))
    return out


def changing_history(history):
    """The changing-demand history (module, 4.): one change per product in
    turn, from a fixed seed."""
    rng = random.Random(7)
    plan_day = DAYS - REPLAY_DAYS
    changed = {}
    for index, (product_id, (pattern, series)) in enumerate(sorted(history.items())):
        change = CHANGES[index // len(PATTERNS) % len(CHANGES)]
        start = rng.randint(plan_day - 200, plan_day - 30)
        changed[product_id] = (pattern, changed_series(rng, series, change, start), change)
    return changed


def replay(history, lead, method, z, digits, patterns=PATTERNS):
    """Plan each product of ``patterns`` on the lookback before the replay
    with ``method`` and ``z``, replay the last days: per pattern [demand,
    served, stock value, products]."""
    from odoo.addons.customer_order_management.wizards.stock_replenishment_planner import (  # noqa: PLC0415
        plan_levels,
    )

    totals = {pattern: [0.0, 0.0, 0.0, 0] for pattern in patterns}
    for product_id, (pattern, series, *_change) in history.items():
        if pattern not in totals:
            continue
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
    return totals


def _figures(totals):
    return {
        pattern: {
            "fill_rate": served / demand if demand else 1.0,
            "stock_value": value,
            "products": count,
        }
        for pattern, (demand, served, value, count) in totals.items()
    }


def equal_fill(history, lead, method, pattern, digits):
    """The z at which ``pattern``'s fill rate reaches ``FILL_TARGET`` (0 when
    it does without any buffer), found by bisection on [0, 4], and the
    figures there."""

    def fill(z):
        totals = replay(history, lead, method, z, digits, (pattern,))[pattern]
        return totals[1] / totals[0] if totals[0] else 1.0

    low, high = 0.0, 4.0
    if fill(low) >= FILL_TARGET:
        high = low
    else:
        for _step in range(16):
            middle = (low + high) / 2
            if fill(middle) >= FILL_TARGET:
                high = middle
            else:
                low = middle
    figures = _figures(replay(history, lead, method, high, digits, (pattern,)))[pattern]
    return {"z": high, **figures}


def hindsight_bound(history, lead, pattern):
    """What no planner can beat: for each product of ``pattern``, the rule
    (min 0–120 by 2, max − min 0, 7, 14 or 28) chosen from that grid
    *knowing the replayed demand*, one price of stock for all products (a
    Lagrange multiplier, bisected) so that the pattern's fill rate reaches
    ``FILL_TARGET`` with the least stock: fill and stock value there."""
    outcomes = []
    for product_id, (pattern_of, series, *_change) in history.items():
        if pattern_of != pattern:
            continue
        replayed = series[DAYS - REPLAY_DAYS :]
        runs = [
            simulate(replayed, minimum, minimum + spread, lead[product_id])
            for minimum in range(0, 121, 2)
            for spread in (0, 7, 14, 28)
        ]
        outcomes.append([(served, on_hand * COST) for _demand, served, on_hand in runs])
        outcomes[-1].append(runs[0][0])  # the product's demand, last

    def best(price):
        served = value = demand = 0.0
        for runs in outcomes:
            run_served, run_value = max(runs[:-1], key=lambda run: run[0] - price * run[1])
            served += run_served
            value += run_value
            demand += runs[-1]
        return served / demand if demand else 1.0, value

    low, high = 0.0, 10.0  # a higher price of stock, a lower fill
    for _step in range(30):
        middle = (low + high) / 2
        if best(middle)[0] >= FILL_TARGET:
            low = middle
        else:
            high = middle
    fill, value = best(low)
    return {"fill_rate": fill, "stock_value": value}


def _simulate(env, history, lead):
    from statistics import NormalDist  # noqa: PLC0415

    z = NormalDist().inv_cdf(SERVICE_LEVEL)
    digits = env["decimal.precision"].precision_get("Product Unit")
    planners = (("today", "average"), ("new", "auto"))
    results = {
        planner: _figures(replay(history, lead, method, z, digits)) for planner, method in planners
    }
    results["equal_fill"] = {
        planner: {
            pattern: equal_fill(history, lead, method, pattern, digits) for pattern in PATTERNS
        }
        for planner, method in planners
    }
    results["hindsight"] = {
        pattern: hindsight_bound(history, lead, pattern) for pattern in ("intermittent", "lumpy")
    }
    changing = changing_history(history)
    results["changing"] = {
        planner: _figures(replay(changing, lead, method, z, digits)) for planner, method in planners
    }
    results["changing_by_change"] = {
        planner: {
            change: _figures(
                replay(
                    {key: value for key, value in changing.items() if value[2] == change},
                    lead,
                    method,
                    z,
                    digits,
                )
            )
            for change in CHANGES
        }
        for planner, method in planners
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
    lines += _equal_fill_lines(simulation) + _changing_lines(simulation)
    text = "\n".join(lines)
    harness.save_report(options, "forecast", text, results)


def _service_level(z):
    from statistics import NormalDist  # noqa: PLC0415

    return NormalDist().cdf(z)


def _equal_fill_lines(simulation):
    lines = [
        "",
        (
            f"Equal fill: each planner's service level moved (bisection on z) until the "
            f"pattern's fill rate reaches {FILL_TARGET:.0%} in the same replay, and the stock "
            "it then holds:"
        ),
        "",
        (
            "| pattern | today: service level | fill | avg stock value | new: service level | "
            "fill | avg stock value | new vs today |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pattern in PATTERNS:
        today = simulation["equal_fill"]["today"][pattern]
        new = simulation["equal_fill"]["new"][pattern]
        change = new["stock_value"] / today["stock_value"] - 1 if today["stock_value"] else 0.0
        lines.append(
            f"| {pattern} | {_service_level(today['z']):.1%} | {today['fill_rate']:.1%} | "
            f"{today['stock_value']:,.0f} | {_service_level(new['z']):.1%} | "
            f"{new['fill_rate']:.1%} | {new['stock_value']:,.0f} | {change:+.1%} |"
        )
    lines += [
        "",
        (
            "Hindsight bound (no planner can do better): each product's rule picked from a grid "
            "knowing the replayed demand, the least stock for the same fill rate:"
        ),
        "",
        "| pattern | fill | avg stock value | against today's planner at 95 % |",
        "| --- | ---: | ---: | ---: |",
    ]
    for pattern, bound in simulation["hindsight"].items():
        today = simulation["today"][pattern]
        lines.append(
            f"| {pattern} | {bound['fill_rate']:.1%} | {bound['stock_value']:,.0f} | "
            f"{bound['stock_value'] / today['stock_value'] - 1:+.1%} |"
        )
    return lines


def _changing_lines(simulation):
    lines = [
        "",
        (
            f"Changing demand (replay only, same plan window and lead times, service level "
            f"{SERVICE_LEVEL:.0%}): per product in turn no change, demand halved, raised by "
            "half, or fading out over 240 days, starting 30–200 days before the plan date:"
        ),
        "",
        (
            "| pattern | change | fill today | fill new | avg stock value today | "
            "avg stock value new | new vs today |"
        ),
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [("all", simulation["changing"]["today"], simulation["changing"]["new"])] + [
        (
            change,
            simulation["changing_by_change"]["today"][change],
            simulation["changing_by_change"]["new"][change],
        )
        for change in CHANGES
    ]
    for pattern in PATTERNS:
        for change, today_figures, new_figures in rows:
            today, new = today_figures[pattern], new_figures[pattern]
            ratio = new["stock_value"] / today["stock_value"] - 1 if today["stock_value"] else 0.0
            lines.append(
                f"| {pattern} | {change} | {today['fill_rate']:.1%} | {new['fill_rate']:.1%} | "
                f"{today['stock_value']:,.0f} | {new['stock_value']:,.0f} | {ratio:+.1%} |"
            )
    return lines


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
