"""Per-process copies of small tables read on nearly every page (vocabularies, cities), kept right in every
worker.

Each cached table has a row in ``cache_versions`` (the table's name and a random token). A database
trigger (migration 0022) gives the row a new token on every INSERT, UPDATE, DELETE (and on PostgreSQL
TRUNCATE) of the table, in the same transaction as the change: whatever changed it (a service, a
factory in a test, a bulk insert of a script, raw SQL) and whichever process did, every other process
sees the new token once the change is committed, and never before.

A process reads the tokens at most once per database transaction (one query over a handful of rows)
and only when a page asks for a cached value; a value built under other tokens is loaded again. A
change made in the current transaction (an ORM flush or a DML statement on a cached table) makes the
next read in that transaction check again, so a service sees its own change at once. Tokens are
random, never counters, so a table emptied and refilled (as the tests do between tests) never comes
back to a token an old copy was built under.

Why the database and not Redis: the token changes atomically with the data, a rolled-back change
leaves the old token, and the check costs one indexed read on a tiny table (about 0.2 ms), which is
what a Redis round trip would cost too. Values are kept per application object
(``app.extensions``), so two app objects in one process behave like two workers.
"""
from __future__ import annotations

from types import FunctionType
from typing import Any, Callable, TypeVar

from flask import current_app
from sqlalchemy import String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

T = TypeVar("T")

# The tables whose changes bump a token (the migration puts a trigger on each).
CACHED_TABLES = ("professions", "licences", "experience_fields", "cities", "travel_times")
_TOKENS = "talentbank_cache_tokens"
_STORE = "talentbank_cache"


class CacheVersion(db.Model):
    """The current token of one cached table, replaced by a trigger whenever the table changes."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    token: Mapped[str] = mapped_column(String(40))


def _store() -> dict[str, Any]:
    return current_app.extensions.setdefault(_STORE, {"values": {}, "has_table": None})


def _tokens(session: Session) -> dict[str, str] | None:
    """The tokens as this transaction sees them (read once per transaction); None when the table is missing
    (a database migrated before 0022, or being rebuilt): then nothing is cached."""
    tokens = session.info.get(_TOKENS)
    if tokens is not None:
        return tokens
    store = _store()
    if not store["has_table"]:
        store["has_table"] = inspect(session.connection()).has_table(CacheVersion.__tablename__)
        if not store["has_table"]:
            return None
    tokens = dict(session.execute(select(CacheVersion.name, CacheVersion.token)).all())
    session.info[_TOKENS] = tokens
    return tokens


def cached(name: str, tables: tuple[str, ...], load: Callable[[], T]) -> T:
    """The value ``load()`` returns, kept in this process until one of ``tables`` changes in any process.

    ``load`` must return something nobody mutates (callers get the same object): tuples, frozen rows, or
    copy what you hand out."""
    session = db.session()
    if _touches_cached_tables(session):
        session._autoflush()  # as a query would: the flush makes this transaction read its own change
    tokens = _tokens(session)
    if tokens is None:
        return load()
    key = tuple(tokens.get(table) for table in tables)
    values = _store()["values"]
    entry = values.get(name)
    if entry is not None and entry[0] == key:
        return entry[1]
    value = load()
    values[name] = (key, value)
    return value


def clear(app: Any = None) -> None:
    """Forget every cached value of ``app`` (the current one by default); the next read loads again."""
    store = (app or current_app).extensions.get(_STORE)
    if store is not None:
        store["values"].clear()
        store["has_table"] = None


# ----------------------------------------------------------------------------- this transaction's changes

@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, _transaction: Any) -> None:
    session.info.pop(_TOKENS, None)  # committed or rolled back (a savepoint too): read the tokens again


def _touches_cached_tables(session: Session) -> bool:
    if session._is_clean():
        return False
    return any(getattr(instance, "__tablename__", None) in CACHED_TABLES
               for instance in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    if _TOKENS in session.info and _touches_cached_tables(session):
        session.info.pop(_TOKENS, None)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: Any) -> None:
    if _TOKENS not in state.session.info or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CACHED_TABLES:
        state.session.info.pop(_TOKENS, None)


# ----------------------------------------------------------------------------- read-only rows

class Row:
    """A read-only copy of one ORM row, safe to share between requests: every column is a plain attribute,
    the model's methods and properties (``display_name``, ``staff_per_10k``...) work on it, a many-to-one
    relationship reads the ORM object, and it equals (and hashes like) the ORM object of the same row, so
    ``term in terms`` keeps working. One subclass per model (``Row.of``) keeps attribute reads native."""

    _model: type = object

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)

    @classmethod
    def of(cls, instance: Any) -> Row:
        model = type(instance)
        row_class = _row_class(model)
        return row_class({key: getattr(instance, key) for key in row_class._columns})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a cached {self._model.__name__} row is read-only; load the ORM object to change it")

    def __eq__(self, other: object) -> bool:
        table = getattr(other, "__table__", None)
        if isinstance(other, Row):
            table = other._model.__table__
        return table is not None and table.name == self._model.__table__.name \
            and getattr(other, "id", None) == self.__dict__.get("id")

    def __hash__(self) -> int:
        return hash((self._model.__table__.name, self.__dict__.get("id")))

    def __repr__(self) -> str:
        return f"<{self._model.__name__} row {self.__dict__.get('code', self.__dict__.get('id'))}>"


_ROW_CLASSES: dict[type, type[Row]] = {}


def _many_to_one(relationship: Any) -> property:
    (column,) = relationship.local_columns
    target = relationship.mapper.class_

    def read(self: Row) -> Any:
        key = self.__dict__.get(column.key)
        return None if key is None else db.session.get(target, key)

    return property(read)


def _row_class(model: type) -> type[Row]:
    """The Row subclass of ``model``: its public functions and properties, and its many-to-one relationships."""
    found = _ROW_CLASSES.get(model)
    if found is not None:
        return found
    mapper = inspect(model)
    columns = tuple(attribute.key for attribute in mapper.column_attrs)
    namespace: dict[str, Any] = {"_model": model, "_columns": columns}
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            if not name.startswith("_") and name not in columns and isinstance(value, (FunctionType, property)):
                namespace[name] = value
    for relationship in mapper.relationships:
        if relationship.direction.name == "MANYTOONE" and len(relationship.local_columns) == 1:
            namespace[relationship.key] = _many_to_one(relationship)
    found = type(f"{model.__name__}Row", (Row,), namespace)
    _ROW_CLASSES[model] = found
    return found
