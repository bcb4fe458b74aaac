"""Verification of the ledger files: Beancount's own checks plus the hash chain."""
import re
from dataclasses import dataclass, field
from pathlib import Path

from beancount import loader

from services.ledger.book import MAIN
from services.ledger.entries import GENESIS, seal, unseal

INCLUDE = re.compile(r'^include "([^"]+)"$')
TXN_START = re.compile(r"^\d{4}-\d{2}-\d{2} [*!]")


@dataclass
class Report:
    transactions: int = 0
    beancount_errors: list[str] = field(default_factory=list)
    chain_errors: list[str] = field(default_factory=list)
    key_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.beancount_errors and not self.chain_errors and not self.key_errors


def _blocks(path: Path):
    """(line number, text) of each transaction in a period file."""
    current, start = [], 0
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if TXN_START.match(line):
            if current:
                yield start, "\n".join(current)
            current, start = [line], number
        elif current and line.startswith("  "):
            current.append(line)
        elif current:
            yield start, "\n".join(current)
            current = []
    if current:
        yield start, "\n".join(current)


KEYED = re.compile(r'^  (idempotency-key|funding-reference|entry): "([^"]*)"$', re.MULTILINE)


def check_keys(text: str, where: str, seen: dict, report: Report) -> None:
    """An idempotency key appears once per kind of entry (one payable, one answer);
    a funding reference once."""
    found = dict(KEYED.findall(text))
    key = found.get("idempotency-key") or found.get("funding-reference")
    if key is None:
        return
    kind = "answer" if found.get("entry") in ("payment", "reversal") else found.get("entry", "")
    if (key, kind) in seen:
        report.key_errors.append(f"{where}: {key} ({kind}) already at {seen[(key, kind)]}")
    seen.setdefault((key, kind), where)


def check_chain(directory: Path, report: Report) -> str:
    previous, seen = GENESIS, {}
    for line in (directory / MAIN).read_text(encoding="utf-8").splitlines():
        match = INCLUDE.match(line)
        if not match or match.group(1).endswith("accounts.beancount"):
            continue
        path = directory / match.group(1)
        for number, block in _blocks(path):
            report.transactions += 1
            text, digest = unseal(block)
            if digest != seal(previous, text):
                report.chain_errors.append(f"{path.name}:{number}: hash chain broken (edited, removed or reordered)")
                return previous
            check_keys(text, f"{path.name}:{number}", seen, report)
            previous = digest
    return previous


def verify(directory: str, expected_head: str | None = None) -> Report:
    """Check the files; with the index's chain head, also notice a truncated tail."""
    directory = Path(directory)
    report = Report()
    _entries, errors, _options = loader.load_file(str(directory / MAIN))
    report.beancount_errors = [f"{e.source.get('filename', '?')}:{e.source.get('lineno', '?')}: {e.message}"
                               if e.source else e.message for e in errors]
    last = check_chain(directory, report)
    if expected_head is not None and not report.chain_errors and last != expected_head:
        report.chain_errors.append("the last transaction in the files is not the one the index recorded "
                                   "(transactions removed from the end?)")
    return report
