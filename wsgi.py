"""WSGI entry point: ``gunicorn wsgi:app``."""
from talentbank.app import create_app

app = create_app()
