"""Verification of the ledger files: that they hold only what the ledger wrote, both hash
chains, the anchors, unique keys, and every rule Beancount applies to what the suite writes.

The default pass is the suite's own, strict: every block is read again with the ledger's
grammar (`book/text.py`), which is the part of Beancount's syntax the suite writes and no
more, so any other line is a finding; then the hash chains and anchors, each transaction
balancing, the accounts open on the day they are used, the chart's opens and closes, and
every balance assertion against everything posted before its day (`strict.py`, `rules.py`).
On a large ledger, the files are cut into parts of about 4 MiB, checked in worker processes.

Beancount's own loader is an additional pass (`beancount=True`, `ddrr ledger verify
--beancount`), for an auditor who wants Beancount's word as well: it runs on every
directive, in parts in worker processes too (`loading.py`), and makes verify three to five
times as long.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from services.ledger.book.files import ACCOUNTS, MAIN
from services.ledger.book.integrity import Checkpoint, header_of, read_main, where
from services.ledger.book.text import META, Entry, included, pieces, scan
from services.ledger.verification import rules
from services.ledger.verification.chains import PART_BYTES, FilePart, check_files, join, workers_for
from services.ledger.verification.loading import load, load_part
from services.ledger.verification.parts import Part, carried_into, opening
from services.ledger.verification.strict import key_digest, key_name, key_pairs
from services.ledger.verification.workers import Workers



@dataclass
class Report:
    """What verify found; `loaded_by_period` says which way Beancount's loader ran."""
    transactions: int = 0
    entries: int = 0
    book_errors: list[str] = field(default_factory=list)
    chain_errors: list[str] = field(default_factory=list)
    key_errors: list[str] = field(default_factory=list)
    beancount_errors: list[str] = field(default_factory=list)
    loaded_by_period: bool = False

    @property
    def ok(self) -> bool:
        return not (self.book_errors or self.chain_errors or self.key_errors or self.beancount_errors)


def repeated_keys(parts: list[FilePart]) -> list[str]:
    """Each key posted again, named where it is and where it was first: the keys' digests
    are compared, and the files read again only when one repeats."""
    values, counts = numpy.unique(numpy.frombuffer(b"".join(part.checked.keys for part in parts), dtype=numpy.int64),
                                  return_counts=True)
    repeated = {values[n].tobytes() for n in numpy.flatnonzero(counts > 1)}
    if not repeated:
        return []
    first, errors = {}, []
    for path in dict.fromkeys(part.path for part in parts):
        for piece in pieces(path, header_of(path)):
            for entry in scan(piece):
                for pair in key_pairs(dict(META.findall(entry.raw))) if isinstance(entry, Entry) else []:
                    if key_digest(pair) in repeated:
                        place = where(path, entry.line)
                        if pair in first:
                            errors.append(f"{place}: {key_name(pair)} already at {first[pair]}")
                        first.setdefault(pair, place)
    return errors


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


def beancount_in_parts(directory: Path, parts: list[FilePart], accounts: dict, workers: Workers) -> list[tuple] | None:
    """Beancount's loader over each part in the workers, each given what the other parts carry
    into its balance assertions; None when a part cannot be loaded alone."""
    loads = []
    for part in parts:
        checked = part.checked
        loads.append(Part(str(part.path.resolve()), part.job.start, part.job.end, part.line, first=checked.first,
                          last_balance=checked.last_balance, splittable=checked.splittable))
        loads[-1].add_cents(checked.cents)
    plan = [carried_into(part, loads) for part in loads]
    if any(carried is None for carried in plan):
        return None
    opened = {account: days[0] for account, days in accounts.items()}
    top, main = header(directory), os.path.abspath(directory / MAIN)
    results = workers.map(load_part, [(top, opening(carried, opened), part.path, part.start, part.end, part.line, main)
                                      for part, carried in zip(loads, plan)])
    return [error for found in results for error in found]


def book_errors(chart_parts: list[FilePart], parts: list[FilePart], chart: list[tuple[str, int, str]]) -> list[str]:
    """What Beancount would refuse, in the files' order: the chart's opens and closes (found
    already), what each part found in its own entries, and the balance assertions."""
    totals, found = {}, list(chart)
    for part in parts:
        rules.add_cents(totals, part.checked.cents)
    found += rules.balance_failures(totals, [(part.path.name, part.line + line, *rest)
                                             for part in parts for line, *rest in part.checked.assertions])
    found += [(part.path.name, part.line + line, message) for part in [*chart_parts, *parts]
              for line, message in part.checked.book]
    order = {part.path.name: n for n, part in enumerate([*chart_parts, *parts])}
    return [f"{name}:{line}: {message}" for name, line, message in
            sorted(found, key=lambda finding: (order.get(finding[0], -1), finding[1]))]


def verify(directory: str, anchor: Checkpoint | None = None, appended_is_finding: bool = True,
           parallel: bool | None = None, beancount: bool = True, part_bytes: int = PART_BYTES) -> Report:
    """Check the files. With an anchor (the index's chain heads, or an auditor's checkpoint)
    a cut tail or a replaced anchored entry is found too; against the index, which holds
    every entry the writer committed, so are entries appended after it. `parallel` forces
    (True) or avoids (False) worker processes; by default the ledger's size decides.
    `beancount` adds Beancount's own loader to the strict pass: on by default here, so that
    every ledger a test writes is read by Beancount too; `ddrr ledger verify` asks for it
    only with `--beancount`."""
    directory = Path(directory)
    report = Report()
    main = read_main(directory)
    report.chain_errors += [str(finding) for finding in main.findings]
    if main.torn_at is not None:
        report.chain_errors.append(f"{MAIN}: its last line is unfinished")
    paths = [path for path in main.periods if path.exists()]
    chart_path = directory / ACCOUNTS
    chart_parts = check_files([chart_path] if chart_path.exists() else [], "chart", None, part_bytes)
    accounts, book = rules.accounts_of([(part.path.name, part.line + line, kind, day, account)
                                        for part in chart_parts for line, kind, day, account in part.checked.chart])
    with workers_for(paths, parallel) as workers:
        parts = check_files(paths, "journal", accounts, part_bytes, workers)
        errors = beancount_in_parts(directory, parts, accounts, workers) if beancount and workers and parts else None
    report.loaded_by_period = errors is not None
    if beancount and errors is None:
        errors = load(os.path.abspath(directory / MAIN))
    report.beancount_errors = [f"{name}:{line}: {message}" if name else message
                               for name, line, message in sorted(set(errors or []))]
    report.book_errors = book_errors(chart_parts, parts, book)
    first_period = where(paths[0], 1) if paths else f"{MAIN}:1"
    for chain, first, anchored in ((chart_parts, f"{ACCOUNTS}:1", anchor and anchor.chart),
                                   (parts, first_period, anchor and anchor.journal)):
        walk, findings = join(chain, anchored)
        report.chain_errors += findings
        if finding := walk.against_anchor(first, appended_is_finding):
            report.chain_errors.append(str(finding))
        report.entries += walk.entries
    report.transactions = sum(part.checked.transactions for part in parts)
    report.key_errors = repeated_keys(parts)
    return report

