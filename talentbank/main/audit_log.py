"""The coordinator's audit log screen with filters (the audit package itself only records and reads)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..audit import services
from ..cities.models import City
from ..core.permissions import requires
from ..core.query_args import date_arg, int_arg, page_arg, text_arg
from ..extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@requires("audit.view")
def index():
    flt = services.AuditFilter(
        action=text_arg("action") or None,
        entity_type=text_arg("entity_type") or None,
        city_id=int_arg("city_id"),
        actor_id=int_arg("actor_id"),
        since=date_arg("since"),
        until=date_arg("until"),
    )
    entries = services.search_audit(current_user, flt, page_arg(), current_app.config["PAGE_SIZE"])
    cities = db.session.scalars(select(City).order_by(City.code)).all()
    return render_template("audit/index.html", entries=entries, flt=flt, actions=services.distinct_actions(),
                           cities=cities, city_by_id={c.id: c for c in cities})
