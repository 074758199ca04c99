"""Pages of a list: Flask-SQLAlchemy's ``db.paginate`` and the links of the one pager macro.

A service returns ``paginate(query, page, per_page)``; its template shows ``page.items`` and
``{{ pager(page) }}`` (templates/macros/forms.html), which keeps every other query argument.
"""
from __future__ import annotations

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from ..extensions import db


def paginate(query: Select, page: int, per_page: int) -> Pagination:
    """One page of a select (ORM entities or one column) with the total; a page past the end is empty."""
    return db.paginate(query, page=max(page, 1), per_page=max(per_page, 1), max_per_page=None,
                       error_out=False, count=True)


def page_url(page: int) -> str:
    """The current address with ``?page=`` set and every other argument (filters, repeated ones) kept."""
    args = {name: values for name, values in request.args.lists() if name != "page"}
    return url_for(request.endpoint, **(request.view_args or {}), **args, page=page)
