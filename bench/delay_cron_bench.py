#!/usr/bin/env python3
"""Delay cron benchmark: ``sale.order._cron_notify_late_orders`` on a large
number of open orders.

Creates a database with the addon, bulk-generates open confirmed orders in
SQL (``--orders``, default 100,000; ``--late`` of them, default 2,000, past
their promised date), runs the cron twice and reports wall time, SQL
queries per batch (progress commit to progress commit), peak Python memory
(tracemalloc), and what the second run wrote and sent (must be nothing).

Usage: python3 bench/delay_cron_bench.py [--orders 100000] [--late 2000]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import argparse
import json
import time
import tracemalloc

import _harness as harness


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--late", type=int, default=2_000)
    parser.add_argument("--out", default=str(harness.ROOT / "bench" / "out"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    harness.add_worker_arguments(parser)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(work(options)))
        return
    work_dir, addons_path, db = harness.prepare_workspace("delay")
    try:
        harness.install_addon(db, addons_path, work_dir)
        result = harness.run_worker(
            __file__,
            db,
            addons_path,
            work_dir,
            "--worker",
            "--orders",
            str(options.orders),
            "--late",
            str(options.late),
        )
    finally:
        harness.drop_databases(db)
    report(result, options)


def report(result, options):
    first, second = result["runs"]
    batches = first["batch_queries"]
    lines = [
        f"Open orders: {options.orders}, late: {options.late} (bulk-generated in SQL).",
        (
            f"First run: {first['seconds']:.1f} s, {first['queries']} queries, "
            f"{len(batches)} batches, queries per batch min/median/max: "
            f"{min(batches)}/{sorted(batches)[len(batches) // 2]}/{max(batches)}, "
            f"peak Python memory {first['peak_mib']:.1f} MiB; "
            f"notices sent: {first['mails']}, activities: {first['activities']}."
        ),
        (
            f"Second run: {second['seconds']:.2f} s, {second['queries']} queries, "
            f"orders written: {second['written']}, mails: {second['mails']}, "
            f"activities: {second['activities']}."
        ),
    ]
    harness.save_report(options, "delay_cron_bench", "\n".join(lines))


def work(options):
    from odoo import SUPERUSER_ID, api, sql_db  # noqa: PLC0415

    registry = harness.open_registry(options)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        _generate(env, options.orders, options.late)
        cr.commit()
        IrCron = type(env["ir.cron"])
        batch_queries = []
        marks = {"last": 0}
        original = IrCron._commit_progress

        def counting_commit_progress(self, processed=0, **kwargs):
            batch_queries.append(sql_db.sql_counter - marks["last"])
            result = original(self, processed, **kwargs)
            marks["last"] = sql_db.sql_counter
            return result

        IrCron._commit_progress = counting_commit_progress
        runs = []
        for _run in range(2):
            batch_queries.clear()
            counts_before = _counts(env)
            tracemalloc.start()
            start, queries = time.perf_counter(), sql_db.sql_counter
            marks["last"] = queries
            env["sale.order"]._cron_notify_late_orders()
            cr.commit()
            seconds = time.perf_counter() - start
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            counts_after = _counts(env)
            runs.append(
                {
                    "seconds": seconds,
                    "queries": sql_db.sql_counter - queries,
                    "batch_queries": list(batch_queries),
                    "peak_mib": peak / 2**20,
                    "mails": counts_after["mails"] - counts_before["mails"],
                    "activities": counts_after["activities"] - counts_before["activities"],
                    "written": counts_after["written"] - counts_before["written"],
                }
            )
        IrCron._commit_progress = original
    return {"runs": runs}


def _counts(env):
    env.cr.execute("SELECT count(*) FROM mail_mail")
    mails = env.cr.fetchone()[0]
    env.cr.execute("SELECT count(*) FROM mail_activity WHERE res_model = 'sale.order'")
    activities = env.cr.fetchone()[0]
    env.cr.execute("SELECT count(*) FROM sale_order WHERE write_date > now() - interval '1 hour'")
    written = env.cr.fetchone()[0]
    return {"mails": mails, "activities": activities, "written": written}


def _generate(env, count, late):
    """Open confirmed orders copied in SQL from one real order; the first
    ``late`` ones promised for yesterday, the others (and the real order)
    for next week, so that no order falls late between the two runs."""
    from datetime import timedelta  # noqa: PLC0415

    from odoo import fields  # noqa: PLC0415

    partner = env["res.partner"].create({"name": "Bulk Customer", "email": "bulk@example.com"})
    product = env["product.product"].create({"name": "Bulk", "type": "consu"})
    base = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "commitment_date": fields.Datetime.now() + timedelta(days=7),
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
        }
    )
    base.action_confirm()
    env.flush_all()
    env.cr.execute("""
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'sale_order' AND column_name NOT IN
               ('id', 'name', 'commitment_date', 'promised_date', 'is_late', 'late_notice_due',
                'late_notice_date', 'write_date', 'create_date', 'access_token')
    """)
    columns = ", ".join(f'"{name}"' for (name,) in env.cr.fetchall())
    env.cr.execute(
        f"""
        INSERT INTO sale_order ({columns}, name, commitment_date, promised_date, is_late,
                                late_notice_due, write_date, create_date)
        SELECT {columns}, 'BULK' || g, promised, promised,
               false, false, now() - interval '2 hours', now() - interval '2 hours'
          FROM sale_order, generate_series(1, %(count)s) g,
               LATERAL (SELECT CASE WHEN g <= %(late)s THEN now() - interval '1 day'
                                    ELSE now() + interval '7 days' END AS promised) p
         WHERE sale_order.id = %(base)s
        """,
        {"late": late, "count": count, "base": base.id},
    )
    env.cr.execute("ANALYZE sale_order")


if __name__ == "__main__":
    main()
