#!/usr/bin/env bash
# One command: install, check the layers, and run the whole test suite (SQLite, or the database in
# TALENTBANK_DATABASE_URL). Extra arguments go to pytest. Browser tests need Debian's chromium.
source "$(dirname "$0")/_venv.sh"
lint-imports --no-cache  # the layers of .importlinter (README, "Layout")
exec python -m pytest -q -p no:cacheprovider "$@" tests
