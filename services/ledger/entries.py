"""Beancount text for one transaction, sealed into the hash chain.

Each transaction carries `hash:`, the SHA-256 of the previous transaction's hash and this
transaction's own text (without the hash line). Editing any transaction, or removing
one, breaks every hash after it, which `verify` reports.
"""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

GENESIS = "0" * 64


@dataclass(frozen=True)
class Leg:
    account: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Transaction:
    day: date
    narration: str
    legs: tuple[Leg, ...]
    meta: dict[str, str] = field(default_factory=dict)
    links: tuple[str, ...] = ()

    def __post_init__(self):
        totals: dict[str, Decimal] = {}
        for leg in self.legs:
            totals[leg.currency] = totals.get(leg.currency, Decimal(0)) + leg.amount
        unbalanced = {c: t for c, t in totals.items() if t != 0}
        if unbalanced:
            raise ValueError(f"transaction does not balance: {unbalanced}")


def _quote(value: str) -> str:
    """A Beancount string. A line break is refused: verify and recovery find transactions
    line by line, so a value may never span lines."""
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"a ledger string may not contain a line break: {text[:40]!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def body(txn: Transaction) -> str:
    links = "".join(f" ^{link}" for link in txn.links)
    lines = [f"{txn.day.isoformat()} * {_quote(txn.narration)}{links}"]
    lines += [f"  {key}: {_quote(value)}" for key, value in txn.meta.items()]
    lines += [f"  {leg.account}  {leg.amount:.2f} {leg.currency}" for leg in txn.legs]
    return "\n".join(lines)


def seal(previous_hash: str, text: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{text}".encode()).hexdigest()


def render(txn: Transaction, previous_hash: str) -> tuple[str, str]:
    """The transaction's text with its `hash:` line, and that hash."""
    text = body(txn)
    digest = seal(previous_hash, text)
    head, _, rest = text.partition("\n")
    return f"{head}\n  hash: {_quote(digest)}\n{rest}\n", digest


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


HEADER = re.compile(r'^(\d{4}-\d{2}-\d{2}) [*!] "((?:[^"\\]|\\.)*)"((?: \^[\w./-]+)*)$')
META = re.compile(r'^  ([a-z][\w-]*): "((?:[^"\\]|\\.)*)"$')
LEG = re.compile(r"^  ([A-Z][\w:-]*)  (-?\d+\.\d{2}) ([A-Z][A-Z0-9'._-]*)$")


def parse(text: str) -> Transaction:
    """Read back a transaction this module rendered (without its hash line)."""
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
