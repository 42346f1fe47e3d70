#!/usr/bin/env bash
# Build the wheel odoo-addon-customer_order_management with the whool backend.
# whool names the package after the addon's folder, so the checkout is cloned
# under the module name first (whatever folder it lives in). whool packs every
# file git tracks: the workshop (the paths marked export-ignore in
# .gitattributes: scripts, benchmarks, CI, lint and test configuration) is
# taken out of the clone's index first, so the wheel carries what the addon
# needs at run time (its tests included, as OCA wheels do). The build fails if
# any workshop file is still in the wheel.
# Usage: scripts/build-wheel.sh [output dir, default dist/]
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$REPO_ROOT/dist}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CLONE="$WORK/customer_order_management"
git clone -q "$REPO_ROOT" "$CLONE"
WORKSHOP=$(git -C "$CLONE" ls-files | git -C "$CLONE" check-attr --stdin export-ignore \
    | awk -F': ' '$3 == "set" {print $1}')
if [ -n "$WORKSHOP" ]; then
    echo "$WORKSHOP" | xargs git -C "$CLONE" rm -q --cached --
fi
mkdir -p "$OUT"
"${ODOO_PYTHON:-python3}" -m pip wheel --no-deps -q -w "$WORK/dist" "$CLONE"
WHEEL=$(ls "$WORK"/dist/odoo_addon_customer_order_management-*.whl)
"${ODOO_PYTHON:-python3}" - "$WHEEL" <<'PY'
import sys
import zipfile

prefix = "odoo/addons/customer_order_management/"
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith(prefix)]
workshop = ("bench/", "scripts/", ".ci/", "requirements-test.txt", ".pylintrc", ".ruff.toml",
            ".coveragerc", ".gitignore", ".gitattributes")
leaked = [n for n in names if n[len(prefix):].startswith(workshop)]
if leaked or f"{prefix}__manifest__.py" not in names:
    sys.exit(f"error: the wheel is wrong: workshop files {leaked} or no manifest")
print(f"{len(names)} files of the addon in the wheel, no workshop file")
PY
cp "$WHEEL" "$OUT"/
ls "$OUT/$(basename "$WHEEL")"
