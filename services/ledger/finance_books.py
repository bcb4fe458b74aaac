"""The ledger's RPCs for finance's own books, mixed into the ledger service: opening
balances, float top-ups and returns, the general journal, write-off approval, period
close and re-opening, closing accounts, and the CSV exports. Each write to the files holds the
single writer's lock."""
from decimal import Decimal

from shared.rpc import rpc

from services.ledger.models import Statement, WriteOff
from services.ledger.reconciliation import workflow as reconciliation
from services.ledger.schemas import CloseAccount, FloatTransfer, OpeningBalances, PrepareJournalEntry, ReopenPeriod
from services.ledger.writer import accounts, journal, period_close, transfers
from shared.errors import NotFound
from shared.validation import parse


class FinanceBooks:
    """Needs the service's `db`, `single_writer`, `clock` and `config`, and its `_writer()`
    and `_reconciliation()`."""

    def write_off_limit(self) -> Decimal | None:
        limit = self.config["LEDGER"].get("write_off_approval_above")
        return None if limit in (None, "") else Decimal(str(limit))

    @rpc
    def move_float(self, data, user):
        """A top-up of the rail's float from a bank account, or a return of float money to it."""
        command = parse(FloatTransfer, data)
        with self.single_writer.writing(), self.db.session.begin():
            entry, new = transfers.move(self.db.session, self._writer(), command,
                                        self.config["LEDGER"]["rail"]["currency"], user, self.clock.today())
            return {**transfers.view(entry), "already_posted": not new}

    @rpc
    def open_books(self, data, user):
        """The opening balances, once, against Equity:Opening-Balances."""
        command = parse(OpeningBalances, data)
        with self.single_writer.writing(), self.db.session.begin():
            entry, new = transfers.open_books(self.db.session, self._writer(), command, user, self.clock.today())
            return {**transfers.view(entry), "already_posted": not new}

    @rpc
    def prepare_journal_entry(self, data, user):
        command = parse(PrepareJournalEntry, data)
        with self.db.session.begin():
            entry, new = journal.prepare(self.db.session, command, user, self.clock.today())
            return {**journal.view(entry), "already_prepared": not new}

    @rpc
    def approve_journal_entry(self, entry_id, user):
        with self.single_writer.writing(), self.db.session.begin():
            return journal.view(journal.approve(self.db.session, self._writer(), entry_id, user))

    @rpc
    def journal(self, as_csv=False):
        with self.db.session.begin():
            return journal.as_csv(self.db.session) if as_csv else journal.listed(self.db.session)

    @rpc
    def approve_write_off(self, statement_id, item_id, user):
        with self.single_writer.writing(), self.db.session.begin():
            item = self._reconciliation().approve_write_off(statement_id, item_id, user)
            return reconciliation.item_view(item, self.db.session.get(WriteOff, item.id))

    @rpc
    def statement_lines_csv(self, statement_id):
        with self.db.session.begin():
            statement = self.db.session.get(Statement, statement_id)
            if statement is None:
                raise NotFound(f"no statement {statement_id}")
            return reconciliation.lines_csv(self.db.session, statement)

    @rpc
    def period(self):
        with self.db.session.begin():
            return period_close.describe(self.db.session)

    @rpc
    def request_reopen(self, data, user):
        command = parse(ReopenPeriod, data)
        with self.db.session.begin():
            return period_close.reopen_view(period_close.request_reopen(
                self.db.session, command.reopen_from, command.reason, user))

    @rpc
    def approve_reopen(self, request_id, user):
        with self.single_writer.writing(), self.db.session.begin():
            return period_close.reopen_view(period_close.approve_reopen(self.db.session, request_id, user))

    @rpc
    def request_close_account(self, data, user):
        """Ask to close an account whose balance is zero; another finance user approves."""
        command = parse(CloseAccount, data)
        with self.db.session.begin():
            request, new = accounts.request_close(self.db.session, self.config["LEDGER"]["rail"]["name"],
                                                  command.account, command.reason, user)
            return {**accounts.request_view(self.db.session, request), "already_requested": not new}

    @rpc
    def approve_close_account(self, request_id, user):
        """Approve another finance user's request: a `close` directive in the chart of accounts."""
        with self.single_writer.writing(), self.db.session.begin():
            request = accounts.approve_close(self.db.session, self._writer(), request_id, user, self.clock.today())
            return accounts.request_view(self.db.session, request)

    @rpc
    def close_account_requests(self):
        with self.db.session.begin():
            return accounts.listed(self.db.session)
