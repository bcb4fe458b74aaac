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

INCLUDE = re.compile(r'^include "([^"]+)"$')
PERIOD_INCLUDE = re.compile(r'^include "((\d{4})/\d{4}-(\d{2})\.beancount)"$')
# The grammar of what `render` writes, no wider than Beancount's lexer reads it
# (beancount/parser/lexer.l): an account under one of the five roots, a currency ending in a
# letter or a digit, a metadata key of two characters or more, an amount of two decimals.
_DAY = rb"\d{4}-\d{2}-\d{2}"
_ACCOUNT = rb"(?:Assets|Liabilities|Equity|Income|Expenses)(?::[A-Z0-9][A-Za-z0-9-]*)+"
_AMOUNT = rb"-?\d+\.\d{2}"
_CURRENCY = rb"[A-Z](?:[A-Z0-9'._-]*[A-Z0-9])?"
_STRING = rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_KEY = rb"[a-z][A-Za-z0-9_-]+"
# A directive's first line: (day, narration, links) of a transaction, or (day, kind,
# account, amount, currency) of an open, close or balance.
_HEAD = (rb"(" + _DAY + rb") (?:\* (" + _STRING + rb")((?: \^[A-Za-z0-9_./-]+)*)|(open|close|balance) (" + _ACCOUNT
         + rb")(?:  (" + _AMOUNT + rb") (" + _CURRENCY + rb"))?)")
_META_LINE = rb"  " + _KEY + rb": " + _STRING + rb"\n"
_LEG_LINE = rb"  " + _ACCOUNT + rb"  " + _AMOUNT + rb" " + _CURRENCY + rb"\n"
HEAD = re.compile(_HEAD)
LINES = re.compile(rb"((?:" + _META_LINE + rb")*)((?:" + _LEG_LINE + rb")*)")  # metadata first, then postings
META = re.compile(rb"  (" + _KEY + rb"): (" + _STRING + rb")\n")
LEG = re.compile(rb"  (" + _ACCOUNT + rb")  (" + _AMOUNT + rb") (" + _CURRENCY + rb")\n")
ESCAPED = re.compile(rb"\\(.)")
# A whole sealed directive in that grammar, after its blank line: the head's groups, then
# (hash, metadata lines, posting lines); the next byte starts another block or ends the text.
SEALED = re.compile(rb"\n" + _HEAD + rb'\n  hash: "([0-9a-f]{64})"\n' + LINES.pattern + rb"(?=\n|\Z)")
# A directive: a dated line and the indented lines under it (a value never spans lines).
DIRECTIVE = re.compile(rb"^\d{4}-\d{2}-\d{2} [^\n]*(?:\n  [^\n]*)*\n?", re.MULTILINE)
HASH_LINE = re.compile(rb'  hash: "([0-9a-f]{64})"')
KIND = re.compile(rb"\d{4}-\d{2}-\d{2} (\S+)")
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
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _lines(entry: Transaction | Open | Close | Balance) -> tuple[str, str]:
    """A directive's first line, and the lines under it ("" when it has none)."""
    if isinstance(entry, (Open, Close)):
        return f"{entry.day.isoformat()} {'open' if isinstance(entry, Open) else 'close'} {entry.account}", ""
    if isinstance(entry, Balance):
        return f"{entry.day.isoformat()} balance {entry.account}  {entry.amount:.2f} {entry.currency}", ""
    head = f"{entry.day.isoformat()} * {quote(entry.narration)}" + "".join([f" ^{link}" for link in entry.links])
    return head, "\n".join([*[f"  {key}: {quote(value)}" for key, value in entry.meta.items()],
                            *[f"  {leg.account}  {leg.amount:.2f} {leg.currency}" for leg in entry.legs]])


def body(entry: Transaction | Open | Close | Balance) -> str:
    """A directive's text without its hash line: what the hash seals."""
    head, rest = _lines(entry)
    return f"{head}\n{rest}" if rest else head


def seal(previous_hash: str, text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(previous_hash.encode() + b"\n" + raw).hexdigest()


def render(entry: Transaction | Open | Close | Balance, previous_hash: str) -> tuple[str, str]:
    """The directive as appended (a blank line, then its lines with `hash:` second), and its hash."""
    head, rest = _lines(entry)
    digest = seal(previous_hash, f"{head}\n{rest}" if rest else head)
    return f'\n{head}\n  hash: "{digest}"\n' + (f"{rest}\n" if rest else ""), digest


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


def parse(text: str | bytes) -> Transaction | Open | Close | Balance:
    """Read back a directive `render` wrote, without its hash line; ValueError naming what is
    not in the ledger's grammar."""
    raw = text.encode() if isinstance(text, str) else text
    head, _, rest = raw.rstrip(b"\n").partition(b"\n")
    found, lines = HEAD.fullmatch(head), LINES.fullmatch(rest + b"\n" if rest else b"")
    if found is None:
        raise ValueError(f"not a directive the ledger writes: {head.decode(errors='replace')!r}")
    if lines is None:
        raise ValueError(f"not a metadata or posting line where it is: {_first_wrong(rest)!r}")
    day, narration, links, kind, account, amount, currency = found.groups()
    meta, legs = (META.findall(lines.group(1)), LEG.findall(lines.group(2)))
    if problem := shape_problem(kind, amount, meta, legs):
        raise ValueError(problem)
    day = date.fromisoformat(day.decode())
    if kind in (b"open", b"close"):
        return (Open if kind == b"open" else Close)(day, account.decode())
    if kind == b"balance":
        return Balance(day, account.decode(), Decimal(amount.decode()), currency.decode())
    return Transaction(day, unquote(narration),
                       tuple(Leg(a.decode(), Decimal(n.decode()), c.decode()) for a, n, c in legs),
                       {key.decode(): unquote(value) for key, value in meta},
                       tuple(link.decode() for link in links.split(b" ^")[1:]))


def shape_problem(kind: bytes | None, amount: bytes | None, meta: list, legs: list) -> str | None:
    """What, in a directive read by the grammar (its `META` and `LEG` matches), Beancount
    would refuse or the ledger never writes: a balance without its amount, lines under an
    open, close or balance, a transaction of fewer than two postings, a metadata key twice
    (its hash line is one)."""
    if kind is not None:
        if (amount is not None) != (kind == b"balance") or meta or legs:
            return f"not {kind.decode()} as the ledger writes it"
        return None
    if len(legs) < 2:
        return "a transaction has two postings or more"
    keys = dict(meta)
    if len(keys) != len(meta) or b"hash" in keys:
        return "a metadata key appears twice (the hash line is one)"
    return None


def unquote(value: bytes) -> str:
    return ESCAPED.sub(rb"\1", value[1:-1]).decode()


def _first_wrong(rest: bytes) -> str:
    postings = False
    for line in rest.split(b"\n"):
        line_ = line + b"\n"
        if LEG.fullmatch(line_):
            postings = True
        elif postings or not META.fullmatch(line_):
            return line.decode(errors="replace")
    return rest.decode(errors="replace")


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


def pieces(path: Path, header: str, size: int = 8 * 2**20, start: int = 0, line: int = 1):
    """A file in pieces of about `size` bytes, each cut after a blank line (so at a block's
    start), after the file's first line when that is `header`; or from byte `start`, a
    block's start, which is on line `line`."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(size)
        if not start:
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


def cuts(path: Path, header: str, size: int) -> list[tuple[int, int]]:
    """A file as byte ranges of about `size`, each starting after a blank line (so at a block's
    start) and the first after the file's first line when that is `header`; found by seeking,
    without reading the file through."""
    total = path.stat().st_size
    with open(path, "rb") as handle:
        expected = header.encode()
        bounds = [len(expected) if handle.read(len(expected)) == expected else 0]
        while bounds[-1] + size < total:
            handle.seek(bounds[-1] + size)
            window, found = b"", -1
            while found < 0 and len(window) < total:
                more = handle.read(2**16)
                if not more:
                    break
                window += more
                found = window.find(b"\n\n")
            if found < 0:
                break
            bounds.append(bounds[-1] + size + found + 1)
    return list(zip(bounds, [*bounds[1:], total]))


def item_at(data: bytes, position: int) -> tuple["Entry | Stray | None", int]:
    """The next directive block or stray text of `data` from `position` (offsets and line 0
    relative to `data`), and where it ends; None at the end of the text."""
    found = DIRECTIVE.search(data, position)
    end = found.start() if found else len(data)
    if text := data[position:end].lstrip():
        start = end - len(text)
        return Stray(0, start, end, text), end - 1 if found else end
    if found is None:
        return None, len(data)
    return Entry(0, found.start(), found.end(), found.group()), found.end()


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
