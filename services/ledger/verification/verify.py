"""Verification of the ledger files: that they hold only what the ledger wrote, both hash
chains, the anchors, unique keys, and Beancount's own checks.

One streaming pass reads the files a piece at a time (so memory does not grow with a month's
size): the main file's lines, every directive's place in its chain, text outside any chain,
the idempotency keys, and what each piece adds to each account on each day. Each piece of a
period file is handed to a worker process for Beancount's loader as soon as it is scanned
(`loading.py`, `parts.py`). A small ledger, or one with directives that reach across parts
(pad, open, close, or stray text in a period file), is loaded whole in this process.
"""
import os
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from services.ledger.book.files import ACCOUNTS, MAIN
from services.ledger.book.integrity import UNCHAINED, WRITTEN, ChainWalk, Checkpoint, header_of, read_main, where
from services.ledger.book.text import Entry, Stray, days_and_postings, included, pieces, scan
from services.ledger.verification.loading import Workers, load
from services.ledger.verification.parts import Part, carried_into, opening

CROSS_FILE = {"open", "close", "pad"}  # directives whose effect reaches into other parts
PARALLEL_ABOVE = 4 * 2**20  # bytes of period files, about 10,000 transactions: below, one process is faster
PART_BYTES = 4 * 2**20      # a worker's load: about 9,000 transactions, under 100 MiB


@dataclass
class Report:
    """What verify found; `loaded_by_period` says which way Beancount's loader ran."""
    transactions: int = 0
    entries: int = 0
    beancount_errors: list[str] = field(default_factory=list)
    chain_errors: list[str] = field(default_factory=list)
    key_errors: list[str] = field(default_factory=list)
    loaded_by_period: bool = False

    @property
    def ok(self) -> bool:
        return not self.beancount_errors and not self.chain_errors and not self.key_errors


def key_pairs(entry: Entry) -> list[tuple[str, str]]:
    """An idempotency key appears once per kind of entry (one payable, one answer); a
    funding reference once; the entry key of finance's fees, adjustments and corrections once."""
    found = entry.keyed_meta()
    kind = "answer" if found.get("entry") in ("payment", "reversal") else found.get("entry", "")
    pairs = [(found.get("idempotency-key") or found.get("funding-reference"), kind), (found.get("entry-key"), "entry-key")]
    return [(key, kind) for key, kind in pairs if key is not None]


class Keys:
    """Every key's hash in a compact array; the places of a repeated key are looked up again
    only when one repeats."""

    def __init__(self):
        self.hashes = array("q")

    def add(self, entry: Entry) -> None:
        self.hashes.extend([hash(pair) for pair in key_pairs(entry)])

    def repeats(self, paths: list[Path]) -> list[str]:
        values, counts = numpy.unique(numpy.frombuffer(self.hashes, dtype=numpy.int64), return_counts=True)
        repeated = set(values[counts > 1].tolist())
        if not repeated:
            return []
        first, errors = {}, []
        for path in paths:
            for piece in pieces(path, header_of(path)):
                for entry in scan(piece):
                    for pair in key_pairs(entry) if isinstance(entry, Entry) else []:
                        if hash(pair) in repeated:
                            place = where(path, entry.line)
                            if pair in first:
                                errors.append(f"{place}: {pair[0]} ({pair[1]}) already at {first[pair]}")
                            first.setdefault(pair, place)
        return errors


def scan_file(path: Path, chain: str, walk: ChainWalk, keys: Keys, report: Report, piece_bytes: int) -> list[Part]:
    """One file of a chain, piece by piece: its findings into `report`, and its parts."""
    parts = []
    for piece in pieces(path, header_of(path), piece_bytes):
        part = Part(str(path.resolve()), piece.start, piece.start + len(piece.data), piece.line)
        for item in scan(piece):
            place = where(path, item.line)
            if isinstance(item, Stray):
                report.chain_errors.append(f"{place}: {UNCHAINED}")
                part.splittable = False
                continue
            kind = item.kind
            if problem := walk.follow(item, place):
                report.chain_errors.append(f"{place}: {problem}")
            elif kind not in WRITTEN[chain]:
                report.chain_errors.append(f"{place}: a {kind} directive, which the ledger never writes here")
            report.transactions += kind in ("*", "!")
            if kind in ("*", "!"):
                keys.add(item)
            elif kind == "balance":
                day = item.raw[:10].decode()
                part.last_balance = max(part.last_balance or day, day)
            part.splittable &= kind not in CROSS_FILE
        part.add_postings(days_and_postings(piece.data))
        parts.append(part)
    return parts


def opened_accounts(directory: Path) -> dict[str, str]:
    """When each account of the chart opens (for the carried balances)."""
    opened: dict[str, str] = {}
    path = directory / ACCOUNTS
    for piece in pieces(path, header_of(path)) if path.exists() else []:
        for entry in scan(piece):
            if isinstance(entry, Entry) and entry.kind == "open":
                day, _, account = entry.raw.split(b"\n")[0].decode().split(" ", 2)
                opened.setdefault(account, day)
    return opened


def header(directory: Path) -> str:
    """The main file with its period files left out (as blank lines, to keep line numbers)
    and its chart of accounts made absolute."""
    lines = []
    for line in (directory / MAIN).read_text(encoding="utf-8").splitlines():
        target = included(line)
        if target and target.endswith(ACCOUNTS):
            lines.append(f'include "{os.path.abspath(directory / target)}"')
        else:
            lines.append("" if target else line)
    return "\n".join(lines) + "\n"


class Loads:
    """The parts handed to worker processes as they are scanned, each with what the parts
    scanned before it carry into it (right when the files come in date order); once all are
    scanned they decide, and a load that was given other balances is done again."""

    def __init__(self, directory: Path, workers: Workers):
        self.workers, self.parts = workers, []
        self.opened, self.header, self.main = opened_accounts(directory), header(directory), os.path.abspath(directory / MAIN)

    def add(self, parts: list[Part]) -> None:
        for part in parts:
            self.parts.append(part)
            if (carried := carried_into(part, self.parts)) is not None:
                self._submit(len(self.parts) - 1, carried)

    def _submit(self, index: int, carried: list) -> None:
        part = self.parts[index]
        self.workers.submit(index, (self.header, opening(carried, self.opened), part.path, part.start, part.end,
                                    part.line, self.main))

    def errors(self) -> list[tuple] | None:
        """Every part's errors; None when a part cannot be loaded alone."""
        plan = [carried_into(part, self.parts) for part in self.parts]
        if any(carried is None for carried in plan):
            return None
        for index, carried in enumerate(plan):
            self._submit(index, carried)
        results = self.workers.run(block=True)
        return [error for index in range(len(self.parts)) for error in results[index]]


def verify(directory: str, anchor: Checkpoint | None = None, appended_is_finding: bool = True,
           parallel: bool | None = None, beancount: bool = True, piece_bytes: int = PART_BYTES) -> Report:
    """Check the files. With an anchor (the index's chain heads, or an auditor's checkpoint)
    a cut tail or a replaced anchored entry is found too; against the index, which holds
    every entry the writer committed, so are entries appended after it. `parallel` forces
    (True) or avoids (False) the load in worker processes; by default the ledger's size
    decides. Without `beancount`, only what is the ledger's own is checked (no loader)."""
    directory = Path(directory)
    report, keys = Report(), Keys()
    main = read_main(directory)
    report.chain_errors += [str(finding) for finding in main.findings]
    if main.torn_at is not None:
        report.chain_errors.append(f"{MAIN}: its last line is unfinished")
    paths = [path for path in main.periods if path.exists()]
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1 and sum(path.stat().st_size for path in paths) > PARALLEL_ABOVE
    chart = ChainWalk(anchor.chart if anchor else None)
    if (directory / ACCOUNTS).exists():
        scan_file(directory / ACCOUNTS, "chart", chart, keys, report, piece_bytes)
    journal = ChainWalk(anchor.journal if anchor else None)
    errors = None
    if beancount and parallel and paths:
        with Workers(os.cpu_count() or 1) as workers:
            loads = Loads(directory, workers)
            for path in paths:
                loads.add(scan_file(path, "journal", journal, keys, report, piece_bytes))
            errors = loads.errors()
    else:
        for path in paths:
            scan_file(path, "journal", journal, keys, report, piece_bytes)
    report.loaded_by_period = errors is not None
    if beancount and errors is None:
        errors = load(os.path.abspath(directory / MAIN))
    report.beancount_errors = [f"{name}:{line}: {message}" if name else message
                               for name, line, message in sorted(set(errors or []))]
    first_period = where(paths[0], 1) if paths else f"{MAIN}:1"
    for walk, first in ((chart, f"{ACCOUNTS}:1"), (journal, first_period)):
        if finding := walk.against_anchor(first, appended_is_finding):
            report.chain_errors.append(str(finding))
    report.entries = chart.entries + journal.entries
    report.key_errors = keys.repeats(paths)
    return report

