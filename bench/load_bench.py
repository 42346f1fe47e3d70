#!/usr/bin/env python3
"""Load test: carrier webhook bursts (with replays) and portal page loads in
parallel against a server started with --workers=2.

Creates a fresh database with the addon, 10 shipped deliveries of one carrier
and a portal customer, starts the server on loopback, then sends bounded
bursts for about a minute (``--seconds``, at most ``--max-requests``) from
``--clients`` threads: new tracking events, replays of events already sent
(the same ``event_id``) and ``/my/orders/<id>`` loads as the customer.
Reports requests, errors by status, events stored against expected (nothing
lost, nothing doubled) and p50/p95 latency per kind.

Usage: python3 bench/load_bench.py [--seconds 60] [--clients 8] [--port 8771]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
Traffic goes to 127.0.0.1 only.
"""

import argparse
import http.client
import json
import random
import statistics
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import _harness as harness

PICKINGS = 10

SETUP = f"""
from datetime import timedelta
from odoo.fields import Command
env = env(user=env.ref('base.user_admin'))
product = env['product.product'].create({{'name': 'Load', 'type': 'consu', 'is_storable': True}})
stock = env['stock.warehouse'].search([], limit=1).lot_stock_id
env['stock.quant']._update_available_quantity(product, stock, 1000)
carrier = env['delivery.carrier'].create({{
    'name': 'Load Carrier',
    'product_id': env['product.product'].create({{'name': 'LC', 'type': 'service'}}).id,
}})
portal = env['res.users'].create({{
    'name': 'Load Customer', 'login': 'load_portal', 'password': 'load_portal',
    'group_ids': [Command.set([env.ref('base.group_portal').id])],
}})
orders = []
for index in range({PICKINGS}):
    order = env['sale.order'].create({{
        'partner_id': portal.partner_id.id,
        'order_line': [Command.create({{'product_id': product.id, 'product_uom_qty': 1}})],
    }})
    order.action_confirm()
    picking = order.picking_ids
    picking.write({{'carrier_id': carrier.id, 'carrier_tracking_ref': f'LOAD-{{index}}'}})
    picking.action_assign()
    picking.with_context(skip_sms=True).button_validate()
    picking.tracking_event_ids.write({{'event_date': picking.date_done - timedelta(days=2)}})
    orders.append(order.id)
env.cr.commit()
print('TOKEN=' + carrier.sudo().tracking_webhook_token)
print('ORDERS=' + ','.join(map(str, orders)))
"""


class Client:
    """One keep-alive connection, with the portal session when given."""

    def __init__(self, port, cookie=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = cookie

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            return time.perf_counter() - start, response.status, data
        except OSError:
            self.conn.close()
            return time.perf_counter() - start, "connection error", b""


def _login(port, db):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return harness.authenticate(conn, db, "load_portal", "load_portal")


def _load(options, token, orders, cookie):
    deadline = time.monotonic() + options.seconds
    lock = threading.Lock()
    sent_ids = []  # new event ids answered 200
    answers = Counter()  # (kind, "created" | "duplicate")
    counter = {"requests": 0}
    latencies = {"event": [], "replay": [], "portal": []}
    statuses = Counter()
    start_time = datetime.now(UTC) - timedelta(days=1)

    def worker(seed):
        rng = random.Random(seed)
        hook = Client(options.port)
        portal = Client(options.port, cookie)
        while time.monotonic() < deadline:
            with lock:
                if counter["requests"] >= options.max_requests:
                    return
                counter["requests"] += 1
                number = counter["requests"]
                replay = bool(sent_ids) and rng.random() < 0.3
                event_id = rng.choice(sent_ids) if replay else f"L{number}"
            draw = rng.random()
            if draw < 0.3:
                kind = "portal"
                elapsed, status, _data = portal.request("GET", f"/my/orders/{rng.choice(orders)}")
            else:
                kind = "replay" if replay else "event"
                serial = int(event_id[1:])
                body = {
                    "tracking_ref": f"LOAD-{serial % PICKINGS}",
                    "status": "in_transit",
                    "event_time": (start_time + timedelta(seconds=serial)).isoformat(),
                    "event_id": event_id,
                }
                elapsed, status, _data = hook.request(
                    "POST",
                    f"/customer_order_management/tracking/{token}",
                    json.dumps(body),
                    {"Content-Type": "application/json"},
                )
                if status == 200:
                    result = json.loads(_data).get("result")
                    with lock:
                        answers[kind, result] += 1
                        if not replay:
                            sent_ids.append(event_id)
            with lock:
                latencies[kind].append(elapsed)
                statuses[(kind, status)] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(options.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "duration": time.monotonic() - started,
        "latencies": latencies,
        "statuses": statuses,
        "expected_events": len(set(sent_ids)),
        "sent": len(sent_ids),
        "answers": answers,
    }


def _stored_events(db):
    out = subprocess.check_output(
        [
            "psql",
            "-d",
            db,
            "-Atc",
            (
                "SELECT count(*), count(DISTINCT (picking_id, external_id)) "
                "FROM stock_picking_tracking_event WHERE external_id LIKE 'L%'"
            ),
        ],
        text=True,
    )
    total, distinct = (int(value) for value in out.strip().split("|"))
    return total, distinct


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--out", default=str(harness.ROOT / "bench" / "out"))
    options = parser.parse_args()

    work, addons_path, db = harness.prepare_workspace("load")
    server = None
    try:
        harness.install_addon(db, addons_path, work)
        setup = harness.run_shell(db, addons_path, work, SETUP)
        server = harness.start_server(db, addons_path, work, options.port, workers=2)
        cookie = _login(options.port, db)
        results = _load(options, setup["TOKEN"], setup["ORDERS"].split(","), cookie)
        results["stored"] = _stored_events(db)
    finally:
        harness.stop_server(server)
        harness.drop_databases(db)
    _report(results, options)


def _report(results, options):
    lines = [
        f"{options.clients} clients, server --workers=2, {results['duration']:.0f} s, loopback.",
        f"Requests: {sum(results['statuses'].values())}",
    ]
    for (kind, status), count in sorted(results["statuses"].items(), key=str):
        lines.append(f"- {kind}: {status} x {count}")
    for kind, values in results["latencies"].items():
        if values:
            p95 = sorted(values)[int(len(values) * 0.95)]
            lines.append(
                f"- {kind} latency: p50 {statistics.median(values) * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms"
            )
    for (kind, result), count in sorted(results["answers"].items()):
        lines.append(f"- {kind} answered {result}: {count}")
    lines.append(
        f"New event ids answered 200: {results['sent']} ({results['expected_events']} distinct)"
    )
    total, distinct = results["stored"]
    lines.append(
        f"Events stored: {total} rows, {distinct} distinct; expected {results['expected_events']} "
        f"(nothing lost: {distinct == results['expected_events']}, "
        f"nothing doubled: {total == distinct})"
    )
    harness.save_report(options, "load_bench", "\n".join(lines))


if __name__ == "__main__":
    main()
