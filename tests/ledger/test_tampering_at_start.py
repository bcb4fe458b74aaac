"""Start-up recovery on copies of a real ledger changed by hand: each kind of change stops
the writer with one line naming file:line, and nothing changes on disk; only bytes no
completed write produced are cut, into quarantine."""
import shutil
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.book.integrity import BROKEN, UNCHAINED
from services.ledger.errors import LedgerTampered
from services.ledger.writer.posting import LedgerWriter
from services.ledger.verification import chains
from services.ledger.writer.recovery import recover
from shared.db import make_engine
from shared.migrations import upgrade
from tests.ledger.test_posting import DAY, command

FLOAT = "Assets:MobileMoney:SimMobile:Float"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A ledger the writer wrote: three disbursements, a sign-off's balance assertion."""
    from services.ledger.book.data import Balance
    from services.ledger.rail import SimulatedRail

    root = tmp_path_factory.mktemp("written")
    url = f"sqlite:///{root}/ledger.db"
    upgrade("ledger", url)
    engine = make_engine(url)
    files = LedgerFiles(str(root / "books"), "Test", date(2026, 1, 1))
    files.ensure_created()
    with Session(engine) as session, session.begin():
        writer = LedgerWriter(session, files, SimulatedRail("SimMobile"))
        for n in range(1, 4):
            writer.post_disbursement(command(disbursement_id=f"D-AAAA000{n}", idempotency_key=f"k{n}"), today=DAY)
        writer.assert_balance(Balance(date(2026, 11, 24), FLOAT, Decimal("-1350.00"), "USD"))
    engine.dispose()
    return root


@pytest.fixture(autouse=True, params=["one walk", "parts in workers"])
def parts(request, monkeypatch):
    """Each case twice: the files walked entry by entry, and cut into parts of a few entries
    checked by verification's strict pass in worker processes up to the anchored entry's part."""
    if request.param == "parts in workers":
        monkeypatch.setattr(chains, "PART_BYTES", 300)
        monkeypatch.setattr(chains, "PARALLEL_ABOVE", 0)


@pytest.fixture
def copy(written, tmp_path):
    shutil.copytree(written, tmp_path / "copy")
    return tmp_path / "copy"


def start(root):
    """The writer's start-up recovery over the copy; the files' bytes before and after."""
    from services.ledger.rail import SimulatedRail

    before = snapshot(root)
    engine = make_engine(f"sqlite:///{root}/ledger.db")
    files = LedgerFiles(str(root / "books"), "Test", date(2026, 1, 1))
    try:
        with Session(engine) as session, session.begin():
            return recover(session, LedgerWriter(session, files, SimulatedRail("SimMobile")), lambda *e: None), before
    finally:
        engine.dispose()


def snapshot(root):
    return {path: path.read_bytes() for path in (root / "books").rglob("*") if path.is_file()}


def period(root):
    return root / "books" / "2026" / "2026-11.beancount"


def line_of(path, needle, nth=0):
    return [n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line][nth]


def refused(root, message):
    before = snapshot(root)
    with pytest.raises(LedgerTampered) as stopped:
        start(root)
    assert str(stopped.value) == message
    assert "\n" not in str(stopped.value)
    assert snapshot(root) == before


def edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def test_an_untouched_copy_starts(copy):
    assert start(copy)[0] == []


def test_an_edited_entry_in_the_middle(copy):
    edit(period(copy), "450.00 USD", "540.00 USD", 2)
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'Grant payable')}: {BROKEN}")


def test_an_edit_to_the_last_entry_is_refused_not_cut(copy):
    text = period(copy).read_text()
    head, _, last = text.rpartition("balance ")
    period(copy).write_text(head + "balance " + last.replace("-1350.00", "-1000.00"))
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'balance')}: {BROKEN}")


def test_an_inserted_entry(copy):
    text = period(copy).read_text()
    blocks = text.split("\n\n")
    period(copy).write_text("\n\n".join(blocks[:2] + [blocks[3]] + blocks[2:]))
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'Grant payable', 1)}: {BROKEN}")


def test_a_deleted_entry(copy):
    blocks = period(copy).read_text().split("\n\n")
    period(copy).write_text("\n\n".join(blocks[:2] + blocks[3:]))
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'Grant payable', 1)}: {BROKEN}")


def test_the_last_entry_deleted(copy):
    period(copy).write_text(period(copy).read_text().rsplit("\n\n", 1)[0] + "\n")
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'paid by', 2)}: the chain ends here after 6 entries, "
                  "the anchor holds 7: entries removed from the end")


def test_two_entries_reordered(copy):
    blocks = period(copy).read_text().split("\n\n")
    period(copy).write_text("\n\n".join([blocks[0], blocks[2].rstrip("\n"), blocks[1]] + blocks[3:]))
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'paid by')}: {BROKEN}")


def test_a_well_formed_transaction_appended_by_hand_is_refused_not_cut(copy):
    with open(period(copy), "a") as handle:
        handle.write(f'\n2026-11-25 * "cash"\n  {FLOAT}  5.00 USD\n  Assets:Bank:Donor  -5.00 USD\n')
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'cash')}: {UNCHAINED}")


def test_an_appended_entry_with_a_wrong_hash_is_refused(copy):
    with open(period(copy), "a") as handle:
        handle.write(f'\n2026-11-25 balance {FLOAT}  -1350.00 USD\n  hash: "{"0" * 64}"\n')
    refused(copy, f"2026-11.beancount:{line_of(period(copy), '2026-11-25 balance')}: {BROKEN}")


def test_a_pad_and_balance_pair(copy):
    with open(period(copy), "a") as handle:
        handle.write(f"\n2026-11-24 pad {FLOAT} Assets:Bank:Donor\n\n2026-11-25 balance {FLOAT}  0.00 USD\n")
    refused(copy, f"2026-11.beancount:{line_of(period(copy), ' pad ')}: {UNCHAINED}")


def test_an_entry_in_the_main_file(copy):
    main = copy / "books" / "main.beancount"
    main.write_text(main.read_text() + f"2026-11-24 pad {FLOAT} Assets:Bank:Donor\n")
    refused(copy, f"main.beancount:{len(main.read_text().splitlines())}: not written by the ledger (the main file "
                  "holds its header and one include per month, in order)")


def test_an_account_opened_by_hand_in_the_chart(copy):
    chart = copy / "books" / "accounts.beancount"
    chart.write_text(chart.read_text() + "\n2026-01-01 open Assets:Hidden\n\n2026-01-01 open Assets:Other\n")
    refused(copy, f"accounts.beancount:{line_of(chart, 'Hidden')}: {UNCHAINED}")


def test_a_lone_directive_line_at_the_end_counts_as_cut_short_and_is_kept_in_quarantine(copy):
    """It cannot be told from the first line of an entry a write did not finish."""
    chart = copy / "books" / "accounts.beancount"
    whole = chart.read_bytes()
    chart.write_bytes(whole + b"\n2026-01-01 open Assets:Hidden\n")
    [line] = start(copy)[0]
    assert chart.read_bytes() == whole
    assert (copy / "books" / line.rsplit("kept in ", 1)[1]).read_bytes().endswith(b"open Assets:Hidden\n")


def test_an_edit_in_an_earlier_period_file_is_found_at_start(copy):
    later = copy / "books" / "2026" / "2026-12.beancount"
    main = copy / "books" / "main.beancount"
    main.write_text(main.read_text() + 'include "2026/2026-12.beancount"\n')
    later.write_text("; Transactions of 2026-12.\n")
    assert start(copy)[0] == []
    edit(period(copy), "450.00 USD", "540.00 USD", 2)
    refused(copy, f"2026-11.beancount:{line_of(period(copy), 'Grant payable')}: {BROKEN}")


def test_an_unfinished_write_is_cut_into_quarantine_and_nothing_else(copy):
    whole = period(copy).read_bytes()
    with open(period(copy), "ab") as handle:
        handle.write(b'\n2026-11-25 * "Grant payable" ^disb-D-AAAA0009\n  hash: "12ab')
    done, _ = start(copy)
    assert period(copy).read_bytes() == whole
    [line] = done
    kept = copy / "books" / line.rsplit("kept in ", 1)[1]
    assert kept.read_bytes().endswith(b'2026-11-25 * "Grant payable" ^disb-D-AAAA0009\n  hash: "12ab')
    assert start(copy)[0] == []
