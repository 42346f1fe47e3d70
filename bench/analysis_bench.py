#!/usr/bin/env python3
"""Analytics benchmark: the order analysis and the report pack at scale.

One database with the addon (no demo data). 1,000,000 sales order lines
(100,000 confirmed orders x 10 lines over 24 months and 6 channels) are
bulk-generated in SQL by copying one real order and line made by the ORM,
so every column sale.report and the analysis read is filled as Odoo would.

1. Pivot month x channel (sum of the untaxed amount, count) through the
   ORM's ``_read_group`` on ``customer.order.analysis`` against a
   hand-written SQL GROUP BY on sale_order_line/sale_order. Median of the rounds
   each, alternated. Goal: <= 2x.
2. The XLSX pack of all sections over the 24 months: wall time and peak
   Python memory growth (tracemalloc) of the pack, and of raw xlsxwriter
   (``constant_memory``) writing the same rows (already in memory). Time
   and memory are measured in separate passes (tracemalloc slows Python
   code); times are medians of 5 alternated rounds (``--rounds``), each
   round's ratio reported too (a noisy machine shows in them). The pack is
   timed counted in UTC and, in the same rounds, in Europe/Brussels time.
   Goal: memory growth <= 150 MB; time <= 1.5x.

Usage: python3 bench/analysis_bench.py [--lines 1000000] [--rounds 5] [--out bench/out]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import io
import json
import statistics
import time
import tracemalloc

import _harness as harness

LINES_PER_ORDER = 10
# The pack is measured counted in UTC (a user or schedule without a timezone)
# and in this timezone (every order date converted to find its day and month).
TZ = "Europe/Brussels"
CHANNELS = ("phone", "fax", "email", "website", "portal", "edi")


def orchestrate(options):
    work, addons_path, db = harness.prepare_workspace("analysis")
    try:
        harness.install_addon(db, addons_path, work)
        print(f"== {options.lines} lines: generating and measuring", flush=True)
        results = harness.run_worker(
            __file__,
            db,
            addons_path,
            work,
            "--worker",
            "--lines",
            str(options.lines),
            "--rounds",
            str(options.rounds),
        )
    finally:
        harness.drop_databases(db)
    report(results, options)


def report(results, options):
    pivot, pack = results["pivot"], results["pack"]
    lines = [
        (
            f"Lines: {results['lines']:,} ({results['orders']:,} orders), generated in "
            f"{results['generate_s']:.1f} s."
        ),
        "",
        "| measure | ORM / pack | raw | ratio |",
        "| --- | ---: | ---: | ---: |",
        (
            f"| pivot month x channel, median s | {pivot['orm_s']:.3f} | {pivot['sql_s']:.3f} | "
            f"**{pivot['orm_s'] / pivot['sql_s']:.2f}** |"
        ),
        (
            f"| XLSX pack (its queries included, counted in UTC) vs raw xlsxwriter writing "
            f"the same rows, median s | "
            f"{pack['pack_s']:.2f} | {pack['raw_s']:.2f} | "
            f"**{pack['pack_s'] / pack['raw_s']:.2f}** |"
        ),
        (
            f"| the same pack counted in {TZ} time, median s | "
            f"{pack['pack_tz_s']:.2f} | {pack['raw_s']:.2f} | "
            f"**{pack['pack_tz_s'] / pack['raw_s']:.2f}** |"
        ),
        (
            f"| of which the pack's aggregate queries (KPIs, trend, channels, products, "
            f"customers), s | {pack['data_s']:.2f} | - | - |"
        ),
        (
            f"| of which writing the workbook (backlog streamed from its query), s | "
            f"{pack['write_s']:.2f} | {pack['raw_s']:.2f} | "
            f"**{pack['write_s'] / pack['raw_s']:.2f}** |"
        ),
        (
            f"| peak Python memory growth, MiB | {pack['pack_peak_mib']:.1f} | "
            f"{pack['raw_peak_mib']:.1f} | - |"
        ),
        "",
        (
            f"Pivot groups: {pivot['groups']} (same sums both ways: {pivot['same']}). Pack: "
            f"{pack['rows']:,} rows over {pack['sheets']} sheets, {pack['bytes']:,} bytes."
        ),
        "Rounds (pack / raw, s): "
        + ", ".join(
            f"{pack_s:.2f} / {raw_s:.2f} ({pack_s / raw_s:.2f})"
            for pack_s, raw_s in zip(pack["runs"]["pack"], pack["runs"]["raw"], strict=True)
        )
        + f"; median of the rounds' ratios {pack['median_round_ratio']:.2f}.",
        f"Rounds in {TZ} time (pack / raw, s): "
        + ", ".join(
            f"{pack_s:.2f} / {raw_s:.2f} ({pack_s / raw_s:.2f})"
            for pack_s, raw_s in zip(pack["runs"]["pack_tz"], pack["runs"]["raw"], strict=True)
        )
        + ".",
    ]
    harness.save_report(options, "analysis_bench", "\n".join(lines), results)


# ----------------------------------------------------------------------
# Worker
# ----------------------------------------------------------------------


def _generate(env, lines):
    """Copy one ORM-made order and line in SQL: ``lines`` lines."""
    from odoo.fields import Command  # noqa: PLC0415

    env["sale.order.review.rule"].search([]).action_archive()
    partner = env["res.partner"].create({"name": "Analysis Bench Customer"})
    products = env["product.product"].create(
        [{"name": f"Analysis Bench {i}", "list_price": 10 + i} for i in range(LINES_PER_ORDER)]
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [Command.create({"product_id": p.id}) for p in products],
        }
    )
    order.action_confirm()
    env.flush_all()
    cr = env.cr
    orders = lines // LINES_PER_ORDER

    def columns(table):
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id' "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cr.fetchall()]

    so_cols = columns("sale_order")
    channels = ", ".join(f"'{channel}'" for channel in CHANNELS)
    overrides = {
        "name": "'BENCH/' || b.g",
        "date_order": "now() - (b.g %% 730) * interval '1 day'",
        "order_channel": f"(ARRAY[{channels}])[1 + b.g %% {len(CHANNELS)}]",
        "access_token": "NULL",
    }
    select = ", ".join(overrides.get(c, f"t.{c}") for c in so_cols)
    cr.execute(
        f"CREATE TEMP TABLE bench_orders AS SELECT g, nextval('sale_order_id_seq') AS id "
        f"FROM generate_series(1, {orders}) g"
    )
    cr.execute(
        f"INSERT INTO sale_order (id, {', '.join(so_cols)}) "
        f"SELECT b.id, {select} FROM sale_order t, bench_orders b WHERE t.id = %s",
        [order.id],
    )
    sol_cols = columns("sale_order_line")
    select = ", ".join("b.id" if c == "order_id" else f"l.{c}" for c in sol_cols)
    cr.execute(
        f"INSERT INTO sale_order_line ({', '.join(sol_cols)}) "
        f"SELECT {select} FROM sale_order_line l, bench_orders b WHERE l.order_id = %s",
        [order.id],
    )
    cr.execute("ANALYZE sale_order; ANALYZE sale_order_line")
    env.invalidate_all()
    return orders + 1


def _median_time(func, runs=3):
    times = []
    for _i in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def work(options):
    from datetime import date  # noqa: PLC0415

    import xlsxwriter  # noqa: PLC0415
    from dateutil.relativedelta import relativedelta  # noqa: PLC0415

    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    registry = harness.open_registry(options)
    results = {"lines": options.lines}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env = env(user=env.ref("base.user_admin"))
        start = time.perf_counter()
        results["orders"] = _generate(env, options.lines)
        results["generate_s"] = time.perf_counter() - start
        Analysis = env["customer.order.analysis"]

        def orm():
            env.invalidate_all()
            return Analysis._read_group(
                [("state", "=", "sale")],
                ["date_order:month", "order_channel"],
                ["price_subtotal:sum", "__count"],
            )

        def sql():
            cr.execute(
                """
                SELECT date_trunc('month', s.date_order), s.order_channel,
                       SUM(l.price_subtotal / COALESCE(NULLIF(s.currency_rate, 0), 1.0)),
                       COUNT(*)
                  FROM sale_order_line l JOIN sale_order s ON s.id = l.order_id
                 WHERE s.state = 'sale' AND l.display_type IS NULL
                 GROUP BY 1, 2
                """
            )
            return cr.fetchall()

        orm(), sql()  # warm both (caches, plans)
        orm_times, sql_times = [], []
        for _round in range(options.rounds):
            orm_s, orm_rows = _median_time(orm, runs=1)
            sql_s, sql_rows = _median_time(sql, runs=1)
            orm_times.append(orm_s)
            sql_times.append(sql_s)
        results["pivot"] = {
            "orm_s": statistics.median(orm_times),
            "sql_s": statistics.median(sql_times),
            "groups": len(orm_rows),
            "same": round(sum(r[2] for r in orm_rows), 2) == round(sum(r[2] for r in sql_rows), 2)
            and sum(r[3] for r in orm_rows) == sum(r[3] for r in sql_rows),
        }

        Pack = env["customer.order.report.pack"]
        today = date.today()
        sections = {"summary", "channels", "products", "customers", "returns", "backlog"}

        def pack():
            data = Pack._get_data(today - relativedelta(months=24), today, sections)
            return data, Pack._render_xlsx(data)

        def raw(rows):
            output = io.BytesIO()
            book = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
            sheet = book.add_worksheet()
            for index, row in enumerate(rows):
                for col, value in enumerate(row):
                    if hasattr(value, "strftime"):
                        sheet.write_datetime(index, col, value)
                    else:
                        sheet.write(index, col, value)
            book.close()
            return output.getvalue()

        # Time pass (no tracemalloc: it slows Python code several times):
        # pack and raw alternated, medians of the rounds.
        data = Pack._get_data(today - relativedelta(months=24), today, sections)
        rows = [
            [row[column.key] for column in Pack._get_section_columns(code)]
            for code in data["sections"]
            if code != "summary"
            for row in data.get(code, [])
        ]
        rows += [[p["month"], p["orders"], p["revenue"]] for p in data["trend"]]
        times = {"pack": [], "data": [], "write": [], "raw": [], "pack_tz": []}
        for _round in range(options.rounds):
            env.invalidate_all()
            start = time.perf_counter()
            data = Pack._get_data(today - relativedelta(months=24), today, sections)
            times["data"].append(time.perf_counter() - start)
            content = Pack._render_xlsx(data)
            times["pack"].append(time.perf_counter() - start)
            times["write"].append(times["pack"][-1] - times["data"][-1])
            env.invalidate_all()
            start = time.perf_counter()
            local = Pack.with_context(tz=TZ)
            local._render_xlsx(local._get_data(today - relativedelta(months=24), today, sections))
            times["pack_tz"].append(time.perf_counter() - start)
            env.invalidate_all()
            start = time.perf_counter()
            raw(rows)
            times["raw"].append(time.perf_counter() - start)
        pack_s, data_s, write_s, raw_s, pack_tz_s = (
            statistics.median(times[key]) for key in ("pack", "data", "write", "raw", "pack_tz")
        )
        # Memory pass: growth of the traced Python memory while each runs.
        env.invalidate_all()
        tracemalloc.start()
        pack()
        _current, pack_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        raw(rows)
        _current, raw_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results["pack"] = {
            "pack_s": pack_s,
            "pack_tz_s": pack_tz_s,
            "data_s": data_s,
            "write_s": write_s,
            "runs": times,
            "raw_s": raw_s,
            "median_round_ratio": statistics.median(
                pack_round / raw_round
                for pack_round, raw_round in zip(times["pack"], times["raw"], strict=True)
            ),
            "pack_peak_mib": pack_peak / 2**20,
            "raw_peak_mib": raw_peak / 2**20,
            "rows": len(rows),
            "sheets": len(data["sections"]),
            "bytes": len(content),
        }
        cr.rollback()
    print(json.dumps(results))


def main():
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    harness.dispatch(parser.parse_args(), work, orchestrate)


if __name__ == "__main__":
    main()
