"""The pay point screen: what a clerk uses all day, by keyboard and scanner alone, in large type.

Scan or type a transaction number (a USB scanner types it and presses Enter), or a household code, name or
ID number, and press Enter. One payment found: its card shows, focus moves to Paid, and Enter records it
paid as verified below; F8 records it not paid with the chosen reason; F9 reverses the record in force;
Escape clears. After each record the search field is ready for the next. Every record is one durable
transaction on the worker thread, so the window never waits on the database.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.day_summary import (
    DayRecord,
    DaySummary,
    day_records,
    day_summary,
    print_day_summary,
    record_cash_received,
)
from cashdesk.payroll.disbursement import (
    PaymentCard,
    Recorded,
    find_payments,
    my_payrolls,
    reasons,
    record_not_paid,
    record_paid,
    reverse,
)
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen

LARGE = 16  # points: read at arm's length, on a 1366x768 laptop
CARD = 20
GREEN, RED = "#1b5e20", "#b71c1c"


# A style sheet, not setFont: the application's style sheet would win over a font set on the widget.
STYLE = f"""
PayPointScreen QWidget {{ font-size: {LARGE}pt; }}
PayPointScreen QLabel#paymentCard {{ font-size: {CARD}pt; }}
PayPointScreen QPushButton#paidButton {{ font-size: {LARGE + 2}pt; font-weight: bold; min-height: 48px; }}
PayPointScreen QLabel#todayFigures, PayPointScreen QListWidget#todayRecords, PayPointScreen QPushButton#dayButton {{
    font-size: {LARGE - 4}pt; }}
"""
TODAY_WIDTH = 320  # the right-hand column: the day's figures and records, beside the card


def _said(first: Recorded) -> str:
    """ "paid on 07 Dec 2026 09:41 by Patricia Kalua (device CWAC)", in the window's language."""
    tr = QCoreApplication.translate
    kind = (
        tr("PayPointScreen", "paid")
        if first.kind == "paid"
        else tr("PayPointScreen", "not paid ({reason})").format(reason=first.reason)
    )
    return tr("PayPointScreen", "{kind} on {when} by {who} (device {device})").format(
        kind=kind, when=first.occurred_at.astimezone().strftime("%d %b %Y %H:%M"), who=first.recorded_by,
        device=first.device,
    )  # fmt: skip


class PayPointScreen(Screen):
    watches = frozenset({"payrolls", "cash_receipts"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.card: PaymentCard | None = None
        self.found: list[PaymentCard] = []

        self.payroll = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            self.tr("Scan or type the transaction number, household code, name or ID")
        )
        self.search.returnPressed.connect(self.find)
        self.matches = QListWidget()
        self.matches.setMaximumHeight(120)
        self.matches.hide()
        self.matches.itemActivated.connect(self._chosen)
        self.card_label = QLabel()
        self.card_label.setWordWrap(True)
        self.card_label.setTextFormat(Qt.TextFormat.RichText)
        self.card_label.setMinimumHeight(150)
        self.card_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.how = QButtonGroup(self)
        self.by_id = QRadioButton(self.tr("&1 ID seen"))
        self.by_known = QRadioButton(self.tr("&2 Known to me"))
        self.by_alternate = QRadioButton(self.tr("&3 Someone else"))
        for n, (button, value) in enumerate(
            ((self.by_id, "id_document"), (self.by_known, "known_to_clerk"), (self.by_alternate, "alternate"))
        ):
            button.setProperty("verification", value)
            self.how.addButton(button, n)
        self.by_id.setChecked(True)
        self.alternate_name = QLineEdit()
        self.alternate_name.setPlaceholderText(self.tr("Their name"))
        self.alternate_id = QLineEdit()
        self.alternate_id.setPlaceholderText(self.tr("Their ID number"))
        self.by_alternate.toggled.connect(self._alternate_toggled)
        self._alternate_toggled(False)

        self.paid_button = QPushButton(self.tr("Paid  (Enter)"))
        self.paid_button.clicked.connect(self.record_paid)
        self.reason = QComboBox()
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("What happened"))
        self.note.setToolTip(self.tr("Needed when the reason is Other"))
        self.not_paid_button = QPushButton(self.tr("Not paid  (F8)"))
        self.not_paid_button.clicked.connect(self.record_not_paid)
        self.reverse_button = QPushButton(self.tr("Reverse…  (F9)"))
        self.reverse_button.clicked.connect(self.reverse)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.card_label.setObjectName("paymentCard")
        self.paid_button.setObjectName("paidButton")
        self.setStyleSheet(STYLE)

        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(
                QKeySequence(key),
                self.paid_button,
                self.record_paid,
                context=Qt.ShortcutContext.WidgetShortcut,
            )
        QShortcut(
            QKeySequence(Qt.Key.Key_F8),
            self,
            self.record_not_paid,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        QShortcut(
            QKeySequence(Qt.Key.Key_F9),
            self,
            self.reverse,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            self,
            self.clear,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

        self.today = QLabel()
        self.today.setObjectName("todayFigures")
        self.today.setWordWrap(True)
        self.today.setTextFormat(Qt.TextFormat.RichText)
        self.records = QListWidget()
        self.records.setObjectName("todayRecords")
        self.records.setToolTip(self.tr("Enter on a record shows its payment, to reverse it (F9)"))
        self.records.itemActivated.connect(self._record_chosen)
        self.day_rows: list[DayRecord] = []
        self.cash_button = QPushButton(self.tr("Cash received…  (F10)"))
        self.cash_button.clicked.connect(lambda: self.cash_received())  # noqa: PLW0108 - clicked passes a bool
        self.day_button = QPushButton(self.tr("End of day PDF…  (F12)"))
        self.day_button.clicked.connect(lambda: self.print_day())  # noqa: PLW0108 - clicked passes a bool
        for button in (self.cash_button, self.day_button):
            button.setObjectName("dayButton")
        self.payroll.currentIndexChanged.connect(lambda _i: self.load_day())
        for key, slot in ((Qt.Key.Key_F10, self.cash_received), (Qt.Key.Key_F12, self.print_day)):
            QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        top = QFormLayout()
        top.addRow(self.tr("Payroll"), self.payroll)
        top.addRow(self.tr("Find"), self.search)
        verified = QHBoxLayout()
        for button in (self.by_id, self.by_known, self.by_alternate):
            verified.addWidget(button)
        verified.addStretch(1)
        alternate = QHBoxLayout()
        alternate.addWidget(self.alternate_name, 2)
        alternate.addWidget(self.alternate_id, 1)
        not_paid = QHBoxLayout()
        not_paid.addWidget(self.reason, 3)
        not_paid.addWidget(self.note, 2)
        not_paid.addWidget(self.not_paid_button)
        actions = QHBoxLayout()
        actions.addWidget(self.paid_button, 1)
        actions.addWidget(self.reverse_button)
        work = QVBoxLayout()
        work.addLayout(top)
        work.addWidget(self.matches)
        work.addWidget(self.card_label)
        work.addLayout(verified)
        work.addLayout(alternate)
        work.addLayout(actions)
        work.addLayout(not_paid)
        work.addWidget(self.message)
        work.addStretch(1)
        day = QVBoxLayout()
        heading = QLabel(self.tr("<b>Today</b>"))
        day.addWidget(heading)
        day.addWidget(self.today)
        day.addWidget(self.records, 1)
        day.addWidget(self.cash_button)
        day.addWidget(self.day_button)
        day_box = QWidget()
        day_box.setLayout(day)
        day_box.setFixedWidth(TODAY_WIDTH)
        layout = QHBoxLayout(self)
        layout.addLayout(work, 1)
        layout.addWidget(day_box)
        self._show(None)

    def title(self) -> str:
        return self.tr("Pay point")

    # --- loading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.hub.call(my_payrolls, on_done=self._show_payrolls, parent=self)
        self.hub.call(reasons, on_done=self._show_reasons, parent=self)

    def _show_payrolls(self, rows: list[tuple[str, str]]) -> None:
        current = self.payroll.currentData()
        self.payroll.clear()
        for code, name in rows:
            self.payroll.addItem(f"{code}  ·  {name}", code)
        if current:
            self.payroll.setCurrentIndex(max(0, self.payroll.findData(current)))
        if not rows:
            self._say(self.tr("No approved payroll of your pay points is on this laptop."), RED)
        self.search.setFocus()
        self.load_day()

    def _show_reasons(self, rows: list[Any]) -> None:
        self.reason.clear()
        for row in rows:
            self.reason.addItem(row.label, row.code)

    # --- finding ---------------------------------------------------------------------------------

    def find(self) -> None:
        code = self.payroll.currentData()
        if not code or not self.search.text().strip():
            return
        self.hub.call(
            find_payments,
            payroll_code=code,
            text=self.search.text(),
            on_done=self._found,
            on_error=self._failed,
            parent=self,
        )

    def _found(self, cards: list[PaymentCard]) -> None:
        self.found = cards
        self.matches.clear()
        self.matches.setVisible(len(cards) > 1)
        if not cards:
            self._show(None)
            self._say(self.tr("Nothing on this payroll matches {text}.").format(text=self.search.text()), RED)
            self.search.selectAll()
            return
        if len(cards) == 1:
            self._show(cards[0])
            return
        for card in cards:
            item = QListWidgetItem(
                f"{card.household_code}   {card.recipient_name}   {card.amount_text}   "
                f"{card.status.replace('_', ' ')}"
            )
            self.matches.addItem(item)
        self._show(None)
        self._say(self.tr("{n} payments match: choose one (arrows, Enter).").format(n=len(cards)), "")
        self.matches.setCurrentRow(0)
        self.matches.setFocus()

    def _chosen(self, item: QListWidgetItem) -> None:
        self._show(self.found[self.matches.row(item)])

    def _show(self, card: PaymentCard | None) -> None:
        self.card = card
        for widget in (self.paid_button, self.not_paid_button, self.reverse_button):
            widget.setEnabled(card is not None)
        if card is None:
            self.card_label.setText(
                f"<span style='color:#555'>{html.escape(self.tr('No payment chosen'))}</span>"
            )
            return
        lines = [
            f"<b>{html.escape(card.recipient_name)}</b>",
            html.escape(
                self.tr("Household {code} · ID {id}").format(
                    code=card.household_code, id=card.id_number or "—"
                )
            ),
            f"<b>{html.escape(card.amount_text)}</b> &nbsp; <span style='color:#555'>"
            f"{html.escape(card.transaction_number)}</span>",
        ]
        if card.current is not None:
            colour = GREEN if card.current.kind == "paid" else RED
            lines.append(
                f"<span style='color:{colour}'>{html.escape(self.tr('Already recorded: ') + _said(card.current))}</span>"
            )
        if card.cash_instead_of:
            lines.append(
                f"<span style='color:{RED}'>"
                + html.escape(
                    self.tr(
                        "Paid by {method} on payroll {code}. Pay in cash only if the money did not arrive."
                    ).format(method=card.cash_instead_of, code=card.payroll_code)
                )
                + "</span>"
            )
        if card.other_paid is not None:
            lines.append(
                f"<span style='color:{RED}'>"
                + html.escape(
                    self.tr("This household was already paid in this cycle: {tx} {first}").format(
                        tx=card.other_paid.transaction_number, first=_said(card.other_paid)
                    )
                )
                + "</span>"
            )
        self.card_label.setText("<br>".join(lines))
        self.paid_button.setEnabled(card.current is None or card.current.kind != "paid")
        self.reverse_button.setEnabled(card.current is not None)
        self.not_paid_button.setEnabled(
            not card.cash_instead_of and (card.current is None or card.current.kind != "paid")
        )
        (self.paid_button if self.paid_button.isEnabled() else self.search).setFocus()

    # --- recording -------------------------------------------------------------------------------

    def record_paid(self) -> None:
        if self.card is None or not self.paid_button.isEnabled():
            return
        checked = self.how.checkedButton()
        self.hub.call(
            record_paid,
            transaction_number=self.card.transaction_number,
            verification=checked.property("verification") if checked else "",
            alternate_name=self.alternate_name.text(),
            alternate_id_number=self.alternate_id.text(),
            on_done=lambda card: self._recorded(card, self.tr("Paid")),
            on_error=self._failed,
            parent=self,
        )

    def record_not_paid(self) -> None:
        if self.card is None:
            return
        self.hub.call(
            record_not_paid,
            transaction_number=self.card.transaction_number,
            reason=self.reason.currentData() or "",
            note=self.note.text(),
            on_done=lambda card: self._recorded(card, self.tr("Not paid")),
            on_error=self._failed,
            parent=self,
        )

    def reverse(self) -> None:
        if self.card is None or self.card.current is None:
            return
        why, ok = QInputDialog.getText(self, self.tr("Reverse"), self.tr("Why is this record reversed?"))
        if not ok:
            return
        self.hub.call(
            reverse,
            transaction_number=self.card.transaction_number,
            reason=why,
            on_done=lambda card: self._recorded(card, self.tr("Reversed")),
            on_error=self._failed,
            parent=self,
        )

    def _recorded(self, card: PaymentCard, what: str) -> None:
        self._say(
            f"{what}: {card.recipient_name} · {card.household_code} · {card.amount_text} · "
            f"{card.transaction_number}",
            GREEN,
        )
        self.clear(keep_message=True)
        self.load_day()

    def _failed(self, exc: BaseException) -> None:
        self._say(error_text(exc), RED)
        self.search.setFocus()
        self.search.selectAll()

    def clear(self, *, keep_message: bool = False) -> None:
        self.search.clear()
        self.note.clear()
        self.alternate_name.clear()
        self.alternate_id.clear()
        self.by_id.setChecked(True)
        self.matches.hide()
        self._show(None)
        if not keep_message:
            self.message.clear()
        self.search.setFocus()

    def _say(self, text: str, colour: str) -> None:
        self.message.setText(f"<span style='color:{colour or '#000'}'>{html.escape(text)}</span>")

    def _alternate_toggled(self, on: bool) -> None:
        self.alternate_name.setVisible(on)
        self.alternate_id.setVisible(on)
        if on:
            self.alternate_name.setFocus()

    # --- the day ---------------------------------------------------------------------------------

    def load_day(self) -> None:
        code = self.payroll.currentData()
        if not code:
            self.today.clear()
            self.records.clear()
            return
        self.hub.call(
            day_summary, payroll_code=code, on_done=self._show_day, on_error=self._failed, parent=self
        )
        self.hub.call(day_records, payroll_code=code, on_done=self._show_records, parent=self)

    def _show_day(self, day: DaySummary) -> None:
        if day.payroll_code != self.payroll.currentData():
            return
        rows = [
            (self.tr("Paid today"), f"{day.paid_today[0]:,}", day.money(day.paid_today[1])),
            (self.tr("Paid in all"), f"{day.paid[0]:,}", day.money(day.paid[1])),
            *[(html.escape(label), f"{n:,}", day.money(total)) for label, n, total in day.not_paid],
            (self.tr("Still to pay"), f"{day.pending[0]:,}", day.money(day.pending[1])),
            *(
                [
                    (
                        self.tr("Cash instead of transfer"),
                        f"{day.paid_instead[0]:,}",
                        day.money(day.paid_instead[1]),
                    )
                ]
                if day.paid_instead[0]
                else []
            ),
            (self.tr("Cash in"), "", day.money(day.received)),
        ]
        short = day.remaining < 0  # more paid out than received: say it in red
        remaining = f"<b>{day.money(day.remaining)}</b>"
        rows.append((
            self.tr("<b>Cash left</b>"), "", f"<span style='color:{RED}'>{remaining}</span>" if short else remaining
        ))  # fmt: skip
        cells = "".join(
            f"<tr><td>{label}</td><td align='right'>&nbsp;{n}</td><td align='right'>&nbsp;{amount}</td></tr>"
            for label, n, amount in rows
        )
        self.today.setText(f"<table>{cells}</table>")

    def _show_records(self, rows: list[DayRecord]) -> None:
        self.day_rows = rows
        self.records.clear()
        words = {"paid": self.tr("paid"), "not_paid": self.tr("not paid"), "reversal": self.tr("reversed")}
        for row in rows:
            what = words.get(row.kind, row.kind)
            if row.kind == "not_paid" and row.reason:
                what = f"{what} ({row.reason})"
            item = QListWidgetItem(
                f"{row.occurred_at.astimezone().strftime('%H:%M')}  {row.recipient_name}  {what}"
                + (self.tr("  — undone") if row.undone else "")
            )
            item.setToolTip(f"{row.transaction_number} · {row.household_code}")
            self.records.addItem(item)

    def _record_chosen(self, item: QListWidgetItem) -> None:
        row = self.day_rows[self.records.row(item)]
        self.search.setText(row.transaction_number)
        self.find()

    def cash_received(self, amount: str | None = None) -> None:
        code = self.payroll.currentData()
        if not code:
            return
        if amount is None:
            amount, given = QInputDialog.getText(
                self,
                self.tr("Cash received"),
                self.tr("Cash the pay point received for {code}:").format(code=code),
            )
            if not given:
                return
        self.hub.call(
            record_cash_received, payroll_code=code, amount=amount,
            on_done=lambda _total: (self._say(self.tr("Cash received: {amount}").format(amount=amount), GREEN),
                                    self.load_day()),
            on_error=self._failed, parent=self,
        )  # fmt: skip

    def print_day(self, path: Path | None = None) -> None:
        code = self.payroll.currentData()
        if not code:
            return
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                self.tr("Save the end-of-day summary"),
                str(Path.home() / f"{code}-day.pdf"),
                self.tr("PDF (*.pdf)"),
            )
            if not chosen:
                return
            path = Path(chosen)
        saved = path
        self.hub.call(
            print_day_summary, payroll_code=code, out=saved,
            on_done=lambda _day: self._say(self.tr("End of day saved: {path}. Print it and sign it.").format(path=saved), GREEN),
            on_error=self._failed, parent=self,
        )  # fmt: skip
