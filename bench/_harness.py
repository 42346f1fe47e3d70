"""What the benchmarks share: the host Odoo, a workspace and databases with
the addon, the worker processes that measure inside a database, and the
report files. Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never
installs it."""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "customer_order_management"


def odoo_python():
    return os.environ.get("ODOO_PYTHON", sys.executable)


def prepare_workspace(name):
    """Check the host Odoo, link the addon under its module name in a new
    workspace; return (workspace, addons path, a new database name)."""
    try:
        subprocess.run([odoo_python(), "-c", "import odoo.release"], check=True)
    except subprocess.CalledProcessError:
        sys.exit("error: python3 cannot import odoo: install Odoo 19.0 first (see README.md)")
    work = Path(tempfile.mkdtemp(prefix=f"com-bench-{name}-"))
    (work / "addons").mkdir()
    (work / "addons" / ADDON).symlink_to(ROOT)
    community = subprocess.check_output(
        [odoo_python(), "-c", "from odoo.tools import config; print(config.addons_community_dir)"],
        text=True,
    ).strip()
    db = f"com_bench_{name}_{time.strftime('%Y%m%d_%H%M%S')}"
    return work, f"{work / 'addons'},{community}", db


def odoo_command(addons_path, work, *args, command=None):
    """The command line of the host Odoo on the workspace: its server, or
    one of its commands (``shell``)."""
    return [
        odoo_python(),
        "-m",
        "odoo",
        *([command] if command else []),
        f"--addons-path={addons_path}",
        f"--data-dir={work / 'data'}",
        "--log-level=warn",
        *args,
    ]


def install_addon(db, addons_path, work, modules=ADDON):
    """Create ``db`` (or update it) with ``modules`` installed, no demo data."""
    print(f"== {db}: installing {modules}", flush=True)
    subprocess.run(
        odoo_command(addons_path, work, "-d", db, "-i", modules, "--stop-after-init"),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def drop_databases(*dbs):
    for db in dbs:
        subprocess.run(["dropdb", "--if-exists", db], check=False)


def run_worker(script, db, addons_path, work, *args):
    """Run ``script`` as a worker in a new process (a fresh registry, its
    own memory) on ``db``; return the JSON it prints on its last line."""
    out = subprocess.check_output(
        [
            odoo_python(),
            str(script),
            *args,
            "--db",
            db,
            "--addons-path",
            addons_path,
            "--data-dir",
            str(work / "data"),
        ],
        text=True,
    )
    return json.loads(out.strip().splitlines()[-1])


def bench_parser(doc, worker_choices=None):
    """The command line every benchmark shares: its description (the first
    line of ``doc``), ``--out``, and the hidden options of its worker
    (``--worker``: a flag, or one of ``worker_choices``)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    if worker_choices:
        parser.add_argument("--worker", choices=worker_choices, help=argparse.SUPPRESS)
    else:
        parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    add_worker_arguments(parser)
    return parser


def dispatch(options, work, orchestrate):
    """Run as the worker inside a database, or as the orchestrator."""
    (work if options.worker else orchestrate)(options)


def authenticate(conn, db, login, password):
    """Log in on ``conn`` (an HTTPConnection); return the session cookie."""
    body = json.dumps(
        {"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}}
    )
    conn.request(
        "POST", "/web/session/authenticate", body=body, headers={"Content-Type": "application/json"}
    )
    response = conn.getresponse()
    response.read()
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    assert response.status == 200 and cookie.startswith("session_id="), (
        f"authentication of {login} failed: {response.status} {cookie!r}"
    )
    return cookie


def add_worker_arguments(parser):
    """The options ``run_worker`` passes; not for people."""
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--addons-path", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)


def open_registry(options):
    """In a worker: the registry of the database it was given."""
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        [
            f"--addons-path={options.addons_path}",
            f"--data-dir={options.data_dir}",
            "--log-level=warn",
        ]
    )
    return Registry(options.db)


def save_report(options, name, text, results=None):
    """Print the report and write it (with the raw results, when given) to
    ``options.out``."""
    print(text)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    if results is not None:
        (out / f"{name}.json").write_text(json.dumps(results, indent=2))
    (out / f"{name}.md").write_text(text + "\n")


def run_shell(db, addons_path, work, script):
    """Run ``script`` in ``odoo shell`` on ``db``; return the ``KEY=value``
    lines it prints, as a dict."""
    out = subprocess.run(
        odoo_command(
            addons_path, work, "-d", db, "--no-http", "--log-level=error", command="shell"
        ),
        input=script,
        text=True,
        capture_output=True,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if re.match(r"[A-Z_]+=", line))


def start_server(db, addons_path, work, port, workers):
    """Start a server on 127.0.0.1:``port`` for ``db`` alone, without
    crons; return the process once it answers."""
    server = subprocess.Popen(
        odoo_command(
            addons_path,
            work,
            "-d",
            db,
            f"--http-port={port}",
            "--http-interface=127.0.0.1",
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--db-filter=^{db}$",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _attempt in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/web/login")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("error: the Odoo server did not start")


def stop_server(server):
    if server:
        server.terminate()
        server.wait(30)
