#!/usr/bin/env python3
"""Carrier feed benchmark: signed provider pushes against the generic webhook.

Starts an Odoo server (one worker) on a fresh database with the addon and,
in the same run, posts signed pushes of each provider (AfterShip, EasyPost,
17TRACK, 快递100; one new checkpoint each) and generic events (one each) to
the carrier webhook, interleaved request by request and in several rounds.
Reports the median latency per provider and its ratio to the generic route
(goal <= 1.2x). Then a 快递100 push carrying 200 checkpoints of which 1 is
new against a push of 1 checkpoint: median time (goal <= 1.5x) over HTTP,
and queries (goal: equal) inside the database.

Usage: python3 bench/carrier_feed_bench.py [--pushes 1000] [--rounds 4] [--port 8771]
Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never installs it.
"""

import argparse
import http.client
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import _harness as harness

sys.path.insert(0, str(harness.ROOT / "tools"))
from tracking_providers import aftership, easypost, kuaidi100, track17

PROVIDERS = ["generic", "aftership", "easypost", "track17", "kuaidi100"]
SECRET = "bench-secret"

SETUP = """
from datetime import timedelta
from odoo import fields
from odoo.fields import Command
env = env(user=env.ref('base.user_admin'))
product = env['product.product'].create({'name': 'Bench', 'type': 'consu', 'is_storable': True})
stock = env['stock.warehouse'].search([], limit=1).lot_stock_id
env['stock.quant']._update_available_quantity(product, stock, 100)
partner = env['res.partner'].create({'name': 'Bench Customer'})
service = env['product.product'].create({'name': 'BC', 'type': 'service'})

def ship(carrier, ref):
    order = env['sale.order'].create({
        'partner_id': partner.id,
        'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': 1})],
    })
    order.action_confirm()
    picking = order.picking_ids
    picking.write({'carrier_id': carrier.id, 'carrier_tracking_ref': ref})
    picking.action_assign()
    picking.with_context(skip_sms=True).button_validate()
    picking.tracking_event_ids.write({'event_date': fields.Datetime.now() - timedelta(days=3)})

for letter, key in zip('ABCDE', %(providers)r):
    carrier = env['delivery.carrier'].create({
        'name': 'Bench ' + key, 'product_id': service.id, 'tracking_provider': key,
        'tracking_webhook_secret': False if key == 'generic' else %(secret)r,
    })
    ship(carrier, 'BENCH-' + key)
    if key == 'kuaidi100':
        ship(carrier, 'K-LONG')
        ship(carrier, 'K-SHORT')
    print('TOKEN_' + letter + '=' + carrier.sudo().tracking_webhook_token)
env.cr.commit()
"""

# In the database: the queries of the same two 快递100 pushes, counted.
COUNT = """
import json
from werkzeug.datastructures import Headers, MultiDict
carrier = env['delivery.carrier'].sudo().search([('tracking_provider', '=', 'kuaidi100')], limit=1)
forms = json.loads(%(forms)r)

def count(form):
    env.flush_all()
    env.invalidate_all()
    before = env.cr.sql_log_count
    events, _picking = carrier._process_provider_push(b'', MultiDict(form), Headers())
    env.flush_all()
    return env.cr.sql_log_count - before, len(events)

# Warm the process's caches (access rights, rules, registry lookups) with a
# push that is then rolled back, so that neither measure pays for them.
count(forms['short'])
env.cr.rollback()
env.invalidate_all()
print('LONG=%%s,%%s' %% count(forms['long']))
print('SHORT=%%s,%%s' %% count(forms['short']))
env.cr.rollback()
"""


def _request(conn, path, body, headers):
    start = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return time.perf_counter() - start, response.status, data


def _point_time(base, index):
    return base + timedelta(seconds=index)


def _generic(ref, moment, index):
    body = json.dumps(
        {
            "tracking_ref": ref,
            "status": "in_transit",
            "event_time": moment.isoformat() + "Z",
            "location": f"Hub {index % 7}",
            "event_id": f"E{index}",
        }
    ).encode()
    return body, {"Content-Type": "application/json"}


def _aftership(ref, moment, index):
    body = json.dumps(
        {
            "event": "tracking_update",
            "event_id": f"ev-{index}",
            "msg": {
                "tracking_number": ref,
                "slug": "ups",
                "tag": "InTransit",
                "checkpoints": [
                    {
                        "checkpoint_time": moment.isoformat() + "+00:00",
                        "tag": "InTransit",
                        "subtag": "InTransit_001",
                        "location": f"Hub {index % 7}",
                        "message": "Departed facility",
                    }
                ],
            },
        }
    ).encode()
    signature = aftership.sign(SECRET, body)
    return body, {"Content-Type": "application/json", aftership.SIGNATURE_HEADER: signature}


def _easypost(ref, moment, index):
    body = json.dumps(
        {
            "object": "Event",
            "description": "tracker.updated",
            "result": {
                "object": "Tracker",
                "tracking_code": ref,
                "status": "in_transit",
                "tracking_details": [
                    {
                        "object": "TrackingDetail",
                        "status": "in_transit",
                        "message": "Departed facility",
                        "datetime": moment.isoformat() + "Z",
                        "tracking_location": {"city": f"Hub {index % 7}", "country": "US"},
                    }
                ],
            },
        }
    ).encode()
    signature = easypost.sign(SECRET, body)
    return body, {"Content-Type": "application/json", easypost.SIGNATURE_HEADER: signature}


def _track17(ref, moment, index):
    event = {
        "time_utc": moment.isoformat() + "Z",
        "description": "Departed facility",
        "location": f"Hub {index % 7}",
        "stage": "Departure",
        "sub_status": "InTransit_Departure",
    }
    body = json.dumps(
        {
            "event": "TRACKING_UPDATED",
            "data": {
                "number": ref,
                "carrier": 3011,
                "track_info": {
                    "latest_status": {"status": "InTransit", "sub_status": "InTransit_Departure"},
                    "latest_event": event,
                    "tracking": {"providers": [{"events": [event]}]},
                },
            },
        }
    ).encode()
    return body, {
        "Content-Type": "application/json",
        track17.SIGNATURE_HEADER: track17.sign(SECRET, body),
    }


def _kuaidi100_param(ref, moments):
    data = [
        {
            # The carrier's text of a checkpoint stays the same in every push.
            "context": f"【深圳转运中心】快件已发往 北京 {moment:%m%d%H%M%S}",
            "ftime": (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S"),
            "areaName": "广东省深圳市南山区",
            "status": "在途",
        }
        for moment in sorted(moments, reverse=True)
    ]
    return json.dumps(
        {"status": "polling", "lastResult": {"nu": ref, "state": "0", "data": data}},
        ensure_ascii=False,
    )


def _kuaidi100_form(param):
    return {"param": param, "sign": kuaidi100.sign(SECRET, param)}


def _kuaidi100(ref, moment, index):
    body = urlencode(_kuaidi100_form(_kuaidi100_param(ref, [moment]))).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded"}


BUILDERS = {
    "generic": _generic,
    "aftership": _aftership,
    "easypost": _easypost,
    "track17": _track17,
    "kuaidi100": _kuaidi100,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=1000, help="per provider")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--long-pushes", type=int, default=60)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--out", default=str(harness.ROOT / "bench" / "out"))
    options = parser.parse_args()

    work, addons_path, db = harness.prepare_workspace("feeds")
    server = None
    try:
        harness.install_addon(db, addons_path, work)
        setup = SETUP % {"providers": PROVIDERS, "secret": SECRET}
        printed = harness.run_shell(db, addons_path, work, setup)
        tokens = {
            key: printed[f"TOKEN_{letter}"] for letter, key in zip("ABCDE", PROVIDERS, strict=True)
        }
        server = harness.start_server(db, addons_path, work, options.port, workers=1)
        conn = http.client.HTTPConnection("127.0.0.1", options.port, timeout=60)
        results = _measure_providers(conn, tokens, options)
        results["history"], forms = _measure_history(conn, tokens["kuaidi100"], options)
        harness.stop_server(server)
        server = None
        counts = harness.run_shell(db, addons_path, work, COUNT % {"forms": json.dumps(forms)})
        results["queries"] = {
            key.lower(): [int(x) for x in value.split(",")] for key, value in counts.items()
        }
    finally:
        harness.stop_server(server)
        harness.drop_databases(db)
    _report(results, options)


def _measure_providers(conn, tokens, options):
    """Every provider's push of one new checkpoint, request by request in
    turn, in ``rounds`` rounds: per round and overall latencies."""
    base = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=40)
    per_round = options.pushes // options.rounds
    latencies = {key: [] for key in PROVIDERS}
    rounds = []
    index = 0
    for _round in range(options.rounds):
        round_latencies = {key: [] for key in PROVIDERS}
        for _ in range(per_round):
            moment = _point_time(base, index)
            order = PROVIDERS if index % 2 == 0 else list(reversed(PROVIDERS))
            for key in order:
                body, headers = BUILDERS[key](f"BENCH-{key}", moment, index)
                path = f"/customer_order_management/tracking/{tokens[key]}"
                elapsed, status, data = _request(conn, path, body, headers)
                assert status == 200, f"{key} answered {status}: {data[:200]!r}"
                round_latencies[key].append(elapsed)
            index += 1
        rounds.append({key: statistics.median(values) for key, values in round_latencies.items()})
        for key, values in round_latencies.items():
            latencies[key] += values
    return {"latencies": latencies, "rounds": rounds, "pushes": per_round * options.rounds}


def _measure_history(conn, token, options):
    """快递100: the full history of 200 checkpoints with 1 new, against a push
    of the 1 new checkpoint alone, alternating."""
    base = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=30)
    path = f"/customer_order_management/tracking/{token}"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    history = [base + timedelta(minutes=i) for i in range(199)]
    first = urlencode(_kuaidi100_form(_kuaidi100_param("K-LONG", history))).encode()
    _request(conn, path, first, headers)
    long_times, short_times, sizes = [], [], []
    for i in range(options.long_pushes):
        new = base + timedelta(minutes=199 + i)
        history.append(new)
        window = history[-200:]
        long_body = urlencode(_kuaidi100_form(_kuaidi100_param("K-LONG", window))).encode()
        short_body = urlencode(_kuaidi100_form(_kuaidi100_param("K-SHORT", [new]))).encode()
        pairs = [("long", long_body), ("short", short_body)]
        for name, body in pairs if i % 2 == 0 else reversed(pairs):
            elapsed, status, data = _request(conn, path, body, headers)
            assert status == 200, f"{name} answered {status}: {data[:200]!r}"
            (long_times if name == "long" else short_times).append(elapsed)
        sizes.append(len(long_body))
    # For the query count in the database: one more of each, not yet posted.
    new = base + timedelta(minutes=199 + options.long_pushes)
    forms = {
        "long": _kuaidi100_form(_kuaidi100_param("K-LONG", [*history[-199:], new])),
        "short": _kuaidi100_form(_kuaidi100_param("K-SHORT", [new])),
    }
    result = {"long": long_times, "short": short_times, "bytes": max(sizes)}
    return result, forms


def _report(results, options):
    latencies = results["latencies"]
    generic = statistics.median(latencies["generic"])
    lines = [
        (
            f"Signed pushes: {results['pushes']} per provider (all 200), one new checkpoint "
            "each, one worker, loopback, sequential, providers interleaved request by request, "
            f"{options.rounds} rounds."
        ),
        "",
        "| Feed | median ms | p95 ms | ratio to generic | per-round ratios |",
        "|---|---:|---:|---:|---|",
    ]
    for key in PROVIDERS:
        values = sorted(latencies[key])
        median = statistics.median(values)
        per_round = ", ".join(f"{r[key] / r['generic']:.2f}" for r in results["rounds"])
        lines.append(
            f"| {key} | {median * 1000:.1f} | {values[int(len(values) * 0.95)] * 1000:.1f} "
            f"| **{median / generic:.2f}** | {per_round} |"
        )
    history = results["history"]
    long_median, short_median = (
        statistics.median(history["long"]),
        statistics.median(history["short"]),
    )
    queries = results["queries"]
    lines += [
        "",
        (
            f"快递100 full history: {len(history['long'])} pushes of 200 checkpoints (1 new, "
            f"{history['bytes'] // 1024} KB form) against as many pushes of 1 checkpoint, "
            "alternating:"
        ),
        "",
        "| Push | median ms | queries (in the database) | events created |",
        "|---|---:|---:|---:|",
        (
            f"| 200 checkpoints, 1 new | {long_median * 1000:.1f} | {queries['long'][0]} "
            f"| {queries['long'][1]} |"
        ),
        (
            f"| 1 checkpoint | {short_median * 1000:.1f} | {queries['short'][0]} "
            f"| {queries['short'][1]} |"
        ),
        "",
        (
            f"Time ratio 200/1: **{long_median / short_median:.2f}** (goal <= 1.5); "
            f"queries {queries['long'][0]} vs {queries['short'][0]} (goal: equal)."
        ),
    ]
    harness.save_report(options, "carrier_feed_bench", "\n".join(lines), results)


if __name__ == "__main__":
    main()
