"""Home page per role (its dashboard: the to-dos first, then the menu) and a health check for load balancers."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text

from ..core.permissions import public, requires
from ..extensions import db
from ..requests.models import URGENCY_LABELS
from .dashboard import dashboard_for

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("account.use")
def index():
    return render_template("main/index.html", board=dashboard_for(current_user), urgency_labels=URGENCY_LABELS)


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
