#!/usr/bin/env bash
# Run the whole test suite of the addon on a fresh database:
# create a uniquely named database, install the addon (with demo data), run
# every test with pytest-odoo (HttpCase and browser tours included), print the
# coverage of the addon's Python, drop the database. Exits non-zero on failure.
# Usage: scripts/test.sh [extra pytest arguments, e.g. -k review]
source "$(dirname "$0")/common.sh"
require_odoo

if ! "$ODOO_PYTHON" -c 'import pytest_odoo, pytest_cov, websocket' 2>/dev/null; then
    echo "error: the test tools are missing: $ODOO_PYTHON -m pip install -r requirements-test.txt" >&2
    exit 2
fi
if ! command -v chromium >/dev/null && ! command -v google-chrome >/dev/null; then
    echo "error: no Chromium for the browser tours: apt-get install chromium" >&2
    exit 2
fi

new_workspace test
MODULE_DIR="$WORK/addons/$ADDON"

echo "== Installing $ADDON in $DB"
odoo_cmd -d "$DB" --addons-path="$ADDONS" --data-dir="$WORK/data" --with-demo \
    -i "$ADDON" --stop-after-init --log-level=warn 2>&1 | tee "$WORK/install.log"
if ! psql -d "$DB" -Atqc "select state from ir_module_module where name = '$ADDON'" | grep -qx installed; then
    echo "error: $ADDON was not installed in $DB" >&2
    exit 1
fi
if grep -E " (WARNING|ERROR|CRITICAL) " "$WORK/install.log" | grep -q "$ADDON"; then
    echo "error: the install logged warnings or errors about $ADDON (above)" >&2
    exit 1
fi

cat > "$WORK/odoo.conf" <<CONF
[options]
db_name = $DB
addons_path = $ADDONS
data_dir = $WORK/data
http_port = ${TEST_HTTP_PORT:-$(free_port)}
CONF

# As Odoo's own test runner does before browser tests: generate the asset
# bundles once, outside the tests. Generated inside a tour's request, a bundle
# (its SCSS above all) can hold the shared test cursor longer than the other
# requests of the page wait for it on a slow machine. The lazy bundle of the
# pivot and graph views is added: the analysis tour opens a pivot.
echo "== Generating the asset bundles"
odoo_cmd shell -d "$DB" --addons-path="$ADDONS" --data-dir="$WORK/data" --no-http \
    --log-level=warn >/dev/null <<'PY'
qweb = env["ir.qweb"]
qweb._pregenerate_assets_bundles()
lazy = qweb._get_asset_bundle("web.assets_backend_lazy")
lazy.js()
lazy.css()
env.cr.commit()
PY

echo "== Running the tests"
cd "$MODULE_DIR"
"$ODOO_PYTHON" -m pytest "$MODULE_DIR/tests" \
    --odoo-config="$WORK/odoo.conf" --odoo-http --odoo-log-level=warn \
    -p no:cacheprovider -o addopts="" -rs \
    --cov="$MODULE_DIR" --cov-config="$REPO_ROOT/.coveragerc" \
    --cov-report=term-missing:skip-covered --cov-fail-under="${COVERAGE_MIN:-90}" \
    "$@" 2>&1 | tee "$WORK/pytest.log"
# A skipped test (a browser tour without Chromium, say) proves nothing.
if grep -qE "^=+ .*[0-9]+ skipped" "$WORK/pytest.log"; then
    echo "error: some tests were skipped (see 'SKIPPED' above)" >&2
    exit 1
fi
