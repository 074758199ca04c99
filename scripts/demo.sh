#!/usr/bin/env bash
# One command: install, build the SQLite database by migrations, load the eight cities' demo data,
# and start the app on http://127.0.0.1:${TALENTBANK_PORT:-5000} (Japanese first).
source "$(dirname "$0")/_venv.sh"
flask db upgrade
flask seed-demo
exec flask run --host 127.0.0.1 --port "${TALENTBANK_PORT:-5000}"
