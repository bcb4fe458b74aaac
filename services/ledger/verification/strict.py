"""The strict pass over one part of a chain's file: every block read again with the ledger's
grammar (`book/text.py`), so anything the suite does not write is a finding, and what
Beancount would check of what it writes is checked here too: the hash chain, the kinds each
chain holds, each transaction balancing, the accounts it names open on its day, and what
each day adds to each account, for the balance assertions (`rules.py`, once every part is
read). Parts run in worker processes; this module imports no Beancount, so they start fast.

A part is checked alone: its first sealed entry is only read (the parent checks it against
the hash the part before ends with) and findings are kept as byte offsets, turned into lines
relative to the part at its end."""
import hashlib
from dataclasses import dataclass, field
from datetime import date

from services.ledger.book.integrity import BROKEN, UNCHAINED, WRITTEN
from services.ledger.book.text import LEG, META, SEALED, Entry, item_at, parse, seal, shape_problem, unquote


@dataclass(frozen=True)
class Job:
    path: str
    start: int
    end: int
    chain: str                         # "journal" or "chart"
    accounts: dict | None = None       # account -> (opened, closed or None), as ISO days; None: no book checks
    wanted: tuple[int, ...] = ()       # entry numbers (1-based, in the part) whose line and hash to report


@dataclass
class Checked:
    """What one part holds; lines are counted from the part's first line (0)."""
    lines: int = 0
    entries: int = 0
    transactions: int = 0
    head: tuple[int, bytes, str] | None = None  # the first sealed entry: line, text without its hash, hash
    tail: str | None = None                     # the last sealed entry's hash
    last_line: int | None = None                # where the last sealed entry is
    chain: list[tuple[int, str]] = field(default_factory=list)
    book: list[tuple[int, str]] = field(default_factory=list)
    keys: bytes = b""                           # each key posted, as its 8-byte digest (`key_digest`)
    cents: dict = field(default_factory=dict)   # (day, account, currency) -> sum of postings in cents
    assertions: list[tuple[int, str, str, str, int]] = field(default_factory=list)  # line, day, account, currency, cents
    chart: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, "open"/"close", day, account
    first: str | None = None                    # its earliest day
    last_balance: str | None = None             # its latest balance assertion's day
    splittable: bool = True                     # only whole sealed blocks, none reaching other parts
    marks: dict = field(default_factory=dict)   # wanted entry number -> (line, hash)


def key_pairs(meta: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    """An idempotency key appears once per kind of entry (one payable, one answer); a funding
    reference once; the entry key of finance's fees, adjustments and corrections once."""
    entry = meta.get(b"entry", b"")
    kind = b"answer" if entry in (b'"payment"', b'"reversal"') else entry[1:-1]
    pairs = [(meta.get(b"idempotency-key") or meta.get(b"funding-reference"), kind),
             (meta.get(b"entry-key"), b"entry-key")]
    return [(key, kind) for key, kind in pairs if key is not None]


def key_name(pair: tuple[bytes, bytes]) -> str:
    """A key as a finding names it: the key, then its kind."""
    return f"{unquote(pair[0])} ({pair[1].decode()})"


def key_digest(pair: tuple[bytes, bytes]) -> bytes:
    return hashlib.blake2b(pair[0] + b"\0" + pair[1], digest_size=8).digest()


def account_problem(accounts: dict, account: str, day: str, after_close: bool = False) -> str | None:
    """Beancount's rule: an account is referred to from its open day, and (but for a balance
    assertion) up to its close day."""
    opened, closed = accounts.get(account, (None, None))
    if opened is None:
        return f"Invalid reference to unknown account '{account}'"
    if day < opened or (closed is not None and day > closed and not after_close):
        return f"Invalid reference to inactive account '{account}'"
    return None


def check(job: Job) -> Checked:
    with open(job.path, "rb") as handle:
        handle.seek(job.start)
        data = handle.read(job.end - job.start)
    return PartPass(job, data).run()


class PartPass:
    """The pass over one part's bytes; places are byte offsets until `finish`."""

    def __init__(self, job: Job, data: bytes):
        self.job, self.data, self.out = job, data, Checked()
        self.wrong: dict[tuple, str] = {}  # (day, account, currency) posted to where the account is not open
        self.previous: str | None = None
        self.last: int | None = None
        self.days: dict[str, str | None] = {}  # each day read: what is wrong with it, or None
        self.keys: list[bytes] = []
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as wrong:
            self.out.book.append((wrong.start, "not UTF-8 text, which Beancount reads"))

    def run(self) -> Checked:
        data, position, match = self.data, 0, SEALED.match
        while position < len(data):
            found = match(data, position)
            if found is not None:
                self.sealed(found, found.start() + 1)
                position = found.end()
                continue
            item, position = item_at(data, position)
            if isinstance(item, Entry):
                whole = SEALED.fullmatch(b"\n" + item.raw)
                if whole is None:
                    self.unread(item)
                else:
                    self.sealed(whole, item.start)
            elif item is not None:
                self.out.chain.append((item.start, UNCHAINED))
                self.out.splittable = False
        return self.finish()

    def follow(self, offset: int, body: bytes, digest: str) -> None:
        """The chain, inside the part; the first entry is left to the parent."""
        out = self.out
        out.entries += 1
        if out.entries in self.job.wanted:
            out.marks[out.entries] = (offset, digest)
        if self.previous is None:
            out.head = (offset, body, digest)
        elif seal(self.previous, body) != digest:
            out.chain.append((offset, BROKEN))
        self.previous = out.tail = digest
        self.last = offset

    def sealed(self, found, offset: int) -> None:
        """A whole directive in the ledger's grammar, sealed."""
        day, _narration, _links, kind, account, amount, currency, digest, meta, legs = found.groups()
        head = found.string[found.start() + 1:found.start(8) - 10]
        rest = (meta + legs)[:-1]
        self.follow(offset, head + b"\n" + rest if rest else head, digest.decode())
        out, name = self.out, "*" if kind is None else kind.decode()
        if name not in WRITTEN[self.job.chain]:
            out.chain.append((offset, f"a {name} directive, which the ledger never writes here"))
        if kind is None and self.job.accounts is None:  # the chain alone (the writer's start-up)
            out.transactions += 1
            return
        day, meta, legs = day.decode(), META.findall(meta), LEG.findall(legs)
        if (problem := self.days.get(day, "")) == "":
            problem = self.days[day] = day_problem(day)
        if problem is None and (out.first is None or day < out.first):
            out.first = day
        if problem := problem or shape_problem(kind, amount, meta, legs):
            out.book.append((offset, problem))
            out.splittable = False
        elif kind is None:
            out.transactions += 1
            self.transaction(offset, day, meta, legs)
        elif kind == b"balance":
            out.last_balance = max(out.last_balance or day, day)
            if self.job.accounts is not None:
                self.balance(offset, day, account.decode(), currency.decode(), int(amount.replace(b".", b"")))
        else:
            out.chart.append((offset, name, day, account.decode()))
            out.splittable = False

    def transaction(self, offset: int, day: str, meta: list, legs: list) -> None:
        """Its keys, whether it balances, and its postings summed by day, account and currency;
        an account is looked up once per day it is posted to (and again where it was wrong)."""
        self.keys += [key_digest(pair) for pair in key_pairs(dict(meta))]
        residual, cents, wrong = {}, self.out.cents, self.wrong
        for account, amount, currency in legs:
            value = int(amount.replace(b".", b""))
            residual[currency] = residual.get(currency, 0) + value
            key = (day, account, currency)
            total = cents.get(key)
            if total is None:
                cents[key] = value
                if problem := account_problem(self.job.accounts, account.decode(), day):
                    wrong[key] = problem
            else:
                cents[key] = total + value
            if wrong and key in wrong:
                self.out.book.append((offset, wrong[key]))
        if any(residual.values()):
            left = ", ".join(f"{cents_text(value)} {currency.decode()}" for currency, value in residual.items() if value)
            self.out.book.append((offset, f"Transaction does not balance: ({left})"))

    def balance(self, offset: int, day: str, account: str, currency: str, cents: int) -> None:
        if problem := account_problem(self.job.accounts, account, day, after_close=True):
            self.out.book.append((offset, problem))
        self.out.assertions.append((offset, day, account, currency, cents))

    def unread(self, entry: Entry) -> None:
        """A block that is not a whole sealed directive in the grammar: outside the chain
        without its hash line, else in it and named by what the grammar refuses."""
        self.out.splittable = False
        body, digest = entry.unsealed()
        if digest is None:
            self.out.chain.append((entry.start, UNCHAINED))
            return
        self.follow(entry.start, body, digest)
        if entry.kind not in WRITTEN[self.job.chain]:
            self.out.chain.append((entry.start, f"a {entry.kind} directive, which the ledger never writes here"))
        self.out.transactions += entry.kind in ("*", "!")
        try:
            parse(body)
        except (ValueError, ArithmeticError) as wrong:
            self.out.book.append((entry.start, str(wrong)))

    def finish(self) -> Checked:
        """Byte offsets made lines, counting each stretch of the part once."""
        out, data = self.out, self.data
        offsets = sorted({offset for offset, *_ in [*out.chain, *out.book, *out.assertions, *out.chart,
                                                     *out.marks.values(), *([out.head] if out.head else [])]}
                         | ({self.last} if self.last is not None else set()))
        lines, line, at = {}, 0, 0
        for offset in offsets:
            line += data.count(b"\n", at, offset)
            lines[offset], at = line, offset
        out.lines = data.count(b"\n")
        out.chain = [(lines[offset], message) for offset, message in sorted(out.chain, key=lambda found: found[0])]
        out.book = [(lines[offset], message) for offset, message in sorted(out.book, key=lambda found: found[0])]
        out.assertions = [(lines[offset], *rest) for offset, *rest in out.assertions]
        out.chart = [(lines[offset], *rest) for offset, *rest in out.chart]
        out.marks = {number: (lines[offset], digest) for number, (offset, digest) in out.marks.items()}
        out.head = (lines[out.head[0]], *out.head[1:]) if out.head else None
        out.last_line = lines[self.last] if self.last is not None else None
        out.keys = b"".join(self.keys)
        return out


def day_problem(day: str) -> str | None:
    try:
        date.fromisoformat(day)
    except ValueError as wrong:
        return f"not a day: {day} ({wrong})"
    return None


def cents_text(value: int) -> str:
    return f"{'-' if value < 0 else ''}{abs(value) // 100}.{abs(value) % 100:02d}"
