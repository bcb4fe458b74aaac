"""The Beancount text the suite writes, in one place: rendering, the hash seal, reading it
back, and scanning files into their directives. Every regular expression about ledger text
lives here.

Every directive the suite writes (transaction, `open`, `close`, `balance`) is a block of lines after a
blank line, whose second line is `hash:`, the SHA-256 of the previous directive's hash and
this directive's own text (without the hash line). Editing, inserting, removing or
reordering any directive breaks the chain there, which verification reports.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.ledger.book.data import Balance, Close, Leg, Open, Transaction

GENESIS = "0" * 64
CHART_HEADER = "; Chart of accounts: open directives, appended as needed.\n"

HEADER = re.compile(r'^(\d{4}-\d{2}-\d{2}) [*!] "((?:[^"\\]|\\.)*)"((?: \^[\w./-]+)*)$')
META = re.compile(r'^  ([a-z][\w-]*): "((?:[^"\\]|\\.)*)"$')
LEG = re.compile(r"^  ([A-Z][\w:-]*)  (-?\d+\.\d{2}) ([A-Z][A-Z0-9'._-]*)$")
OPEN = re.compile(r"^(\d{4}-\d{2}-\d{2}) (open|close) ([A-Z][\w:-]*)$")
BALANCE = re.compile(r"^(\d{4}-\d{2}-\d{2}) balance ([A-Z][\w:-]*)  (-?\d+\.\d{2}) ([A-Z][A-Z0-9'._-]*)$")
INCLUDE = re.compile(r'^include "([^"]+)"$')
PERIOD_INCLUDE = re.compile(r'^include "((\d{4})/\d{4}-(\d{2})\.beancount)"$')
# A directive: a dated line and the indented lines under it (a value never spans lines).
DIRECTIVE = re.compile(rb"^\d{4}-\d{2}-\d{2} [^\n]*(?:\n  [^\n]*)*\n?", re.MULTILINE)
HASH_LINE = re.compile(rb'  hash: "([0-9a-f]{64})"')
KIND = re.compile(rb"\d{4}-\d{2}-\d{2} (\S+)")
# The date of each directive, and every indented line that is neither metadata nor a comment,
# so a posting of any form: its groups are empty unless it is "account  amount currency" as
# `render` writes them.
DAY_OR_POSTING = re.compile(rb"\n(\d{4}-\d{2}-\d{2})[ \t]|\n[ \t]+(?![a-z][\w-]*:|;)"
                            rb"(?:([A-Z][\w:-]*)  (-?\d+\.\d{2}) ([A-Z][A-Z0-9'._-]*)(?=\n|$)|\S)")
KEYED = re.compile(rb'^  (idempotency-key|funding-reference|entry-key|entry): "([^"]*)"$', re.MULTILINE)
# What a write cut short can leave: the start of a directive, or a part of its date.
TORN_START = re.compile(rb"\d{4}-\d{2}-\d{2} |[\d-]{1,10}\Z")
HASH_START = re.compile(rb'[0-9a-f]{0,64}"?')
HASH_VALUE = re.compile(r"^[0-9a-f]{64}$")


def quote(value: str) -> str:
    """A Beancount string. A line break is refused: the scans below find directives line
    by line, so a value may never span lines."""
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"a ledger string may not contain a line break: {text[:40]!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def body(entry: Transaction | Open | Close | Balance) -> str:
    """A directive's text without its hash line: what the hash seals."""
    if isinstance(entry, (Open, Close)):
        return f"{entry.day.isoformat()} {'open' if isinstance(entry, Open) else 'close'} {entry.account}"
    if isinstance(entry, Balance):
        return f"{entry.day.isoformat()} balance {entry.account}  {entry.amount:.2f} {entry.currency}"
    links = "".join(f" ^{link}" for link in entry.links)
    lines = [f"{entry.day.isoformat()} * {quote(entry.narration)}{links}"]
    lines += [f"  {key}: {quote(value)}" for key, value in entry.meta.items()]
    lines += [f"  {leg.account}  {leg.amount:.2f} {leg.currency}" for leg in entry.legs]
    return "\n".join(lines)


def seal(previous_hash: str, text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(previous_hash.encode() + b"\n" + raw).hexdigest()


def render(entry: Transaction | Open | Close | Balance, previous_hash: str) -> tuple[str, str]:
    """The directive as appended (a blank line, then its lines with `hash:` second), and its hash."""
    text = body(entry)
    digest = seal(previous_hash, text)
    head, _, rest = text.partition("\n")
    return "\n" + "\n".join([head, f"  hash: {quote(digest)}", *([rest] if rest else [])]) + "\n", digest


def period_header(month: date) -> str:
    return f"; Transactions of {month.year:04d}-{month.month:02d}.\n"


def main_header(title: str, accounts: str, currency: str) -> str:
    """The main file's options (Fava wants an operating currency) and the chart's include."""
    return (f'option "title" {quote(title)}\noption "operating_currency" {quote(currency)}\n'
            f'option "booking_method" "STRICT"\ninclude "{accounts}"\n')


def include(relative: str) -> str:
    return f'include "{relative}"\n'


def period_include(line: str) -> tuple[str, date] | None:
    """The period file an include line of the main file names, and its month."""
    match = PERIOD_INCLUDE.match(line)
    return (match.group(1), date(int(match.group(2)), int(match.group(3)), 1)) if match else None


def period_includes(main_text: str) -> list[tuple[str, date]]:
    """The period files a main file includes, in its order, with each one's month."""
    return [found for line in main_text.splitlines() if (found := period_include(line))]


def included(line: str) -> str | None:
    """The file an `include` line names, or None for any other line."""
    match = INCLUDE.match(line)
    return match.group(1) if match else None


def parse(text: str) -> Transaction | Open | Close | Balance:
    """Read back a directive `render` wrote, without its hash line; ValueError if it is not one."""
    head, *lines = text.rstrip("\n").split("\n")
    if match := OPEN.match(head):
        if lines:
            raise ValueError(f"an {match.group(2)} directive has no lines under it: {lines[0]!r}")
        return (Open if match.group(2) == "open" else Close)(date.fromisoformat(match.group(1)), match.group(3))
    if match := BALANCE.match(head):
        if lines:
            raise ValueError(f"a balance directive has no lines under it: {lines[0]!r}")
        return Balance(date.fromisoformat(match.group(1)), match.group(2), Decimal(match.group(3)), match.group(4))
    match = HEADER.match(head)
    if match is None:
        raise ValueError(f"not a directive the ledger writes: {head!r}")
    meta, legs = {}, []
    for line in lines:
        if found := META.match(line):
            meta[found.group(1)] = found.group(2).replace('\\"', '"').replace("\\\\", "\\")
        elif found := LEG.match(line):
            legs.append(Leg(found.group(1), Decimal(found.group(2)), found.group(3)))
        else:
            raise ValueError(f"not a metadata or posting line: {line!r}")
    if len(legs) < 2:
        raise ValueError("a transaction has two legs or more")
    return Transaction(date.fromisoformat(match.group(1)), match.group(2), tuple(legs), meta,
                       tuple(link[1:] for link in match.group(3).split()))


@dataclass(frozen=True)
class Entry:
    """One directive block of a file, where it is, its text without the hash line, and
    its hash (None when its second line is not a hash line)."""
    line: int
    start: int  # byte offset of its first line
    end: int    # byte offset just after it
    raw: bytes

    @property
    def kind(self) -> str:
        return KIND.match(self.raw).group(1).decode()

    def unsealed(self) -> tuple[bytes, str | None]:
        head, _, rest = self.raw.rstrip(b"\n").partition(b"\n")
        hash_line, _, tail = rest.partition(b"\n")
        found = HASH_LINE.fullmatch(hash_line)
        if found is None:
            return self.raw.rstrip(b"\n"), None
        return (head + b"\n" + tail if tail else head), found.group(1).decode()

    def directive(self) -> Transaction | Open | Close | Balance:
        return parse(self.unsealed()[0].decode("utf-8"))

    @property
    def complete(self) -> bool:
        """Ends with its newline, carries a hash line and reads as a whole directive: no
        write cut short leaves that."""
        if not self.raw.endswith(b"\n") or self.unsealed()[1] is None:
            return False
        try:
            self.directive()
        except (ValueError, UnicodeDecodeError, ArithmeticError):
            return False
        return True

    def keyed_meta(self) -> dict[str, str]:
        """The metadata verification checks for repeats: keys, references and the entry kind."""
        return {key.decode(): value.decode() for key, value in KEYED.findall(self.raw)}


@dataclass(frozen=True)
class Stray:
    """Text between directive blocks that is not blank: nothing the ledger writes."""
    line: int
    start: int
    end: int
    raw: bytes


@dataclass(frozen=True)
class Piece:
    """Consecutive whole blocks of a file: where they start, and their bytes."""
    start: int
    line: int
    data: bytes


def scan(piece: Piece):
    """The entries and stray text of a piece, in order, with their lines and byte offsets."""
    data, position, line = piece.data, 0, piece.line
    for match in DIRECTIVE.finditer(data):
        if stray := _stray(piece, position, match.start(), line):
            yield stray
        line += data.count(b"\n", position, match.start())
        yield Entry(line, piece.start + match.start(), piece.start + match.end(), match.group())
        line += match.group().count(b"\n")
        position = match.end()
    if stray := _stray(piece, position, len(data), line):
        yield stray


def _stray(piece: Piece, start: int, end: int, line: int) -> Stray | None:
    gap = piece.data[start:end]
    text = gap.lstrip()
    if not text:
        return None
    skipped = len(gap) - len(text)
    return Stray(line + gap.count(b"\n", 0, skipped), piece.start + start + skipped, piece.start + end, text)


def pieces(path: Path, header: str, size: int = 8 * 2**20):
    """A file in pieces of about `size` bytes, each cut after a blank line (so at a block's
    start), after the file's first line when that is `header`."""
    with open(path, "rb") as handle:
        data = handle.read(size)
        expected = header.encode()
        start = len(expected) if data.startswith(expected) else 0
        data, line = data[start:], 2 if start else 1
        while True:
            more = handle.read(size)
            cut = len(data) if not more else data.rfind(b"\n\n") + 1
            if more and cut <= 0:
                data += more
                continue
            yield Piece(start, line, data[:cut])
            line += data.count(b"\n", 0, cut)
            start, data = start + cut, data[cut:] + more
            if not more and not data:
                return


def could_be_torn(tail: bytes) -> bool:
    """Whether bytes after the last whole entry of a file can be what a write cut short
    left: the beginning of one directive as `render` writes it (its second line the
    beginning of a hash line), not a whole one. A lone first line cannot be told apart from
    one typed by hand without a hash line: it counts as cut short."""
    text = tail.lstrip(b"\n")
    if not text.strip():
        return True
    lines = text.split(b"\n")
    if TORN_START.match(text) is None or b"\n\n" in text or (len(lines) > 1 and not _hash_line_start(lines[1])):
        return False
    return not Entry(0, 0, len(text), text).complete


def _hash_line_start(line: bytes) -> bool:
    return b'  hash: "'.startswith(line[:9]) and HASH_START.fullmatch(line[9:]) is not None


def days_and_postings(data: bytes) -> list[tuple[bytes, bytes, bytes, bytes]]:
    """In order: (day, "", "", "") where a directive starts, ("", account, amount, currency)
    for each posting as `render` writes them, and ("", "", "", "") for any other posting."""
    return DAY_OR_POSTING.findall(b"\n" + data)


def is_hash(value: str) -> bool:
    return HASH_VALUE.match(value) is not None


def postings_before(data: bytes, account: str, currency: str, cutoff: str):
    """The amounts posted to `account` in `currency` by transactions dated before `cutoff`."""
    leg = re.compile(rb"^  " + re.escape(account.encode()) + rb"  (-?\d+\.\d{2}) " + re.escape(currency.encode()) + rb"$",
                     re.MULTILINE)
    for match in leg.finditer(data):
        start = data.rfind(b"\n\n", 0, match.start()) + 2
        if data[start:start + 10].decode() < cutoff:
            yield Decimal(match.group(1).decode())


def blocks_containing(data: bytes, needle: str):
    """The entries whose text contains `needle`, in order."""
    wanted, position = needle.encode(), data.find(needle.encode())
    while position != -1:
        start = data.rfind(b"\n\n", 0, position) + 2
        end = data.find(b"\n\n", position)
        end = len(data) if end == -1 else end + 1
        yield Entry(0, start, end, data[start:end])
        position = data.find(wanted, end)
