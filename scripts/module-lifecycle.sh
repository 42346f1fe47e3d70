#!/usr/bin/env bash
# Install, upgrade (-u) and uninstall the addon on a database that has orders
# (Odoo's and the addon's demo data): no error, no warning about the addon,
# no delay notice for the orders already late at install (the late-order job
# flags them, it e-mails nobody and schedules no activity), and no core record
# lost (every order but the addon's own demo orders, and every delivery, is
# still there).
source "$(dirname "$0")/common.sh"
require_odoo

new_workspace lifecycle
ARGS=(-d "$DB" --addons-path="$ADDONS" --data-dir="$WORK/data" --stop-after-init --log-level=warn)

check_log() {
    if grep -E " (WARNING|ERROR|CRITICAL) " "$1" | grep -v "odoo.tools.config\|wkhtmltopdf" | grep -qi "$ADDON\|Traceback"; then
        grep -E " (WARNING|ERROR|CRITICAL) " "$1" >&2
        echo "error: $2 logged warnings or errors about $ADDON" >&2
        exit 1
    fi
}
# Orders and pickings that are not the addon's own demo records (those go with it).
count() {
    psql -d "$DB" -Atqc "
        select (select count(*) from sale_order where id not in (
                    select res_id from ir_model_data
                     where module = '$ADDON' and model = 'sale.order'))
               || '/' || (select count(*) from stock_picking)"
}

echo "== install (with demo data)"
odoo_cmd "${ARGS[@]}" --with-demo -i "$ADDON" >"$WORK/install.log" 2>&1
check_log "$WORK/install.log" "the install"
before=$(count)

echo "== late-order job right after install"
# Messages and activities on orders, e-mails queued: the job adds none.
notices() {
    psql -d "$DB" -Atqc "
        select (select count(*) from mail_message where model = 'sale.order')
               || '/' || (select count(*) from mail_activity where res_model = 'sale.order')
               || '/' || (select count(*) from mail_mail)"
}
notices_before=$(notices)
odoo_cmd shell "${ARGS[@]}" >"$WORK/cron.log" 2>&1 <<PY
env.ref("$ADDON.ir_cron_notify_late_orders").method_direct_trigger()
PY
check_log "$WORK/cron.log" "the late-order job"
late=$(psql -d "$DB" -Atqc "select count(*) from sale_order where is_late")
[ "$late" -gt 0 ] || { echo "error: no late order after install: the check below proves nothing" >&2; exit 1; }
[ "$(notices)" = "$notices_before" ] || {
    echo "error: the late-order job notified orders already late at install (messages/activities/e-mails: $notices_before -> $(notices))" >&2
    exit 1
}

echo "== upgrade"
odoo_cmd "${ARGS[@]}" -u "$ADDON" >"$WORK/upgrade.log" 2>&1
check_log "$WORK/upgrade.log" "the upgrade"
[ "$(count)" = "$before" ] || { echo "error: the upgrade changed orders/pickings: $before -> $(count)" >&2; exit 1; }

echo "== uninstall"
odoo_cmd shell "${ARGS[@]}" >"$WORK/uninstall.log" 2>&1 <<PY
env["ir.module.module"].search([("name", "=", "$ADDON")]).button_immediate_uninstall()
PY
check_log "$WORK/uninstall.log" "the uninstall"
state=$(psql -d "$DB" -Atqc "select state from ir_module_module where name = '$ADDON'")
[ "$state" = "uninstalled" ] || { echo "error: the addon is '$state' after uninstall" >&2; exit 1; }
[ "$(count)" = "$before" ] || { echo "error: the uninstall lost orders/pickings: $before -> $(count)" >&2; exit 1; }
left=$(psql -d "$DB" -Atqc "select count(*) from information_schema.columns where table_name = 'sale_order' and column_name = 'review_state'")
[ "$left" = "0" ] || { echo "error: the addon's columns stay after uninstall" >&2; exit 1; }
echo "module lifecycle: install, upgrade and uninstall clean; $late orders late at install, none notified; orders/pickings kept: $before"
