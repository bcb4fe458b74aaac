"""Start-up inspection of the files against the index, before the writer appends anything.

Every entry of both hash chains is checked, in every file. Up to the chain heads the index
holds, the files must be exactly what the writer committed. After them may follow whole,
chained entries (a write completed, the index commit lost: recovery indexes them) and, at the
very end of the last file written, the beginning of one entry a write did not finish. Only
those unfinished bytes are cut, and they are kept in a quarantine file first. Anything else is
tampering: `LedgerTampered` names the first place as file:line, and nothing is changed.
"""
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from services.ledger.book.files import ACCOUNTS, MAIN, empty_private_file, private_folder
from services.ledger.book.integrity import UNCHAINED, WRITTEN, Anchor, ChainWalk, Checkpoint, header_of, read_main, where
from services.ledger.book.text import Entry, Stray, could_be_torn, pieces, scan
from services.ledger.errors import LedgerTampered
from services.ledger.verification import chains
from services.ledger.verification.chains import check_files, join, workers_for

QUARANTINE = "quarantine"


@dataclass(frozen=True)
class Torn:
    path: Path
    keep: int  # bytes of whole entries; the rest no completed write produced


@dataclass
class Inspection:
    chart: list[Entry] = field(default_factory=list)    # whole entries after the index's chart head
    journal: list[Entry] = field(default_factory=list)  # whole entries after the index's journal head
    journal_head: str | None = None                     # the hash of the journal's last entry
    torn: list[Torn] = field(default_factory=list)


def inspect(directory: Path, anchors: Checkpoint, parallel: bool | None = None) -> Inspection:
    """The files against the index's anchors. The journal's parts up to the one holding its
    anchored entry are checked by verification's strict pass, in worker processes when the
    period files are large (`parallel` forces or avoids them); from that part on, entry by entry."""
    main = read_main(directory)
    if main.findings:
        raise LedgerTampered(str(main.findings[0]))
    inspection = Inspection()
    if main.torn_at is not None:
        inspection.torn.append(Torn(directory / MAIN, main.torn_at))
    inspection.chart, _ = _walk([(directory / ACCOUNTS, 0, 1)], "chart", ChainWalk(anchors.chart), inspection.torn)
    walk, rest = _committed(main.periods, anchors.journal, parallel)
    inspection.journal, inspection.journal_head = _walk(rest, "journal", walk, inspection.torn)
    return inspection


def _committed(paths: list[Path], anchor: Anchor, parallel: bool | None) -> tuple[ChainWalk, list[tuple[Path, int, int]]]:
    """The journal's parts before the one holding its anchored entry (and before the last),
    checked with the strict pass's chain: any finding there is tampering. The walk after them,
    and where each file still to walk begins (path, byte, line)."""
    with workers_for(paths, parallel) as workers:
        parts = check_files(paths, "journal", None, chains.PART_BYTES, workers)
    before, counted = [], 0
    for part in parts[:-1]:  # the last is always walked: it may end torn, or short of the anchor
        if counted + part.checked.entries >= anchor.entries:
            break
        before.append(part)
        counted += part.checked.entries
    walk, findings = join(before, None)
    if findings:
        raise LedgerTampered(findings[0])
    rest = parts[len(before):]
    resume = [(part.path, part.job.start, part.line) for n, part in enumerate(rest)
              if n == 0 or part.path != rest[n - 1].path]
    resumed = ChainWalk(anchor)
    resumed.previous, resumed.entries = walk.previous, walk.entries
    return resumed, resume


def _walk(files: list[tuple[Path, int, int]], chain: str, walk: ChainWalk, torn: list[Torn]) -> tuple[list[Entry], str]:
    """The entries after the anchor, and the chain's last hash; a torn end into `torn`. Each
    file is walked from a block's start (path, byte, line); byte 0 is its beginning."""
    anchor, pending, head = walk.anchor, [], walk.anchor.head
    paths = [path for path, _, _ in files]
    items = ((path, item) for path, start, line in files
             for piece in pieces(path, header_of(path), start=start, line=line) for item in scan(piece))
    ahead = next(items, None)
    kept = {path: start for path, start, _ in files if start}  # per file: where its last whole entry (or its header) ends
    while ahead is not None:
        (path, item), ahead = ahead, next(items, None)
        kept.setdefault(path, len(header_of(path).encode()))
        place, last = where(path, item.line), ahead is None and path == paths[-1]
        committed = walk.entries < anchor.entries
        problem = UNCHAINED if isinstance(item, Stray) else walk.follow(item, place)
        if problem is None and item.kind not in WRITTEN[chain]:
            problem = f"a {item.kind} directive, which the ledger never writes here"
        if problem is None and not committed and not item.complete:
            problem = "not a whole entry as the ledger writes them"
        if problem is None:
            kept[path], head = item.end, walk.previous
            if not committed:
                pending.append(item)
        elif last and not committed and could_be_torn(_tail(path, item.start)):
            torn.append(Torn(path, kept[path]))
            walk.entries -= isinstance(item, Entry) and item.unsealed()[1] is not None  # not an entry of the chain
        else:
            raise LedgerTampered(f"{place}: {problem}")
    if finding := walk.against_anchor(where(paths[0], 1) if paths else MAIN, appended_is_finding=False):
        raise LedgerTampered(str(finding))
    return pending, head


def _tail(path: Path, start: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read()


def cut(directory: Path, torn: Torn) -> str:
    """Move the unfinished bytes of a file into a quarantine file; what to log."""
    data = _tail(torn.path, torn.keep)
    if not data.strip():
        return ""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    kept = directory / QUARANTINE / f"{stamp}.beancount"
    private_folder(kept.parent)
    empty_private_file(kept)
    relative = torn.path.relative_to(directory).as_posix()
    with open(kept, "wb") as handle:
        handle.write(f"; Cut by start-up recovery from {relative} at byte {torn.keep}: an unfinished write.\n".encode())
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    with open(torn.path, "r+b") as handle:
        handle.truncate(torn.keep)
        os.fsync(handle.fileno())
    return (f"an unfinished write ({len(data)} bytes) cut from {relative} after byte {torn.keep}; "
            f"kept in {kept.relative_to(directory).as_posix()}")
