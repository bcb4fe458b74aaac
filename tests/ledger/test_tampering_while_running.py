"""The files changed by hand while the writer runs: start-up checked them, and from then on
the writer appends nothing to a file that is not as it left it. The batch is held (not
dead-lettered), the hand-made entry stays where it was written with nothing sealed after it,
and once the file is put back the writer inspects it again and goes on by itself."""
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from services.gateway.http_errors import error_response
from services.ledger.models import Posting
from shared.errors import LedgerTampered
from tests.ledger.test_group_commit import body, checked, committer, count  # noqa: F401  (the fixture)
from tests.ledger.test_posting import ledger_env  # noqa: F401  (the fixture)

HAND_MADE = ('\n2026-12-01 * "Hand-made entry"\n  Expenses:Fees:MobileMoney  1000.00 USD\n'
             "  Assets:MobileMoney:SimMobile:Float  -1000.00 USD\n")


def _period(files):
    return files.period_file(datetime.now(timezone.utc).date())


def test_an_entry_added_by_hand_stops_the_writer_until_the_file_is_put_back(ledger_env, committer):  # noqa: F811
    engine, files, _ = ledger_env
    committer.recover()  # the writer's start: every file inspected against the index
    assert committer.post([body(1)]) == [True]
    period = _period(files)
    as_written = period.read_text()
    period.write_text(as_written + HAND_MADE)

    [held] = committer.post([body(2)])
    assert isinstance(held, LedgerTampered) and period.name in held.message
    assert period.read_text() == as_written + HAND_MADE  # nothing sealed after the hand-made entry
    [still] = committer.post([body(2)])  # the next try inspects the files again and names the place
    assert isinstance(still, LedgerTampered) and count(engine, Posting) == 1

    period.write_text(as_written)  # put back as the writer left it (a new time of change)
    assert committer.post([body(2)]) == [True]
    assert count(engine, Posting) == 2
    checked(ledger_env)


def test_an_entry_edited_in_place_to_the_same_size_is_noticed(ledger_env, committer):  # noqa: F811
    _, files, _ = ledger_env
    committer.recover()
    assert committer.post([body(1)]) == [True]
    period = _period(files)
    as_written = period.read_text()
    edited = as_written.replace("450.00 USD", "950.00 USD")
    assert edited != as_written and len(edited) == len(as_written)
    period.write_text(edited)

    [held] = committer.post([body(2)])
    assert isinstance(held, LedgerTampered)
    assert period.read_text() == edited
    period.write_text(as_written)
    assert committer.post([body(2)]) == [True]
    checked(ledger_env)


def test_a_line_typed_into_the_main_file_or_the_chart_holds_every_append(ledger_env, committer):  # noqa: F811
    """Start-up would refuse the ledger as it is: the writer does not go on sealing entries
    into the month meanwhile."""
    _, files, _ = ledger_env
    committer.recover()
    assert committer.post([body(1)]) == [True]
    period = _period(files)
    for n, changed in enumerate((files.main_file, files.directory / "accounts.beancount"), start=2):
        as_written, month = changed.read_text(), period.read_text()
        changed.write_text(as_written + "2026-01-01 open Assets:Stash\n")
        [held] = committer.post([body(n)])
        assert isinstance(held, LedgerTampered) and changed.name in held.message, held
        assert period.read_text() == month  # nothing appended to the month either
        changed.write_text(as_written)
        assert committer.post([body(n)]) == [True]
    checked(ledger_env)


def test_the_gateway_answers_503_saying_the_files_were_changed():
    response = error_response(LedgerTampered("2026-12.beancount: changed outside the writer"))
    assert response.status_code == 503 and b"LEDGER_TAMPERED" in response.data
