#!/usr/bin/env bash
# One command: install, build the SQLite database by migrations, load the eight cities' demo data,
# and start the app on http://127.0.0.1:${TALENTBANK_PORT:-5000} (Japanese first).
source "$(dirname "$0")/_venv.sh"
# The app refuses the built-in placeholder secret key; the demo makes one of its own once and keeps it
# in instance/ (not committed), so log-ins survive a restart. Production sets TALENTBANK_SECRET_KEY itself.
if [ -z "${TALENTBANK_SECRET_KEY:-}" ]; then
  mkdir -p instance
  if [ ! -s instance/demo-secret-key ]; then
    (umask 077 && python -c 'import secrets; print(secrets.token_hex(32))' > instance/demo-secret-key)
  fi
  TALENTBANK_SECRET_KEY="$(cat instance/demo-secret-key)"
  export TALENTBANK_SECRET_KEY
fi
# Links in e-mails (confirmation, password reset) point at this server; a deployment sets its real address.
export TALENTBANK_PUBLIC_BASE_URL="${TALENTBANK_PUBLIC_BASE_URL:-http://127.0.0.1:${TALENTBANK_PORT:-5000}}"
flask db upgrade
flask seed-demo
exec flask run --host 127.0.0.1 --port "${TALENTBANK_PORT:-5000}"
