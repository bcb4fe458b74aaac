"""Beancount text for one transaction, sealed into the hash chain.

Each transaction carries `hash:`, the SHA-256 of the previous transaction's hash and this
transaction's own text (without the hash line). Editing any transaction, or removing
one, breaks every hash after it, which `verify` reports.
"""
import hashlib
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
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


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
