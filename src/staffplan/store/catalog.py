"""The catalog database: the ``plans`` and ``scenario_jobs`` tables and the engine.

Any SQLAlchemy URL works. For SQLite the engine is set up for several threads and processes:
write-ahead logging (readers never wait for, nor see, a writer's uncommitted work), a busy
timeout instead of immediate "database is locked" errors, ``synchronous=FULL`` so a committed
row survives a power cut, and write transactions that take the write lock when they begin
(``BEGIN IMMEDIATE``), so a transaction that reads before it writes waits its turn instead of
failing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator

__all__ = [
    "BUSY_TIMEOUT_S",
    "catalog_label",
    "metadata",
    "open_engine",
    "plans",
    "scenario_jobs",
    "utc_key",
]

#: How long a SQLite connection waits for another writer before giving up.
BUSY_TIMEOUT_S = 30.0

#: Execution option that makes a SQLite transaction ``BEGIN IMMEDIATE``.
WRITE_OPTION = "staffplan_write"


class IsoDateTime(TypeDecorator):
    """A datetime kept as ISO 8601 text, so its UTC offset comes back exactly on every backend.

    Sort on a :func:`utc_key` column, not on this one: text order is not time order across
    offsets.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.isoformat()

    def process_result_value(self, value, dialect):
        return None if value is None else dt.datetime.fromisoformat(value)


def utc_key(value: dt.datetime) -> str:
    """Sortable UTC text of a datetime (naive ones are taken as UTC).

    Parameters
    ----------
    value : datetime.datetime
        The time.

    Returns
    -------
    str
        ``YYYY-MM-DDTHH:MM:SS.ffffff`` in UTC; text order is time order.
    """
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


metadata = MetaData()

plans = Table(
    "plans",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("name", Text),
    Column("parent_id", String(128), index=True),
    Column("created_at", IsoDateTime, nullable=False),
    Column("created_utc", String(32), nullable=False, index=True),
    Column("added_at", IsoDateTime, nullable=False),
    Column("centre", Text, nullable=False),
    Column("horizon_start", IsoDateTime, nullable=False),
    Column("horizon_end", IsoDateTime, nullable=False),
    Column("config_digest", String(128), nullable=False),
    Column("paid_hours", Float),
    Column("cost", Float),
    Column("queues", JSON, nullable=False),
    Column("files", JSON, nullable=False),
)

scenario_jobs = Table(
    "scenario_jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("base_plan_id", String(128), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("request", JSON, nullable=False),
    Column("result_plan_id", String(128)),
    Column("error", Text),
    Column("created_at", IsoDateTime, nullable=False),
    Column("created_utc", String(32), nullable=False, index=True),
    Column("finished_at", IsoDateTime),
)


def catalog_label(url: str, default: Path) -> str:
    """A stable name of the database ``url`` points at, without its password.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL.
    default : Path
        The store's default catalog file; a SQLite URL of that file is labelled ``"default"``
        (so a store folder can be moved).

    Returns
    -------
    str
        ``"default"``, ``sqlite:///<absolute path>``, or the URL with its password hidden.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database).expanduser().resolve()
        return "default" if path == default.resolve() else f"sqlite:///{path}"
    return parsed.render_as_string(hide_password=True)


def open_engine(url: str) -> tuple[Engine, Engine]:
    """Create the engine for ``url`` and its write variant, and create missing tables.

    Parameters
    ----------
    url : str
        A SQLAlchemy database URL.

    Returns
    -------
    reader, writer : sqlalchemy.Engine
        Engines sharing one connection pool; transactions begun on ``writer`` take the
        database's write lock at once on SQLite (elsewhere the two are the same).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
        writer = engine
    else:
        engine = _sqlite_engine(url, memory=parsed.database in (None, "", ":memory:"))
        writer = engine.execution_options(**{WRITE_OPTION: True})
    with writer.begin() as conn:
        metadata.create_all(conn, checkfirst=True)
    return engine, writer


def _sqlite_engine(url: str, *, memory: bool) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN, instead of pysqlite's own late BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if not memory:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
