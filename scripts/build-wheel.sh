#!/usr/bin/env bash
# Build the wheel odoo-addon-customer_order_management with the whool backend.
# whool names the package after the addon's folder, so the checkout is cloned
# under the module name first (whatever folder it lives in).
# Usage: scripts/build-wheel.sh [output dir, default dist/]
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$REPO_ROOT/dist}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
git clone -q "$REPO_ROOT" "$WORK/customer_order_management"
"${ODOO_PYTHON:-python3}" -m pip wheel --no-deps -q -w "$OUT" "$WORK/customer_order_management"
ls "$OUT"/odoo_addon_customer_order_management-*.whl
