"""What the benchmarks share: the host Odoo, a workspace and a database with
the addon. Uses the Odoo that python3 (or $ODOO_PYTHON) imports; never
installs it."""

import os
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


def install_addon(db, addons_path, work):
    """Create ``db`` with the addon installed (no demo data)."""
    print(f"== {db}: installing {ADDON}", flush=True)
    subprocess.run(
        [
            odoo_python(),
            "-m",
            "odoo",
            f"--addons-path={addons_path}",
            f"--data-dir={work / 'data'}",
            "--log-level=warn",
            "-d",
            db,
            "-i",
            ADDON,
            "--stop-after-init",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
