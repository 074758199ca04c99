"""The answer for an anonymous visitor to a protected page."""
from flask import Response

from ..extensions import login_manager


def login_required_response() -> Response:
    """Redirect to the log-in page with the page asked for, as Flask-Login does."""
    return login_manager.unauthorized()
