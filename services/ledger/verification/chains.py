"""A chain's files checked in parts (`strict.py`), in worker processes when given, and the
parts joined again: each part's first entry against the hash the part before ends with, the
entry count and the places the anchor needs."""
import os
from bisect import bisect_left
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from services.ledger.book.integrity import BROKEN, Anchor, ChainWalk, header_of, where
from services.ledger.book.text import cuts, seal
from services.ledger.verification.strict import Checked, Job, check
from services.ledger.verification.workers import Workers

PARALLEL_ABOVE = 4 * 2**20  # bytes of period files, about 10,000 transactions: below, one process is faster
PART_BYTES = 4 * 2**20      # a worker's part: about 9,000 transactions (under 100 MiB in Beancount's loader)


@dataclass
class FilePart:
    job: Job
    path: Path
    line: int            # its first line in its file
    checked: Checked

    def place(self, line: int) -> str:
        return where(self.path, self.line + line)


def workers_for(paths: list[Path], parallel: bool | None):
    """Worker processes (one per core) for a chain's files as a context, or None: `parallel`
    forces (True) or avoids (False) them; by default the files' size decides."""
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1 and sum(path.stat().st_size for path in paths) > PARALLEL_ABOVE
    return Workers(os.cpu_count() or 1) if parallel else nullcontext()


def check_files(paths: list[Path], chain: str, accounts: dict | None, part_bytes: int, workers=None) -> list[FilePart]:
    """Every file of a chain, in order, in parts of about `part_bytes`."""
    jobs = [(path, Job(str(path), start, end, chain, accounts))
            for path in paths for start, end in cuts(path, header_of(path), part_bytes)]
    results = workers.map(check, [(job,) for _, job in jobs]) if workers else [check(job) for _, job in jobs]
    parts, line = [], {}
    for (path, job), checked in zip(jobs, results):
        first = line.get(path, 2 if job.start else 1)
        parts.append(FilePart(job, path, first, checked))
        line[path] = first + checked.lines
    return parts


def join(parts: list[FilePart], anchor: Anchor | None) -> tuple[ChainWalk, list[str]]:
    """The chain as one walk (its count, last place, and where the anchor falls) and its
    findings in order."""
    walk, findings = ChainWalk(anchor), []
    for part in parts:
        checked, found = part.checked, list(part.checked.chain)
        if checked.head is not None:
            line, body, digest = checked.head
            if seal(walk.previous, body) != digest:
                found.insert(bisect_left([at for at, _ in found], line), (line, BROKEN))
        findings += [f"{part.place(line)}: {message}" for line, message in found]
        if anchor is not None:
            for number in (anchor.entries, anchor.entries + 1):
                if walk.entries < number <= walk.entries + checked.entries:
                    line, digest = _entry(part, number - walk.entries)
                    if number == anchor.entries:
                        walk.at_anchor = part.place(line), digest
                    else:
                        walk.after_anchor = part.place(line)
        walk.entries += checked.entries
        if checked.tail is not None:
            walk.previous, walk.last = checked.tail, part.place(checked.last_line)
    return walk, findings


def _entry(part: FilePart, number: int) -> tuple[int, str]:
    """The line and hash of the part's entry `number` (from 1): known for its first and last,
    read again for any other."""
    checked = part.checked
    if number == checked.entries:
        return checked.last_line, checked.tail
    if number == 1:
        return checked.head[0], checked.head[2]
    return check(replace(part.job, wanted=(number,))).marks[number]
