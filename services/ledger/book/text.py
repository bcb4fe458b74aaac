"""The Beancount text the suite writes, in one place: rendering, the hash seal, reading it
back, and scanning files for their directives. Every regular expression about ledger text
lives here.

Each transaction carries `hash:`, the SHA-256 of the previous transaction's hash and this
transaction's own text (without the hash line). Editing any transaction, or removing
one, breaks every hash after it, which verification reports.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.ledger.book.data import Balance, Leg, Open, Transaction

GENESIS = "0" * 64

HEADER = re.compile(r'^(\d{4}-\d{2}-\d{2}) [*!] "((?:[^"\\]|\\.)*)"((?: \^[\w./-]+)*)$')
META = re.compile(r'^  ([a-z][\w-]*): "((?:[^"\\]|\\.)*)"$')
LEG = re.compile(r"^  ([A-Z][\w:-]*)  (-?\d+\.\d{2}) ([A-Z][A-Z0-9'._-]*)$")
INCLUDE = re.compile(r'^include "([^"]+)"$')
PERIOD_INCLUDE = re.compile(r'^include "((\d{4})/\d{4}-(\d{2})\.beancount)"$', re.MULTILINE)
TXN_START = re.compile(r"^\d{4}-\d{2}-\d{2} [*!]")
TXN_BLOCK = re.compile(r"^\d{4}-\d{2}-\d{2} [*!].*(?:\n  .*)*", re.MULTILINE)
OTHER_DIRECTIVE = re.compile(r"\n(\d{4}-\d{2}-\d{2})[ \t]+(?![*!])(\S+)")  # "\n" first: much faster than ^
# The date of each directive, and every indented line that is neither metadata nor a comment,
# so a posting of any form: its groups are empty unless it is "account  amount currency" as
# `render` writes them.
DAY_OR_POSTING = re.compile(r"\n(\d{4}-\d{2}-\d{2})[ \t]|\n[ \t]+(?![a-z][\w-]*:|;)"
                            r"(?:([A-Z][\w:-]*)  (-?\d+\.\d{2}) ([A-Z][A-Z0-9'._-]*)(?=\n|$)|\S)")
OPEN = re.compile(r"^(\d{4}-\d{2}-\d{2}) open (\S+)", re.MULTILINE)
BALANCE = re.compile(r"^\d{4}-\d{2}-\d{2} balance [A-Z][\w:-]*  -?\d+\.\d{2} [A-Z]{3}\n$")
KEYED = re.compile(r'^  (idempotency-key|funding-reference|entry-key|entry): "([^"]*)"$', re.MULTILINE)
HASH_VALUE = re.compile(r"^[0-9a-f]{64}$")


def quote(value: str) -> str:
    """A Beancount string. A line break is refused: the scans below find directives line
    by line, so a value may never span lines."""
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"a ledger string may not contain a line break: {text[:40]!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def body(txn: Transaction) -> str:
    links = "".join(f" ^{link}" for link in txn.links)
    lines = [f"{txn.day.isoformat()} * {quote(txn.narration)}{links}"]
    lines += [f"  {key}: {quote(value)}" for key, value in txn.meta.items()]
    lines += [f"  {leg.account}  {leg.amount:.2f} {leg.currency}" for leg in txn.legs]
    return "\n".join(lines)


def seal(previous_hash: str, text: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{text}".encode()).hexdigest()


def render(txn: Transaction, previous_hash: str) -> tuple[str, str]:
    """The transaction's text with its `hash:` line, and that hash."""
    text = body(txn)
    digest = seal(previous_hash, text)
    head, _, rest = text.partition("\n")
    return f"{head}\n  hash: {quote(digest)}\n{rest}\n", digest


def render_open(entry: Open) -> str:
    return f"{entry.day.isoformat()} open {entry.account}\n"


def render_balance(entry: Balance) -> str:
    return f"\n{entry.day.isoformat()} balance {entry.account}  {entry.amount:.2f} {entry.currency}\n"


CHART_HEADER = "; Chart of accounts: open directives, appended as needed.\n"


def period_header(month: date) -> str:
    return f"; Transactions of {month.year:04d}-{month.month:02d}.\n"


def main_header(title: str, accounts: str) -> str:
    return f'option "title" "{title}"\noption "booking_method" "STRICT"\ninclude "{accounts}"\n'


def include(relative: str) -> str:
    return f'include "{relative}"\n'


def unseal(block: str) -> tuple[str, str | None]:
    """Split a transaction block into its text without the hash line, and the hash."""
    lines = block.rstrip("\n").split("\n")
    digest = None
    kept = []
    for line in lines:
        if line.startswith("  hash: "):
            digest = line.split('"')[1]
        else:
            kept.append(line)
    return "\n".join(kept), digest


def parse(text: str) -> Transaction:
    """Read back a transaction `render` wrote (without its hash line)."""
    head, *lines = text.rstrip("\n").split("\n")
    match = HEADER.match(head)
    if match is None:
        raise ValueError(f"not a transaction header: {head!r}")
    meta, legs = {}, []
    for line in lines:
        if found := META.match(line):
            meta[found.group(1)] = found.group(2).replace('\\"', '"').replace("\\\\", "\\")
        elif found := LEG.match(line):
            legs.append(Leg(found.group(1), Decimal(found.group(2)), found.group(3)))
        else:
            raise ValueError(f"not a metadata or posting line: {line!r}")
    return Transaction(date.fromisoformat(match.group(1)), match.group(2), tuple(legs), meta,
                       tuple(link[1:] for link in match.group(3).split()))


def period_includes(main_text: str) -> list[tuple[str, date]]:
    """The period files a main file includes, in its order, with each one's month."""
    return [(m.group(1), date(int(m.group(2)), int(m.group(3)), 1)) for m in PERIOD_INCLUDE.finditer(main_text)]


def included(line: str) -> str | None:
    """The file an `include` line names, or None for any other line."""
    match = INCLUDE.match(line)
    return match.group(1) if match else None


@dataclass
class Block:
    path: Path
    start: int  # byte offset where the transaction's separating newline begins
    end: int
    text: str
    digest: str | None


def blocks(path: Path) -> list[Block]:
    """The transactions of a period file with their byte offsets."""
    data = path.read_bytes()
    found, offset, current, start = [], 0, [], 0
    for raw in data.splitlines(keepends=True):
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        if TXN_START.match(line):
            current, start = [line], max(0, offset - 1)
        elif current and line.startswith("  "):
            current.append(line)
        elif current:
            found.append(_block(path, start, offset, current))
            current = []
        offset += len(raw)
    if current:
        found.append(_block(path, start, offset, current))
    return found


def _block(path: Path, start: int, end: int, lines: list[str]) -> Block:
    text, digest = unseal("\n".join(lines))
    return Block(path, start, end, text, digest)


def transaction_blocks(text: str):
    """Each transaction's text and where it starts in `text`, in order."""
    for match in TXN_BLOCK.finditer(text):
        yield match.start(), match.group()


def other_directives(text: str) -> list[tuple[str, str]]:
    """(day, kind) of every dated directive that is not a transaction."""
    return OTHER_DIRECTIVE.findall("\n" + text)


def days_and_postings(text: str) -> list[tuple[str, str, str, str]]:
    """In order: (day, "", "", "") where a directive starts, ("", account, amount, currency)
    for each posting as `render` writes them, and ("", "", "", "") for any other posting."""
    return DAY_OR_POSTING.findall("\n" + text)


def opens(text: str) -> list[tuple[str, str]]:
    """(day, account) of each `open` directive."""
    return OPEN.findall(text)


def keyed_meta(text: str) -> dict[str, str]:
    """The metadata verification checks for repeats: keys, references and the entry kind."""
    return dict(KEYED.findall(text))


def is_whole_balance(line: str) -> bool:
    """A whole `balance` line as `render_balance` writes it, newline included."""
    return BALANCE.match(line) is not None


def is_hash(value: str) -> bool:
    return HASH_VALUE.match(value) is not None


def postings_before(text: str, account: str, currency: str, cutoff: str):
    """The amounts posted to `account` in `currency` by transactions dated before `cutoff`."""
    leg = re.compile(rf"^  {re.escape(account)}  (-?\d+\.\d{{2}}) {re.escape(currency)}$", re.MULTILINE)
    for match in leg.finditer(text):
        start = text.rfind("\n\n", 0, match.start()) + 2
        if text[start:start + 10] < cutoff:
            yield Decimal(match.group(1))


def blocks_containing(text: str, needle: str):
    """The blank-line separated blocks whose text contains `needle`, in order."""
    position = text.find(needle)
    while position != -1:
        start = text.rfind("\n\n", 0, position) + 2
        end = text.find("\n\n", position)
        end = len(text) if end == -1 else end
        yield text[start:end]
        position = text.find(needle, end)
