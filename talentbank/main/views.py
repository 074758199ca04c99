"""Home page per role and a health check for load balancers."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from ..core.permissions import public, requires
from ..extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("account.use")
def index():
    return render_template("main/index.html")


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
