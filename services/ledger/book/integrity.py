"""What makes the files the ledger's own: the main file as the ledger writes it, two hash
chains (the chart of accounts, and the period files in the order the main file includes
them), and the anchors kept outside the files (the index's chain heads, an auditor's
checkpoint line) that find a cut tail. Verification and start-up recovery both walk the
chains with this module; they differ only in what they do about a finding."""
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from services.ledger.book import text
from services.ledger.book.files import ACCOUNTS, MAIN
from services.ledger.book.text import GENESIS, Entry, seal

CHECKPOINT = "ddrr-ledger-checkpoint"
WRITTEN = {"journal": {"*", "balance"}, "chart": {"open", "close"}}  # the directives the ledger writes in each chain
BROKEN = "hash chain broken: this entry was edited, or one before it was inserted, removed or reordered"
UNCHAINED = "not in the hash chain: the ledger did not write this"


@dataclass(frozen=True)
class Finding:
    where: str  # file:line
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Anchor:
    """A chain as it was anchored: how many entries it held and the hash of the last."""
    entries: int
    head: str


@dataclass(frozen=True)
class Checkpoint:
    journal: Anchor
    chart: Anchor

    def line(self) -> str:
        return (f"{CHECKPOINT} journal={self.journal.entries}:{self.journal.head} "
                f"chart={self.chart.entries}:{self.chart.head}")

    @classmethod
    def parse(cls, line: str) -> "Checkpoint":
        """The line `ddrr ledger checkpoint` printed; ValueError for anything else."""
        word, *fields = line.split()
        anchors = dict(field.split("=", 1) for field in fields if "=" in field)
        if word != CHECKPOINT or not {"journal", "chart"} <= set(anchors):
            raise ValueError(f"not a ledger checkpoint line: {line[:80]!r}")
        parsed = {}
        for name in ("journal", "chart"):
            count, _, head = anchors[name].partition(":")
            if not count.isdigit() or not text.is_hash(head):
                raise ValueError(f"the checkpoint's {name} is not count:hash")
            parsed[name] = Anchor(int(count), head)
        return cls(**parsed)


def where(path: Path, line: int) -> str:
    return f"{path.name}:{line}"


class ChainWalk:
    """One chain followed entry by entry. After a break it follows the entries' own
    hashes again, so each later break is a finding of its own."""

    def __init__(self, anchor: Anchor | None = None):
        self.anchor = anchor
        self.previous = GENESIS
        self.entries = 0
        self.last: str | None = None           # where the last entry is
        self.at_anchor: tuple[str, str] | None = None  # where the anchored entry is, and its hash
        self.after_anchor: str | None = None   # where the first entry after it is

    def follow(self, entry: Entry, place: str) -> str | None:
        """Take the next entry; the problem with it, or None."""
        body, digest = entry.unsealed()
        if digest is None:
            return UNCHAINED
        self.entries += 1
        self.last = place
        if self.anchor is not None:
            if self.entries == self.anchor.entries:
                self.at_anchor = place, digest
            elif self.entries == self.anchor.entries + 1:
                self.after_anchor = place
        chained, self.previous = seal(self.previous, body) == digest, digest
        return None if chained else BROKEN

    def against_anchor(self, first_file: str, appended_is_finding: bool) -> Finding | None:
        """A cut tail (fewer entries than anchored), an anchored entry replaced, or (for the
        index, which holds every entry the writer committed) entries appended after it."""
        anchor = self.anchor
        if anchor is None:
            return None
        if self.entries < anchor.entries:
            return Finding(self.last or first_file, f"the chain ends here after {self.entries} entries, the anchor "
                                                    f"holds {anchor.entries}: entries removed from the end")
        if anchor.entries and self.at_anchor[1] != anchor.head:
            return Finding(self.at_anchor[0], f"entry {anchor.entries} is not the one anchored (edited or replaced)")
        if appended_is_finding and self.entries > anchor.entries:
            return Finding(self.after_anchor, f"{self.entries - anchor.entries} entries from here on were "
                                              "appended after the last one the index recorded")
        return None


@dataclass
class MainFile:
    periods: list[Path]        # the period files it includes, in order
    findings: list[Finding]    # each line the ledger did not write, or a missing file
    torn_at: int | None        # where a last include line the writer did not finish starts


def read_main(directory: Path) -> MainFile:
    """The main file as the ledger writes it: its header, then an include per month, months rising."""
    main = directory / MAIN
    raw = main.read_text(encoding="utf-8")
    lines = raw.split("\n")
    title = lines[0][len('option "title" '):] if lines[0].startswith('option "title" "') else '""'
    currency = lines[1][len('option "operating_currency" "'):-1] if len(lines) > 1 else ""
    expected = text.main_header(title[1:-1].replace('\\"', '"').replace("\\\\", "\\"), ACCOUNTS,
                                currency).split("\n")[:-1]
    result = MainFile([], [Finding(where(main, n), "the main file's header is not as the ledger writes it")
                           for n, (line, wanted) in enumerate(zip(lines, expected), start=1) if line != wanted], None)
    latest = None
    for n, line in enumerate(lines[len(expected):], start=len(expected) + 1):
        found = text.period_include(line)
        if found and (latest is None or found[1] > latest):
            result.periods.append(directory / found[0])
            latest = found[1]
            if not result.periods[-1].exists():
                result.findings.append(Finding(where(main, n), f"{found[0]} is missing"))
        elif n == len(lines) and (not line or text.include("2000/2000-01.beancount").startswith(line[:9])):
            result.torn_at = len(raw.encode()) - len(line.encode()) if line else None
        else:
            result.findings.append(Finding(where(main, n), "not written by the ledger (the main file holds its "
                                                           "header and one include per month, in order)"))
    return result


def header_of(path: Path) -> str:
    """The first line the ledger writes in a file of a chain."""
    if path.name == ACCOUNTS:
        return text.CHART_HEADER
    year, month = path.stem.split("-")
    return text.period_header(date(int(year), int(month), 1))
