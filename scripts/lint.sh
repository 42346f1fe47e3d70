#!/usr/bin/env bash
# Lint the addon: ruff (style, imports, bugs) and pylint-odoo (Odoo checks), zero findings.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${ODOO_PYTHON:-python3}
"$PY" -m ruff check .
"$PY" -m ruff format --check .
# pylint-odoo reads the manifest and the Python files of the addon.
"$PY" -m pylint --rcfile=.pylintrc --disable=missing-readme $(git ls-files '*.py' | grep -v '^bench/')
# The README's map of the concerns names every code file, and only existing ones.
"$PY" scripts/check-readme-map.py
echo "lint: no findings"
