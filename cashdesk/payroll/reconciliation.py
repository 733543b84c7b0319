"""Reconciling an approved payroll against the payment service provider's result file.

Importing a file matches its rows to the payroll's lines by transaction number, in memory (one query
loads every line, one statement writes every row: openIMIS looks each row up on its own). Each line then
ends in one category (models.payments.ReconciliationCategory) against the provider's *current* answer:
the newest file that mentions it. Re-importing a file already imported changes nothing; a corrected file
replaces the earlier answer for the lines it mentions, and the earlier rows are kept, marked replaced.

A line whose category is plain (paid as due; failed at the provider; not in the file while a pay point's
record stands) has its outcome at once. The others wait for the supervisor's decision: accept the
provider's answer, mark the line unpaid, or flag it for investigation with a note (a flag is not an
outcome). When every line has one, another supervisor than whoever imported closes the payroll as
reconciled (maker-checker): in one transaction each outcome becomes a payment event (the provider's
completion time as the payment's time), and the payroll's status becomes "reconciled".
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.database import note_changed
from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.core.tables import open_table
from cashdesk.models import PaymentEvent, PaymentLine, PayPoint, Payroll, Scheme, User
from cashdesk.models.keys import uuid7s
from cashdesk.models.payments import (
    NonPaymentReason,
    PaymentEventKind,
    PaymentStatus,
    PayrollStatus,
    ReconciliationBatch,
    ReconciliationCategory,
    ReconciliationDecision,
    ReconciliationOutcome,
    ReconciliationRow,
    ReconciliationStatus,
    ResultStatus,
)
from cashdesk.models.registry import PaymentMethod
from cashdesk.payroll import result_file
from cashdesk.payroll.queries import payroll_by_code
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

Category = ReconciliationCategory
Decision = ReconciliationDecision
MAX_PROBLEMS_SHOWN = 20
CHUNK = 5000

CATEGORY_LABELS = {
    Category.MATCHED: _("Paid, amount as due"),
    Category.AMOUNT_DIFFERS: _("Paid a different amount"),
    Category.FAILED: _("Failed at the provider"),
    Category.NOT_IN_FILE: _("Not in the file (or still pending)"),
    Category.UNKNOWN: _("In the file, not on the payroll"),
    Category.DUPLICATE_PROVIDER_ID: _("Provider transaction id used twice"),
    Category.PAID_TWICE: _("Paid by the provider and in cash (or twice)"),
}
DECISION_LABELS = {
    Decision.ACCEPT: _("accepted"),
    Decision.MARK_UNPAID: _("marked unpaid"),
    Decision.FLAG: _("flagged"),
}


# --- what the services return ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    payroll_code: str
    file_name: str
    profile: str
    rows: int
    counts: dict[str, int]  # category -> lines (and unknown rows)
    replaced: int  # earlier answers a corrected file replaced
    already_imported: bool  # the very same file was imported before: nothing changed
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OutcomeRow:
    """One line (or unknown row) of the reconciliation, as the supervisor reviews it."""

    id: uuid.UUID
    category: str
    category_label: str
    transaction_number: str
    household_code: str
    recipient_name: str
    pay_point: str
    due_minor: int | None
    provider_amount_minor: int | None
    provider_status: str  # as the file said it
    provider_reason: str
    provider_transaction_id: str
    completed_at: datetime | None
    recorded_at_pay_point: str  # "paid" / "not_paid" / "" as a clerk recorded it
    decision: str | None
    note: str
    decided_by: str
    needs_decision: bool
    resolved: bool  # has an outcome (closing may proceed for this line)


@dataclass(frozen=True)
class BatchRow:
    file_name: str
    loaded_at: datetime
    loaded_by: str
    rows: int
    replaced: int


@dataclass(frozen=True)
class ReconciliationState:
    payroll_code: str
    status: str
    currency: str
    minor_units: int
    batches: list[BatchRow]
    counts: dict[str, int]  # category -> count
    open: int  # lines with no outcome yet (undecided or flagged)
    flagged: int
    reconciled_by: str
    reconciled_at: datetime | None

    @property
    def can_close(self) -> bool:
        return self.status == PayrollStatus.APPROVED and bool(self.batches) and self.open == 0


# --- facts loaded once per operation -----------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    id: uuid.UUID
    transaction_number: str
    amount_minor: int
    cash: bool
    clerk_status: PaymentStatus  # what a pay point recorded (before closing, only clerks write events)


@dataclass(slots=True)
class _Row:
    id: uuid.UUID
    line_id: uuid.UUID | None
    transaction_number: str | None
    provider_transaction_id: str | None
    amount_minor: int | None
    status: ResultStatus
    raw_status: str
    error_message: str
    completed_at: datetime | None


def _lines(session: Session, payroll_id: uuid.UUID) -> dict[str, _Line]:
    rows = session.execute(
        select(
            PaymentLine.id,
            PaymentLine.transaction_number,
            PaymentLine.amount_minor,
            PaymentLine.payment_method,
            PaymentLine.status,
        ).where(PaymentLine.payroll_id == payroll_id, PaymentLine.status != PaymentStatus.CANCELLED)
    )
    return {
        txn: _Line(line_id, txn, amount, method == PaymentMethod.CASH, status)
        for line_id, txn, amount, method, status in rows
    }


def _current_rows(session: Session, payroll_id: uuid.UUID) -> list[_Row]:
    """The provider's current answers: rows of the payroll's files that no later file replaced."""
    rows = session.execute(
        select(
            ReconciliationRow.id,
            ReconciliationRow.line_id,
            ReconciliationRow.transaction_number,
            ReconciliationRow.provider_transaction_id,
            ReconciliationRow.amount_minor,
            ReconciliationRow.status,
            ReconciliationRow.raw_status,
            ReconciliationRow.error_message,
            ReconciliationRow.completed_at,
        )
        .join(ReconciliationBatch, ReconciliationBatch.id == ReconciliationRow.batch_id)
        .where(
            ReconciliationBatch.payroll_id == payroll_id,
            ReconciliationBatch.status == ReconciliationStatus.APPLIED,
            ReconciliationRow.replaced_by_batch_id.is_(None),
        )
        .order_by(ReconciliationBatch.loaded_at, ReconciliationRow.source_row)
    )
    return [_Row(*(r[:6]), r[6] or "", r[7] or "", r[8]) for r in rows]


# --- categories --------------------------------------------------------------------------------------


def categorise(  # noqa: PLR0911 (one return per category reads plainer than a table)
    line: _Line, answers: Sequence[_Row], provider_ids: Counter[str]
) -> tuple[Category, _Row | None]:
    """The category of one line given the provider's current answers for it (several when it retried)."""
    if not answers:
        return Category.NOT_IN_FILE, None
    paid = [a for a in answers if a.status == ResultStatus.PAID]
    if len(paid) >= 2:
        return Category.PAID_TWICE, paid[-1]
    if paid:
        answer = paid[0]
        if answer.provider_transaction_id and provider_ids[answer.provider_transaction_id] > 1:
            return Category.DUPLICATE_PROVIDER_ID, answer
        # Paid electronically while a pay point also handed over cash. (On a cash line the provider's
        # "paid" and the clerk's are the same payment, told twice.)
        if line.clerk_status == PaymentStatus.PAID and not line.cash:
            return Category.PAID_TWICE, answer
        if answer.amount_minor is not None and answer.amount_minor != line.amount_minor:
            return Category.AMOUNT_DIFFERS, answer
        return Category.MATCHED, answer
    failed = [a for a in answers if a.status in (ResultStatus.FAILED, ResultStatus.REVERSED)]
    if failed:
        return Category.FAILED, failed[-1]
    return Category.NOT_IN_FILE, answers[-1]  # pending at the provider: no answer yet


def needs_decision(category: Category, clerk_status: PaymentStatus | None, cash: bool) -> bool:
    """Whether a supervisor must decide the line before the payroll can close."""
    if category == Category.MATCHED:
        return False
    if category == Category.FAILED:
        return clerk_status == PaymentStatus.PAID  # the provider says failed, a clerk says paid
    if category == Category.NOT_IN_FILE:
        # A cash line a clerk recorded keeps the clerk's record; otherwise someone must say what happened.
        return not (cash and clerk_status in (PaymentStatus.PAID, PaymentStatus.NOT_PAID))
    return True


# --- importing ---------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reconcilable_payroll(session: Session, actor: Actor, code: str) -> Payroll:
    actor.require(Permission.RECONCILE_PAYROLLS)
    payroll = payroll_by_code(session, code)
    if payroll.status == PayrollStatus.RECONCILED:
        raise ValidationError(_("Payroll {code} is already closed as reconciled.").format(code=payroll.code))
    if payroll.status != PayrollStatus.APPROVED:
        raise ValidationError(
            _("Payroll {code} is {status}: only an approved payroll is reconciled.").format(
                code=payroll.code, status=payroll.status.value.replace("_", " ")
            )
        )
    return payroll


def _refuse_problems(file_name: str, problems: Sequence[result_file.Problem]) -> None:
    shown = "\n".join(
        _("  row {row}, {field}: {message}").format(row=p.row, field=p.field, message=p.message)
        for p in problems[:MAX_PROBLEMS_SHOWN]
    )
    more = len(problems) - MAX_PROBLEMS_SHOWN
    raise ValidationError(
        _(
            "{file}: {n:,} row(s) cannot be read; nothing was imported. Correct them and import again:\n{rows}"
        ).format(file=file_name, n=len({p.row for p in problems}), rows=shown)
        + (_("\n  … and {n:,} more.").format(n=more) if more > 0 else ""),
        field="file",
    )


def _check_payroll_of_file(
    session: Session, payroll: Payroll, file_name: str, answers: Sequence[result_file.Answer], known: set[str]
) -> None:
    """Refuse a file that answers another payroll: by the code it quotes, or by its transaction numbers."""
    references = {a.reference.strip().upper() for a in answers if a.reference}
    others = references - {payroll.code.upper()}
    if others:
        raise ValidationError(
            _("{file} is the result file for payroll {other}, not {code}: nothing was imported.").format(
                file=file_name, other=", ".join(sorted(others)), code=payroll.code
            ),
            field="file",
        )
    if known or not answers:
        return
    sample = [a.transaction_number for a in answers[:500]]
    other = session.execute(
        select(Payroll.code)
        .join(PaymentLine, PaymentLine.payroll_id == Payroll.id)
        .where(PaymentLine.transaction_number.in_(sample))
        .limit(1)
    ).scalar_one_or_none()
    if other is not None:
        raise ValidationError(
            _("{file} answers payroll {other}, not {code} (none of its payments is on {code}): nothing was "
              "imported.").format(file=file_name, other=other, code=payroll.code),
            field="file",
        )  # fmt: skip


def _without_repeats(answers: list[result_file.Answer], warnings: list[str]) -> list[result_file.Answer]:
    """A row repeating an earlier one exactly (a file pasted twice) counts once, and a warning says so."""
    seen: dict[tuple[object, ...], int] = {}
    kept = []
    repeats: list[tuple[int, int]] = []
    for answer in answers:
        key = (
            answer.transaction_number, answer.status, answer.amount_minor, answer.provider_transaction_id,
            answer.completed_at, answer.failure_reason,
        )  # fmt: skip
        first = seen.setdefault(key, answer.row)
        if first != answer.row:
            repeats.append((answer.row, first))
            continue
        kept.append(answer)
    if repeats:
        examples = ", ".join(_("row {a} repeats row {b}").format(a=a, b=b) for a, b in repeats[:5])
        warnings.append(
            _("{n:,} row(s) repeat an earlier row exactly and were counted once ({examples}).").format(
                n=len(repeats), examples=examples
            )
        )
    return kept


def import_result_file(
    session: Session,
    actor: Actor,
    *,
    payroll_code: str,
    path: Path,
    profile: str | None = None,
    mapping: Mapping[str, str] | None = None,
    save_profile_as: str | None = None,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> ImportResult:
    """Read the provider's result file for a payroll and match it, in the caller's one transaction."""
    abort = abort or never_abort()
    payroll = reconcilable_payroll(session, actor, payroll_code)
    digest = _sha256(path) if path.is_file() else ""
    if digest:
        earlier = session.scalars(
            select(ReconciliationBatch).where(
                ReconciliationBatch.file_sha256 == digest,
                ReconciliationBatch.status == ReconciliationStatus.APPLIED,
            )
        ).first()
        if earlier is not None and earlier.payroll_id != payroll.id:
            other = session.get_one(Payroll, earlier.payroll_id).code
            raise ValidationError(
                _("{file} was imported for payroll {other}, not {code}: nothing was imported.").format(
                    file=path.name, other=other, code=payroll.code
                ),
                field="file",
            )
        if earlier is not None:
            return ImportResult(
                payroll.code, path.name, str(earlier.summary.get("profile", "")), int(earlier.summary.get("rows", 0)),
                _category_counts(session, payroll.id), 0, already_imported=True,
                warnings=[_("{file} was imported on {when}; importing it again changes nothing.").format(
                    file=path.name, when=earlier.loaded_at.astimezone().strftime("%Y-%m-%d %H:%M"))],
            )  # fmt: skip
    info = open_table(path)
    warnings = list(info.warnings)
    profile_name, columns = result_file.resolve_columns(
        session, info, profile=profile, overrides=mapping or {}
    )
    units = session.execute(select(Scheme.currency_minor_units)).scalar_one()

    def reading(fraction: float, message: str) -> None:
        progress(fraction * 0.6, message)

    answers, problems = result_file.read_answers(
        info, columns, currency=payroll.currency, minor_units=units, progress=reading, abort=abort,
        warnings=warnings,
    )  # fmt: skip
    if problems:
        _refuse_problems(path.name, problems)
    if not answers:
        raise ValidationError(_("{file} has no rows of payments.").format(file=path.name), field="file")
    answers = _without_repeats(answers, warnings)
    lines = _lines(session, payroll.id)
    known = {a.transaction_number for a in answers} & lines.keys()
    _check_payroll_of_file(session, payroll, path.name, answers, known)
    check_abort(abort)
    progress(0.65, _("Matching {n:,} rows").format(n=len(answers)))

    batch = ReconciliationBatch(
        payroll_id=payroll.id, provider_id=payroll.provider_id, file_name=path.name[:255], file_sha256=digest,
        loaded_by_id=actor.user_id, status=ReconciliationStatus.APPLIED,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    mentioned = {a.transaction_number for a in answers}
    replaced = _replace_earlier_answers(session, payroll.id, batch.id, mentioned)
    _write_rows(session, batch.id, answers, {txn: line.id for txn, line in lines.items()})
    check_abort(abort)
    progress(0.85, _("Sorting the payroll's lines into categories"))
    counts = rematch(session, payroll, lines)
    if save_profile_as:
        result_file.save_profile(session, save_profile_as, info, columns)
    batch.summary = {"profile": profile_name, "rows": len(answers), "replaced": replaced, "counts": counts}
    audit.record(
        session, actor, action="payroll.result_imported", entity_type="payroll", entity_id=payroll.id,
        summary=_("{code}: {file} imported ({n:,} rows, {replaced:,} earlier answers replaced): {counts}").format(
            code=payroll.code, file=path.name, n=len(answers), replaced=replaced, counts=_counts_text(counts)),
    )  # fmt: skip
    progress(1.0, _("{n:,} rows matched").format(n=len(answers)))
    return ImportResult(
        payroll.code, path.name, profile_name, len(answers), counts, replaced, False, warnings
    )


ROW_COLUMNS = (
    "id", "source_row", "line_id", "transaction_number", "provider_transaction_id", "account", "name_returned",
    "amount_minor", "currency", "fee_minor", "status", "raw_status", "error_code", "error_message", "completed_at",
)  # fmt: skip


def _write_rows(
    session: Session,
    batch_id: uuid.UUID,
    answers: Sequence[result_file.Answer],
    line_ids: Mapping[str, uuid.UUID],
) -> None:
    """The file's rows through the bulk path (cashdesk.core.bulk): 100,000 rows by insert() and lists of
    dicts spent longer in SQLAlchemy's per-value conversion than in SQLite."""
    convert = bulk.RowConverter(session, "reconciliation_rows", ROW_COLUMNS, ready=("id",))
    ids = [i.hex for i in uuid7s(len(answers))]
    bulk.insert_converted(
        session, "reconciliation_rows", ROW_COLUMNS,
        (
            convert.row((
                row_id, a.row, line_ids.get(a.transaction_number), a.transaction_number[:32],
                a.provider_transaction_id, a.account, a.name, a.amount_minor, a.currency, a.fee_minor, a.status,
                a.raw_status, a.error_code, a.failure_reason, a.completed_at,
            ))
            for row_id, a in zip(ids, answers, strict=True)
        ),
        shared={"batch_id": batch_id, "replaced_by_batch_id": None},
    )  # fmt: skip
    note_changed(session, "reconciliation_rows")


def _replace_earlier_answers(
    session: Session, payroll_id: uuid.UUID, batch_id: uuid.UUID, transaction_numbers: set[str]
) -> int:
    """Mark the current rows of earlier files for these transaction numbers as replaced by this batch."""
    earlier = select(ReconciliationBatch.id).where(
        ReconciliationBatch.payroll_id == payroll_id, ReconciliationBatch.id != batch_id
    )
    ids = [
        row_id
        for row_id, txn in session.execute(
            select(ReconciliationRow.id, ReconciliationRow.transaction_number).where(
                ReconciliationRow.batch_id.in_(earlier), ReconciliationRow.replaced_by_batch_id.is_(None)
            )
        )
        if txn in transaction_numbers
    ]
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(ReconciliationRow)
            .where(ReconciliationRow.id.in_(ids[start : start + CHUNK]))
            .values(replaced_by_batch_id=batch_id)
        )
    return len(ids)


OUTCOME_COLUMNS = ("id", "line_id", "row_id", "category")


def rematch(session: Session, payroll: Payroll, lines: Mapping[str, _Line] | None = None) -> dict[str, int]:
    """Set every line's outcome from the provider's current answers; decisions on answers that changed
    are cleared. Returns the count per category."""
    lines = lines if lines is not None else _lines(session, payroll.id)
    rows = _current_rows(session, payroll.id)
    by_line: dict[uuid.UUID, list[_Row]] = defaultdict(list)
    unknown: list[_Row] = []
    for row in rows:
        (by_line[row.line_id] if row.line_id is not None else unknown).append(row)
    provider_ids = Counter(r.provider_transaction_id for r in rows if r.provider_transaction_id)
    wanted: dict[tuple[str, uuid.UUID | None], tuple[Category, uuid.UUID | None, uuid.UUID | None]] = {}
    for line in lines.values():
        category, answer = categorise(line, by_line.get(line.id, ()), provider_ids)
        wanted[("line", line.id)] = (category, line.id, answer.id if answer else None)
    for row in unknown:
        wanted[("row", row.id)] = (Category.UNKNOWN, None, row.id)

    existing = session.execute(
        select(
            ReconciliationOutcome.id, ReconciliationOutcome.line_id, ReconciliationOutcome.row_id,
            ReconciliationOutcome.category,
        ).where(ReconciliationOutcome.payroll_id == payroll.id, ReconciliationOutcome.deleted_at.is_(None))
    ).all()  # fmt: skip
    now = datetime.now(UTC)
    changed, gone = [], []
    for outcome_id, line_id, row_id, category in existing:
        key = ("line", line_id) if line_id is not None else ("row", row_id)
        target = wanted.pop(key, None)
        if target is None:
            gone.append(outcome_id)  # an unknown row a corrected file replaced
        elif (target[0], target[2]) != (category, row_id):
            changed.append(
                {"id": outcome_id, "category": target[0], "row_id": target[2], "decision": None, "note": "",
                 "decided_by_id": None, "decided_at": None, "updated_at": now, "dirty": True}
            )  # fmt: skip
    if changed:  # one executemany by primary key
        session.execute(update(ReconciliationOutcome), changed)
    if gone:
        for start in range(0, len(gone), CHUNK):
            session.execute(
                update(ReconciliationOutcome)
                .where(ReconciliationOutcome.id.in_(gone[start : start + CHUNK]))
                .values(deleted_at=now, dirty=True)
            )
    if wanted:
        convert = bulk.RowConverter(session, "reconciliation_outcomes", OUTCOME_COLUMNS, ready=("id",))
        ids = [i.hex for i in uuid7s(len(wanted))]
        bulk.insert_converted(
            session, "reconciliation_outcomes", OUTCOME_COLUMNS,
            (convert.row((oid, line_id, row_id, category)) for oid, (category, line_id, row_id) in zip(ids, wanted.values(), strict=True)),
            shared={"payroll_id": payroll.id, "note": "", "decision": None, "decided_by_id": None, "decided_at": None,
                    "deleted_at": None, "server_version": None},
        )  # fmt: skip
        note_changed(session, "reconciliation_outcomes")
    session.expire_all()
    return _category_counts(session, payroll.id)


def _category_counts(session: Session, payroll_id: uuid.UUID) -> dict[str, int]:
    counts = Counter(
        session.scalars(
            select(ReconciliationOutcome.category).where(
                ReconciliationOutcome.payroll_id == payroll_id, ReconciliationOutcome.deleted_at.is_(None)
            )
        )
    )
    return {c.value: counts[c] for c in Category if counts[c]}


def _counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{CATEGORY_LABELS[Category(c)].lower()} {n:,}" for c, n in counts.items()) or _(
        "nothing"
    )


def history(
    session: Session, actor: Actor, *, transaction_number: str
) -> list[tuple[str, datetime, int, str, bool]]:
    """Every answer the provider gave for a payment: (file, imported at, row, status, still current)."""
    actor.require(Permission.VIEW_PAYROLLS)
    rows = session.execute(
        select(ReconciliationBatch.file_name, ReconciliationBatch.loaded_at, ReconciliationRow.source_row,
               ReconciliationRow.status, ReconciliationRow.replaced_by_batch_id)
        .join(ReconciliationBatch, ReconciliationBatch.id == ReconciliationRow.batch_id)
        .where(ReconciliationRow.transaction_number == transaction_number)
        .order_by(ReconciliationBatch.loaded_at)
    )  # fmt: skip
    return [(f, at, row, status.value, replaced is None) for f, at, row, status, replaced in rows]


# --- reviewing ---------------------------------------------------------------------------------------


def _resolved(category: Category, decision: Decision | None, clerk: PaymentStatus | None, cash: bool) -> bool:
    if decision == Decision.FLAG:
        return False
    return decision is not None or not needs_decision(category, clerk, cash)


def outcomes(
    session: Session,
    actor: Actor,
    *,
    payroll_code: str,
    category: str | None = None,
    open_only: bool = False,
    exceptions_only: bool = False,
    text: str = "",
    limit: int | None = 500,
) -> list[OutcomeRow]:
    """The reconciliation's lines (and unknown rows) for review, filtered, in sheet order."""
    actor.require(Permission.RECONCILE_PAYROLLS)
    payroll = payroll_by_code(session, payroll_code)
    query = (
        select(ReconciliationOutcome, PaymentLine, ReconciliationRow, PayPoint.name, User.full_name, User.username)
        .outerjoin(PaymentLine, PaymentLine.id == ReconciliationOutcome.line_id)
        .outerjoin(ReconciliationRow, ReconciliationRow.id == ReconciliationOutcome.row_id)
        .outerjoin(PayPoint, PayPoint.id == PaymentLine.pay_point_id)
        .outerjoin(User, User.id == ReconciliationOutcome.decided_by_id)
        .where(ReconciliationOutcome.payroll_id == payroll.id, ReconciliationOutcome.deleted_at.is_(None))
        .order_by(PaymentLine.position.is_(None), PaymentLine.position, ReconciliationRow.source_row)
    )  # fmt: skip
    if category:
        query = query.where(ReconciliationOutcome.category == Category(category))
    if exceptions_only:
        query = query.where(ReconciliationOutcome.category != Category.MATCHED)
    if text.strip():
        pattern = f"%{text.strip()}%"
        query = query.where(
            PaymentLine.transaction_number.ilike(pattern)
            | PaymentLine.household_code.ilike(pattern)
            | PaymentLine.recipient_name.ilike(pattern)
            | ReconciliationRow.transaction_number.ilike(pattern)
        )
    result = []
    for outcome, line, row, point, full_name, username in session.execute(query):
        clerk = line.status if line is not None and line.status != PaymentStatus.PENDING else None
        cash = line is not None and line.payment_method == PaymentMethod.CASH
        resolved = _resolved(outcome.category, outcome.decision, clerk, cash)
        if open_only and resolved:
            continue
        result.append(
            OutcomeRow(
                id=outcome.id, category=outcome.category.value, category_label=CATEGORY_LABELS[outcome.category],
                transaction_number=line.transaction_number if line else (row.transaction_number or ""),
                household_code=line.household_code if line else "",
                recipient_name=line.recipient_name if line else (row.name_returned or ""),
                pay_point=point or "", due_minor=line.amount_minor if line else None,
                provider_amount_minor=row.amount_minor if row else None,
                provider_status=(row.raw_status or row.status.value) if row else "",
                provider_reason=(row.error_message or "") if row else "",
                provider_transaction_id=(row.provider_transaction_id or "") if row else "",
                completed_at=row.completed_at if row else None,
                recorded_at_pay_point=clerk.value if clerk and payroll.status != PayrollStatus.RECONCILED else "",
                decision=outcome.decision.value if outcome.decision else None, note=outcome.note,
                decided_by=full_name or username or "", needs_decision=needs_decision(outcome.category, clerk, cash),
                resolved=resolved,
            )
        )  # fmt: skip
        if limit is not None and len(result) >= limit:
            break
    return result


def decide(
    session: Session,
    actor: Actor,
    *,
    payroll_code: str,
    outcome_ids: Iterable[uuid.UUID] = (),
    transaction_numbers: Iterable[str] = (),
    category: str | None = None,
    decision: str,
    note: str = "",
) -> int:
    """Accept, mark unpaid or flag the chosen lines (by id, transaction number or whole category), in one
    transaction with one audit entry. Returns how many were decided."""
    payroll = reconcilable_payroll(session, actor, payroll_code)
    try:
        chosen = Decision(decision.replace("-", "_"))
    except ValueError:
        raise ValidationError(
            _("Decide accept, mark-unpaid or flag, not {value}.").format(value=decision), field="decision"
        ) from None
    if chosen == Decision.FLAG and not note.strip():
        raise ValidationError(_("Say why the line is flagged for investigation (a note)."), field="note")
    query = select(ReconciliationOutcome).where(
        ReconciliationOutcome.payroll_id == payroll.id, ReconciliationOutcome.deleted_at.is_(None)
    )
    ids, numbers_ = list(outcome_ids), [t.strip().upper() for t in transaction_numbers if t.strip()]
    if not (ids or numbers_ or category):
        raise ValidationError(
            _("Choose the lines to decide (transaction numbers or a category)."), field="lines"
        )
    if ids:
        query = query.where(ReconciliationOutcome.id.in_(ids))
    if category:
        try:
            query = query.where(ReconciliationOutcome.category == Category(category.replace("-", "_")))
        except ValueError:
            raise ValidationError(
                _("{value} is not a category ({known}).").format(value=category, known=", ".join(c.value for c in Category)),
                field="category",
            ) from None  # fmt: skip
    if numbers_:
        by_number = _outcomes_by_number(session, query, numbers_)
        missing = [n for n in numbers_ if n not in by_number]
        if missing:
            raise NotFound(
                _("Not in the reconciliation of {code}: {numbers}.").format(code=payroll.code, numbers=", ".join(missing))
            )  # fmt: skip
        chosen_rows = list({id(o): o for o in (by_number[n] for n in numbers_)}.values())
    else:
        chosen_rows = list(session.scalars(query))
    if not chosen_rows:
        raise NotFound(_("No line of {code}'s reconciliation is in that choice.").format(code=payroll.code))
    if chosen == Decision.MARK_UNPAID and any(o.line_id is None for o in chosen_rows):
        raise ValidationError(
            _(
                "A row that is not on the payroll cannot be marked unpaid: accept it (acknowledged) or flag it."
            ),
            field="decision",
        )
    now = datetime.now(UTC)
    for outcome in chosen_rows:
        outcome.decision, outcome.note = chosen, note.strip()
        outcome.decided_by_id, outcome.decided_at = actor.user_id, now
    session.flush()
    audit.record(
        session, actor, action=f"payroll.reconciliation_{chosen.value}", entity_type="payroll", entity_id=payroll.id,
        summary=_("{code}: {n:,} line(s) {decision}{note}").format(
            code=payroll.code, n=len(chosen_rows), decision=DECISION_LABELS[chosen],
            note=f" ({note.strip()})" if note.strip() else ""),
    )  # fmt: skip
    return len(chosen_rows)


def _outcomes_by_number(
    session: Session, query: Select[ReconciliationOutcome], numbers_: Sequence[str]
) -> dict[str, ReconciliationOutcome]:
    """The outcomes of `query` for these transaction numbers (a line's, or an unknown row's)."""
    found: dict[str, ReconciliationOutcome] = {}
    for start in range(0, len(numbers_), 500):
        chunk = numbers_[start : start + 500]
        for outcome, number in session.execute(
            query.add_columns(PaymentLine.transaction_number)
            .join(PaymentLine, PaymentLine.id == ReconciliationOutcome.line_id)
            .where(PaymentLine.transaction_number.in_(chunk))
        ):
            found[number] = outcome
        for outcome, number in session.execute(
            query.add_columns(ReconciliationRow.transaction_number)
            .join(ReconciliationRow, ReconciliationRow.id == ReconciliationOutcome.row_id)
            .where(ReconciliationOutcome.line_id.is_(None), ReconciliationRow.transaction_number.in_(chunk))
        ):
            found.setdefault(number, outcome)
    return found


# --- state and closing -------------------------------------------------------------------------------


def _user_name(session: Session, user_id: uuid.UUID | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return (user.full_name or user.username) if user else ""


def state(session: Session, actor: Actor, *, payroll_code: str) -> ReconciliationState:
    actor.require(Permission.RECONCILE_PAYROLLS)
    payroll = payroll_by_code(session, payroll_code)
    batches = [
        BatchRow(b.file_name, b.loaded_at, _user_name(session, b.loaded_by_id), int(b.summary.get("rows", 0)),
                 int(b.summary.get("replaced", 0)))
        for b in session.scalars(
            select(ReconciliationBatch)
            .where(ReconciliationBatch.payroll_id == payroll.id, ReconciliationBatch.status == ReconciliationStatus.APPLIED)
            .order_by(ReconciliationBatch.loaded_at)
        )
    ]  # fmt: skip
    open_, flagged = 0, 0
    for category, decision, line_status, method in _outcome_facts(session, payroll.id):
        if decision == Decision.FLAG:
            flagged += 1
        if not _resolved(category, decision, _clerk(line_status), method == PaymentMethod.CASH):
            open_ += 1
    return ReconciliationState(
        payroll.code, payroll.status.value, payroll.currency,
        session.execute(select(Scheme.currency_minor_units)).scalar_one(), batches,
        _category_counts(session, payroll.id), open_, flagged, _user_name(session, payroll.reconciled_by_id),
        payroll.reconciled_at,
    )  # fmt: skip


def _clerk(status: PaymentStatus | None) -> PaymentStatus | None:
    return status if status in (PaymentStatus.PAID, PaymentStatus.NOT_PAID) else None


def _outcome_facts(
    session: Session, payroll_id: uuid.UUID
) -> list[tuple[Category, Decision | None, PaymentStatus | None, PaymentMethod | None]]:
    return [
        (c, d, s, m)
        for c, d, s, m in session.execute(
            select(ReconciliationOutcome.category, ReconciliationOutcome.decision, PaymentLine.status,
                   PaymentLine.payment_method)
            .outerjoin(PaymentLine, PaymentLine.id == ReconciliationOutcome.line_id)
            .where(ReconciliationOutcome.payroll_id == payroll_id, ReconciliationOutcome.deleted_at.is_(None))
        )
    ]  # fmt: skip


@dataclass(frozen=True)
class Final:
    """What closing writes for one line: paid (at the provider's time and amount), not paid, or nothing."""

    kind: str  # "paid", "not_paid" or "keep"
    amount_minor: int = 0
    at: datetime | None = None
    reason: str = ""
    note: str = ""
    row_id: uuid.UUID | None = None
    provider_transaction_id: str | None = None


def final(  # noqa: PLR0911 (one return per kind of outcome)
    category: Category, decision: Decision | None, note: str, line: PaymentLine, row: ReconciliationRow | None
) -> Final | None:
    """The outcome of a line, or None while it has none."""
    clerk = _clerk(line.status)
    cash = line.payment_method == PaymentMethod.CASH
    if not _resolved(category, decision, clerk, cash):
        return None
    if decision == Decision.MARK_UNPAID:
        reason = {Category.FAILED: NonPaymentReason.FAILED_AT_PROVIDER, Category.NOT_IN_FILE: NonPaymentReason.NOT_IN_PROVIDER_FILE}.get(category, NonPaymentReason.OTHER)  # fmt: skip
        return Final(
            "not_paid",
            reason=reason.value,
            note=note or CATEGORY_LABELS[category],
            row_id=row.id if row else None,
        )
    if row is not None and row.status == ResultStatus.PAID and category != Category.NOT_IN_FILE:
        if clerk == PaymentStatus.PAID:
            return Final(
                "keep"
            )  # the same payment a clerk recorded (or, accepted, paid twice: both stay told)
        return Final("paid", amount_minor=row.amount_minor if row.amount_minor is not None else line.amount_minor,
                     at=row.completed_at, row_id=row.id, provider_transaction_id=row.provider_transaction_id,
                     note=note)  # fmt: skip
    if category == Category.FAILED:
        reason_text = (row.error_message or row.raw_status or "") if row else ""
        return Final("not_paid", reason=NonPaymentReason.FAILED_AT_PROVIDER.value, note=note or reason_text,
                     row_id=row.id if row else None)  # fmt: skip
    if clerk is not None:
        return Final("keep")
    return Final("not_paid", reason=NonPaymentReason.NOT_IN_PROVIDER_FILE.value, note=note)


def close(session: Session, actor: Actor, *, payroll_code: str) -> ReconciliationState:
    """Close the payroll as reconciled: every line's outcome becomes a payment event, in one transaction."""
    payroll = reconcilable_payroll(session, actor, payroll_code)
    importers = set(
        session.scalars(
            select(ReconciliationBatch.loaded_by_id).where(
                ReconciliationBatch.payroll_id == payroll.id, ReconciliationBatch.status == ReconciliationStatus.APPLIED
            )
        )
    )  # fmt: skip
    if not importers:
        raise ValidationError(
            _("Import the provider's result file for {code} before closing it.").format(code=payroll.code)
        )
    if actor.user_id in importers:
        raise PermissionDenied(
            _("You imported the provider's file for {code}: another supervisor closes it (two people check "
              "every payroll).").format(code=payroll.code)
        )  # fmt: skip
    current = state(session, actor, payroll_code=payroll.code)
    if current.open:
        waiting = Counter(
            c.value for c, d, s, m in _outcome_facts(session, payroll.id)
            if not _resolved(c, d, _clerk(s), m == PaymentMethod.CASH)
        )  # fmt: skip
        raise ValidationError(
            _("{n:,} line(s) of {code} still need a decision: {which}.").format(
                n=current.open, code=payroll.code, which=_counts_text(waiting)
            )
        )
    device = session.execute(select(Scheme.device_code)).scalar_one()
    now = datetime.now(UTC)
    in_force = _events_in_force(session, payroll.id)
    events: list[dict[str, object]] = []
    statuses: list[dict[str, object]] = []
    written = Counter[str]()
    for outcome, line, row in session.execute(
        select(ReconciliationOutcome, PaymentLine, ReconciliationRow)
        .join(PaymentLine, PaymentLine.id == ReconciliationOutcome.line_id)
        .outerjoin(ReconciliationRow, ReconciliationRow.id == ReconciliationOutcome.row_id)
        .where(ReconciliationOutcome.payroll_id == payroll.id, ReconciliationOutcome.deleted_at.is_(None))
    ):
        result = final(outcome.category, outcome.decision, outcome.note, line, row)
        assert result is not None  # checked above: every line has an outcome
        if result.kind == "keep":
            continue
        base = {"line_id": line.id, "currency": line.currency, "recorded_at": now, "recorded_by_id": actor.user_id,
                "device_code": device, "note": result.note[:2000], "reconciliation_row_id": result.row_id}  # fmt: skip
        undone = in_force.get(line.id)
        if undone is not None:  # the clerk's record gives way to the provider's answer, told as a reversal
            events.append({**base, "id": uuid.uuid4(), "kind": PaymentEventKind.REVERSAL, "reason": None,
                           "amount_minor": undone[1], "occurred_at": now, "reverses_id": undone[0],
                           "note": _("Reconciled against the provider's file")})  # fmt: skip
        if result.kind == "paid":
            events.append({**base, "id": uuid.uuid4(), "kind": PaymentEventKind.PAID, "reason": None,
                           "amount_minor": result.amount_minor, "occurred_at": result.at or now,
                           "reverses_id": None, "provider_transaction_id": result.provider_transaction_id})  # fmt: skip
            statuses.append({"id": line.id, "status": PaymentStatus.PAID, "dirty": True})
        else:
            events.append({**base, "id": uuid.uuid4(), "kind": PaymentEventKind.NOT_PAID, "reason": result.reason,
                           "amount_minor": line.amount_minor, "occurred_at": now, "reverses_id": None})  # fmt: skip
            statuses.append({"id": line.id, "status": PaymentStatus.NOT_PAID, "dirty": True})
        written[result.kind] += 1
    for event in events:
        event.setdefault("provider_transaction_id", None)
    if events:
        session.execute(insert(PaymentEvent), events)
    if statuses:
        session.execute(update(PaymentLine), statuses)
    payroll.status = PayrollStatus.RECONCILED
    payroll.reconciled_by_id, payroll.reconciled_at = actor.user_id, now
    session.flush()
    audit.record(
        session, actor, action="payroll.reconciled", entity_type="payroll", entity_id=payroll.id,
        summary=_("{code} closed as reconciled: {paid:,} paid and {unpaid:,} not paid from the provider's answers, "
                  "the rest as the pay points recorded them").format(
            code=payroll.code, paid=written["paid"], unpaid=written["not_paid"]),
    )  # fmt: skip
    session.expire_all()
    return state(session, actor, payroll_code=payroll.code)


def _events_in_force(session: Session, payroll_id: uuid.UUID) -> dict[uuid.UUID, tuple[uuid.UUID, int]]:
    """line id -> (event id, amount) of the paid / not-paid event no reversal undid, for every line."""
    events = session.execute(
        select(PaymentEvent.id, PaymentEvent.line_id, PaymentEvent.kind, PaymentEvent.reverses_id,
               PaymentEvent.amount_minor, PaymentEvent.occurred_at)
        .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
        .where(PaymentLine.payroll_id == payroll_id)
        .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
    ).all()  # fmt: skip
    undone = {reverses for _id, _line, kind, reverses, _a, _t in events if kind == PaymentEventKind.REVERSAL}
    in_force: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    for event_id, line_id, kind, _reverses, amount, _at in events:
        if kind != PaymentEventKind.REVERSAL and event_id not in undone:
            in_force[line_id] = (event_id, amount)
    return in_force
