#!/usr/bin/env bash
# Run the addon in a local Odoo with demo data on http://localhost:8069 (login admin / admin).
# Usage: scripts/run.sh [database]   (default: com_demo; created with demo data when missing)
source "$(dirname "$0")/common.sh"
require_odoo

DB=${1:-${DB:-com_demo}}
PORT=${PORT:-8069}
STATE=${COM_STATE_DIR:-$HOME/.local/share/customer_order_management}
link_addon "$STATE/addons"
ADDONS="$STATE/addons,$(odoo_addons_path)"

if ! psql -d postgres -Atqc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    echo "Creating database $DB with demo data (about a minute)..."
    odoo_cmd -d "$DB" --addons-path="$ADDONS" --data-dir="$STATE/data" --with-demo \
        -i "$ADDON" --stop-after-init --log-level=warn
fi
echo "Odoo on http://localhost:$PORT  database: $DB  login: admin  password: admin"
exec "$ODOO_PYTHON" -m odoo -d "$DB" --addons-path="$ADDONS" --data-dir="$STATE/data" \
    --http-port="$PORT" --db-filter="^$DB\$" -u "$ADDON" "${@:2}"
