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


def inspect(directory: Path, anchors: Checkpoint) -> Inspection:
    main = read_main(directory)
    if main.findings:
        raise LedgerTampered(str(main.findings[0]))
    inspection = Inspection()
    if main.torn_at is not None:
        inspection.torn.append(Torn(directory / MAIN, main.torn_at))
    inspection.chart, _ = _walk([directory / ACCOUNTS], "chart", anchors.chart, inspection.torn)
    inspection.journal, inspection.journal_head = _walk(main.periods, "journal", anchors.journal, inspection.torn)
    return inspection


def _walk(paths: list[Path], chain: str, anchor: Anchor, torn: list[Torn]) -> tuple[list[Entry], str]:
    """The entries after the anchor, and the chain's last hash; a torn end into `torn`."""
    walk, pending, head = ChainWalk(anchor), [], anchor.head
    items = ((path, item) for path in paths for piece in pieces(path, header_of(path)) for item in scan(piece))
    ahead = next(items, None)
    kept = {}  # per file: where its last whole entry (or its header) ends
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
