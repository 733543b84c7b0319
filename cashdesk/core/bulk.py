"""Bulk inserts straight through the driver, for imports of hundreds of thousands of rows.

SQLAlchemy's insert() prepares every value of every row in Python, which for a large import costs more
than SQLite itself. Here each column's bind processor is still SQLAlchemy's own, so values are stored
exactly as the ORM stores them, but values shared by every row (the batch, the timestamps, the column
defaults) are converted once and written into the statement, and the rows go to the driver's executemany
in chunks.

Nothing here bypasses the transaction: the rows join the session's open transaction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import JSON, Boolean, Date, Enum, Table, Uuid
from sqlalchemy.orm import Session

from cashdesk.models.base import Base

CHUNK = 20_000
_HEX = attrgetter("hex")
T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter); itertools.batched arrives only in Python 3.12."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _processor(table: Table, name: str, session: Session) -> Callable[[Any], Any] | None:
    if name == "rowid":  # SQLite's own row number, given by a caller that writes related rows with it
        return None
    dialect = session.get_bind().dialect
    column_type = table.c[name].type
    if isinstance(column_type, Uuid) and column_type.as_uuid and not dialect.supports_native_uuid:
        return _HEX  # what SQLAlchemy stores on SQLite, without a Python call per value
    processor: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    if processor is not None and isinstance(column_type, JSON):
        # Most rows of an import have no custom fields: encode the empty document once.
        empty, encode = processor({}), processor
        return lambda value: empty if value == {} else encode(value)
    if processor is not None and isinstance(column_type, Enum | Boolean | Date):
        return _remembered(processor)
    return processor


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, computed once per distinct value: a column of choices, flags or dates holds few distinct
    values in many rows, and SQLAlchemy's processors are Python code. A known value costs one dictionary
    look-up made in C, without a Python call. (Made per RowConverter, so the memory is bounded by the
    distinct values of one import.)"""
    return _Known(process).__getitem__


class _Known(dict[Any, Any]):
    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__()
        self._process = process

    def __missing__(self, value: Any) -> Any:
        self[value] = result = self._process(value)
        return result


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """The Python-side defaults of the columns the caller leaves out, evaluated once for the batch."""
    values: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if column.primary_key:
            raise ValueError(f"bulk insert into {table.name}: give the {column.name} of each row")
        arg = getattr(default, "arg", None)
        if getattr(default, "is_scalar", False):
            values[column.name] = arg
        elif getattr(default, "is_callable", False) and arg is not None:
            values[column.name] = arg(None)  # SQLAlchemy wraps plain callables to take a context
    return values


class RowConverter:
    """Turns rows of values (UUIDs, enums, dates, flags, documents) for `columns` of a table into what
    the driver takes, with SQLAlchemy's own bind processors: values are stored exactly as the ORM stores
    them. Processors of choices, flags and dates are computed once per distinct value."""

    def __init__(
        self, session: Session, table_name: str, columns: Sequence[str], *, ready: Collection[str] = ()
    ) -> None:
        """`ready`: columns whose values the caller gives as the driver takes them (ids it made as hex)."""
        table = Base.metadata.tables[table_name]
        self._converters = [
            (index, proc)
            for index, name in enumerate(columns)
            if name not in ready and (proc := _processor(table, name, session))
        ]

    def row(self, values: Sequence[Any]) -> list[Any]:
        """One row, ready to insert (callers make their rows one at a time and keep them until written)."""
        out = list(values)
        for index, proc in self._converters:
            value = out[index]
            if value is not None:
                out[index] = proc(value)
        return out


def insert_converted(
    session: Session,
    table_name: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    shared: Mapping[str, Any] | None = None,
    done: Callable[[int], None] | None = None,
) -> int:
    """Insert `rows` (values in the order of `columns`, as a RowConverter made them) plus the `shared`
    values common to all rows.

    Columns given neither way get their model default (evaluated once). Returns the rows inserted.
    `done`: called with the number of rows inserted so far after each chunk (for a progress bar).
    """
    table = Base.metadata.tables[table_name]
    common = dict(shared or {})
    common |= _defaults(table, set(columns) | set(common))
    common_sql = [
        _sql_literal(
            value if value is None or (proc := _processor(table, name, session)) is None else proc(value)
        )
        for name, value in common.items()
    ]
    quote = session.get_bind().dialect.identifier_preparer.quote
    # Table and column names come from our own metadata (never from input), quoted. The rows' values are
    # bound; the values every row shares (our own ids, timestamps and defaults) are written into the
    # statement once, rather than bound again for each of half a million rows.
    column_list = ", ".join(quote(n) for n in (*columns, *common))
    values = ", ".join(["?"] * len(columns) + common_sql)
    sql = f"INSERT INTO {quote(table_name)} ({column_list}) VALUES ({values})"  # noqa: S608
    return executemany_in_chunks(session, sql, rows, done=done)


def executemany_in_chunks(
    session: Session, sql: str, rows: Iterable[Sequence[Any]], *, done: Callable[[int], None] | None = None
) -> int:
    """`sql` run through the driver for each of `rows`, CHUNK rows a call; `done` is told the number of
    rows so far after each call. Returns the number of rows."""
    cursor = driver_cursor(session)
    executed = 0
    try:
        for chunk in batched(rows, CHUNK):
            cursor.executemany(sql, chunk)
            executed += len(chunk)
            if done is not None:
                done(executed)
    finally:
        cursor.close()
    return executed


def _sql_literal(value: Any) -> str:
    """A value as the driver would bind it, written as an SQL literal (strings quoted as SQL quotes them)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot write {value!r} into a statement")


def driver_cursor(session: Session) -> Any:
    """A cursor of the session's own connection (so in its transaction), for statements over millions
    of rows that SQLAlchemy's parameter and result handling would slow down several times."""
    return session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
