#!/usr/bin/env bash
# Run Odoo's own test suites of sale, sale_stock, stock, stock_delivery,
# sale_management, portal and repair on a fresh database where those modules and the
# addon are installed together, so that their post-install tests run with the
# addon loaded. Exits non-zero on any failure or error, or when the addon was
# not installed. Usage: scripts/odoo-suites.sh [--without-addon]
source "$(dirname "$0")/common.sh"
require_odoo

MODULES=sale,sale_stock,stock,stock_delivery,sale_management,portal,repair
TAGS=/sale,/sale_stock,/stock,/stock_delivery,/sale_management,/portal,/repair
INSTALL="$MODULES,$ADDON"
if [ "${1:-}" = "--without-addon" ]; then
    INSTALL=$MODULES
fi

new_workspace suites
LOG="${SUITES_LOG:-$WORK/suites.log}"

echo "== Installing $INSTALL in $DB, then running $TAGS (log: $LOG)"
set +e
odoo_cmd -d "$DB" --addons-path="$ADDONS" --data-dir="$WORK/data" -i "$INSTALL" \
    --test-enable --test-tags "$TAGS" --stop-after-init --log-level=test \
    --http-port="${SUITES_HTTP_PORT:-$(free_port)}" >"$LOG" 2>&1
rc=$?
set -e

if [ "$INSTALL" != "$MODULES" ] && \
   ! psql -d "$DB" -Atqc "select state from ir_module_module where name = '$ADDON'" | grep -qx installed; then
    echo "error: $ADDON is not installed in $DB: the suites did not run with it" >&2
    exit 1
fi
grep -E "odoo.tests.result: |(ERROR|FAIL): " "$LOG" | tail -40 || true
summary=$(grep -E "odoo.tests.result: .* tests" "$LOG" | tail -1)
echo "${summary:-no test summary found}"
if [ $rc -ne 0 ] || grep -qE " (ERROR|CRITICAL) .*(FAIL|ERROR):" "$LOG" || \
   ! grep -qE "odoo.tests.result: 0 failed, 0 error\(s\)" "$LOG"; then
    echo "error: Odoo's suites failed (exit $rc); see $LOG" >&2
    exit 1
fi
