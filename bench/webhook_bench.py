#!/usr/bin/env python3
"""Carrier webhook benchmark.

Starts an Odoo server (one worker) on a fresh database with the addon, posts
1,000 tracking events over loopback to the carrier webhook, and as a baseline
calls a minimal authenticated JSON route of the same server
(``/web/session/get_session_info``) 1,000 times in the same run. Reports
events per second and the ratio of the median latencies (goal: <= 3x).

Usage: python3 bench/webhook_bench.py [--events 1000] [--port 8769]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import argparse
import http.client
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

import _harness as harness

SETUP = """
from odoo.fields import Command
env = env(user=env.ref('base.user_admin'))
product = env['product.product'].create({'name': 'Bench', 'type': 'consu', 'is_storable': True})
stock = env['stock.warehouse'].search([], limit=1).lot_stock_id
env['stock.quant']._update_available_quantity(product, stock, 10)
carrier = env['delivery.carrier'].create({
    'name': 'Bench Carrier',
    'product_id': env['product.product'].create({'name': 'BC', 'type': 'service'}).id,
})
partner = env['res.partner'].create({'name': 'Bench Customer'})
order = env['sale.order'].create({
    'partner_id': partner.id,
    'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 1})],
})
order.action_confirm()
picking = order.picking_ids
picking.write({'carrier_id': carrier.id, 'carrier_tracking_ref': 'BENCH-1'})
picking.action_assign()
picking.with_context(skip_sms=True).button_validate()
picking.tracking_event_ids.write({'event_date': '2000-01-01 00:00:00'})
env['res.users'].browse(2).password = 'admin'
env.cr.commit()
print('TOKEN=' + carrier.sudo().tracking_webhook_token)
"""


def _request(conn, method, path, body, headers):
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return time.perf_counter() - start, response.status, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8769)
    parser.add_argument("--out", default=str(harness.ROOT / "bench" / "out"))
    options = parser.parse_args()

    work, addons_path, db = harness.prepare_workspace("webhook")
    server = None
    try:
        harness.install_addon(db, addons_path, work)
        token = harness.run_shell(db, addons_path, work, SETUP)["TOKEN"]
        server = harness.start_server(db, addons_path, work, options.port, workers=1)
        conn = http.client.HTTPConnection("127.0.0.1", options.port, timeout=30)
        results = _measure(conn, db, token, options.events)
    finally:
        harness.stop_server(server)
        harness.drop_databases(db)
    _report(results, options)


def _measure(conn, db, token, count):
    # Authenticate for the baseline route: keep the session cookie.
    cookie = harness.authenticate(conn, db, "admin", "admin")

    start_time = datetime.now(UTC) - timedelta(hours=2)
    webhook, baseline, statuses = [], [], {}
    for index in range(count):
        event = {
            "tracking_ref": "BENCH-1",
            "status": "in_transit",
            "event_time": (start_time + timedelta(seconds=index)).isoformat(),
            "location": f"Hub {index % 7}",
            "event_id": f"E{index}",
        }
        elapsed, status, _data = _request(
            conn,
            "POST",
            f"/customer_order_management/tracking/{token}",
            json.dumps(event),
            {"Content-Type": "application/json"},
        )
        webhook.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
        rpc = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}})
        elapsed, status, _data = _request(
            conn,
            "POST",
            "/web/session/get_session_info",
            rpc,
            {"Content-Type": "application/json", "Cookie": cookie},
        )
        assert status == 200, f"baseline route answered {status}"
        baseline.append(elapsed)
    assert statuses == {200: count}, f"webhook statuses: {statuses}"
    return {"webhook": webhook, "baseline": baseline}


def _report(results, options):
    webhook, baseline = results["webhook"], results["baseline"]
    median_w, median_b = statistics.median(webhook), statistics.median(baseline)
    p95 = sorted(webhook)[int(len(webhook) * 0.95)]
    lines = [
        f"Events posted: {len(webhook)} (all 200), one worker, loopback, sequential.",
        (
            f"Webhook: {len(webhook) / sum(webhook):.1f} events/s, "
            f"median {median_w * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
        ),
        (
            "Baseline /web/session/get_session_info (authenticated JSON): "
            f"median {median_b * 1000:.1f} ms"
        ),
        f"Median latency ratio webhook/baseline: **{median_w / median_b:.2f}** (goal <= 3)",
    ]
    harness.save_report(options, "webhook_bench", "\n".join(lines))


if __name__ == "__main__":
    main()
