#!/usr/bin/env bash
# Run the addon in a local Odoo with demo data on http://localhost:8069 (login admin / admin).
#
# Usage: scripts/run.sh [database] [extra odoo options...]
#   database       default com_demo (or $DB); created with demo data when missing
#   PORT           HTTP port (default 8069)
#   COM_STATE_DIR  where the addon link and Odoo's filestore live
#                  (default ~/.local/share/customer_order_management)
#   COM_NO_UPGRADE=1  start without upgrading the addon
#
# A database that already exists is started with `-u customer_order_management`,
# so it follows the code of this checkout (the upgrade adds a few seconds to the start).
source "$(dirname "$0")/common.sh"
require_odoo

DB=${1:-${DB:-com_demo}}
PORT=${PORT:-8069}
STATE=${COM_STATE_DIR:-$HOME/.local/share/customer_order_management}
link_addon "$STATE/addons"
ADDONS="$STATE/addons,$(odoo_addons_path)"

upgrade=(-u "$ADDON")
if ! psql -d postgres -Atqc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    echo "Creating database $DB with demo data (Odoo, Sales, Inventory and the addon: under 2 minutes)..."
    odoo_cmd -d "$DB" --addons-path="$ADDONS" --data-dir="$STATE/data" --with-demo \
        -i "$ADDON" --stop-after-init --log-level=warn
    upgrade=()  # just installed from this checkout
elif [ "${COM_NO_UPGRADE:-0}" = 1 ]; then
    upgrade=()
else
    echo "Upgrading $ADDON in $DB to this checkout (COM_NO_UPGRADE=1 skips it)..."
fi
echo "Odoo on http://localhost:$PORT  database: $DB  login: admin  password: admin"
exec "$ODOO_PYTHON" -m odoo -d "$DB" --addons-path="$ADDONS" --data-dir="$STATE/data" \
    --http-port="$PORT" --db-filter="^$DB\$" "${upgrade[@]}" "${@:2}"
