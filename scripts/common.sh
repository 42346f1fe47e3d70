# Shared by the project scripts: find the host Odoo and link the addon.
# shellcheck shell=bash
set -euo pipefail

ADDON=customer_order_management
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_PYTHON=${ODOO_PYTHON:-python3}

require_odoo() {
    local version
    if ! version=$("$ODOO_PYTHON" -c 'import odoo.release as r; print(r.series)' 2>/dev/null); then
        echo "error: '$ODOO_PYTHON' cannot import odoo: install Odoo 19.0 so that python3 imports it (or set ODOO_PYTHON), see README.md." >&2
        exit 2
    fi
    if [ "$version" != "19.0" ]; then
        echo "error: '$ODOO_PYTHON' imports Odoo $version; this addon needs Odoo 19.0." >&2
        exit 2
    fi
    if ! command -v psql >/dev/null || ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        echo "error: PostgreSQL does not answer on its local socket (psql -d postgres failed)." >&2
        exit 2
    fi
}

# Odoo's own addons folder (the community addons beside the odoo package).
odoo_addons_path() {
    "$ODOO_PYTHON" -c 'from odoo.tools import config; import os; print(",".join(p for p in (config.addons_community_dir, config.addons_base_dir) if os.path.isdir(p)))'
}

# Link the checkout under the module name, whatever folder it is in.
link_addon() {
    local into=$1
    mkdir -p "$into"
    ln -sfn "$REPO_ROOT" "$into/$ADDON"
}

odoo_cmd() {
    "$ODOO_PYTHON" -m odoo "$@"
}

# A temporary workspace and a uniquely named database, both removed on exit.
# Sets WORK, DB and ADDONS (the addon linked under its module name first).
new_workspace() {
    local kind=$1
    WORK=$(mktemp -d -t "com-$kind-XXXXXX")
    DB="com_${kind}_$(date +%Y%m%d_%H%M%S)_$$"
    trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
    link_addon "$WORK/addons"
    ADDONS="$WORK/addons,$(odoo_addons_path)"
}

# A TCP port free on this machine now, so that several runs (a test run and
# Odoo's suites, say) can serve their browser tours side by side.
free_port() {
    "$ODOO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
