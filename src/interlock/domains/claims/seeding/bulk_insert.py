"""Bulk insert of a seed's rows: parents first, one transaction, the fastest path per database.

A 100,000-claim seed writes about 1.4 million rows, so SQLite is fed through the driver
and PostgreSQL (psycopg) through ``COPY``, both storing exactly what Core bulk inserts
store (a test compares them); other databases get Core bulk inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import sqlalchemy
from psycopg import sql as pg_sql

from interlock.domains.claims import schema
from interlock.domains.claims.seeding.basics import GeneratorError, Row

_INSERT_CHUNK = 20_000

_INSERT_ORDER = (
    schema.plans,
    schema.medical_policies,
    schema.procedures,
    schema.plan_benefits,
    schema.members,
    schema.providers,
    schema.staff,
    schema.staff_assignments,
    schema.staff_privileges,
    schema.claims,
    schema.claim_diagnoses,
    schema.claim_lines,
    schema.prior_authorizations,
    schema.adjudications,
    schema.adjudication_lines,
    schema.clinical_notes,
)
"""Parents first; the notes last, because they are written while the rest is inserted."""


def _sqlite_value(column: sqlalchemy.Column[Any]) -> Callable[[Any], Any] | None:
    """How SQLAlchemy's SQLite types store a Python value of ``column``, or None if as is.

    Dates are ISO text, timestamps ISO text with microseconds, numerics floats (the
    column's NUMERIC affinity): exactly what the typed Core path binds, which the tests
    check by comparing both paths row for row.
    """
    kind = column.type
    if isinstance(kind, sqlalchemy.DateTime):
        return lambda v: v.isoformat(" ", "microseconds")
    if isinstance(kind, sqlalchemy.Date):
        return date.isoformat
    if isinstance(kind, sqlalchemy.Numeric):
        return float
    return None


def _insert_sqlite(conn: sqlalchemy.Connection, table: sqlalchemy.Table, data: list[Row]) -> None:
    """Bulk insert through the driver with values pre-bound as the typed path would.

    Core's per-row parameter processing costs about as much as SQLite's own work; on a
    100,000-claim seed it is the difference between meeting the time budget and not.
    """
    compiled = table.insert().compile(dialect=conn.dialect)
    if list(compiled.positiontup or ()) != [c.name for c in table.columns]:
        raise GeneratorError(f"unexpected parameter order for {table.name}")
    converters = [(i, f) for i, c in enumerate(table.columns) if (f := _sqlite_value(c)) is not None]
    sql = str(compiled)
    for start in range(0, len(data), _INSERT_CHUNK):
        chunk = data[start : start + _INSERT_CHUNK]
        if converters:
            converted = []
            for row in chunk:
                values = list(row)
                for i, convert in converters:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                converted.append(tuple(values))
            chunk = converted
        conn.exec_driver_sql(sql, chunk)


def _copy_postgres(conn: sqlalchemy.Connection, table: sqlalchemy.Table, data: list[Row]) -> None:
    """Load rows with PostgreSQL ``COPY`` on the connection's own psycopg transaction.

    psycopg adapts dates, timestamps and decimals itself, so values go in as they are;
    COPY is several times faster than batched INSERT statements for a large seed.
    """
    names = [c.name for c in table.columns]
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(table.name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, names))
    )
    with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in data:
            copy.write_row(row)


def insert(
    engine: sqlalchemy.Engine,
    rows: Mapping[str, list[Row] | Callable[[], list[Row]]],
    *,
    fast: bool = True,
    before_commit: Callable[[], object] | None = None,
) -> None:
    """Bulk-insert every table, parents first, in one transaction (all or nothing).

    A table's rows may be a callable, called when the table's turn comes (the notes,
    produced in the background meanwhile). With ``fast`` (the default), SQLite goes
    through the driver (``_insert_sqlite``) and PostgreSQL with psycopg through ``COPY``;
    otherwise, and for any other database, rows go through Core bulk inserts. Both
    paths store the same values (tested). ``before_commit`` runs last inside the
    transaction: if it raises, nothing is kept.
    """
    with engine.begin() as conn:
        dialect = conn.dialect
        for table in _INSERT_ORDER:
            pending = rows[table.name]
            data = pending() if callable(pending) else pending
            if not data:
                continue
            if fast and dialect.name == "sqlite":
                _insert_sqlite(conn, table, data)
            elif fast and dialect.name == "postgresql" and dialect.driver == "psycopg":
                _copy_postgres(conn, table, data)
            else:
                names = [c.name for c in table.columns]
                for start in range(0, len(data), _INSERT_CHUNK):
                    chunk = [
                        dict(zip(names, row, strict=True)) for row in data[start : start + _INSERT_CHUNK]
                    ]
                    conn.execute(table.insert(), chunk)
        if before_commit is not None:
            before_commit()
