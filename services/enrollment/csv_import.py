"""Bulk enrollment from the CSV files field teams keep.

Every row ends in a report line: CREATED, POSSIBLE_DUPLICATE (held for an officer),
ALREADY_ENROLLED / ALREADY_HELD (a re-import: nothing new), or REJECTED with the reason.
A bad row never stops or half-applies the others: rows are validated before anything
is written, and written in chunks that commit together.
"""
import csv
import io
from dataclasses import dataclass
from contextlib import AbstractContextManager
from typing import Callable, Iterator

from sqlalchemy.orm import Session

from services.enrollment import participants
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import EnrollParticipant
from shared.errors import ValidationFailed
from shared.validation import parse

COLUMNS = ("full_name", "phone", "national_id", "date_of_birth", "gender", "district", "languages",
           "livelihood_interest", "clearance_reference", "consent_given_on")
OPTIONAL = {"livelihood_interest"}
CHUNK = 500


@dataclass
class RowReport:
    row: int
    status: str
    participant_id: str | None = None
    held_id: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _records(data: bytes) -> Iterator[tuple[int, dict | str]]:
    """(line number, fields) per data row, or (line number, error) for a row that is
    not valid UTF-8. The header must name every column."""
    text = data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise ValidationFailed("CSV header: " + "; ".join(
            part for part in (missing and f"missing columns {', '.join(missing)}",
                              unknown and f"unknown columns {', '.join(unknown)}") if part))
    reader.fieldnames = header
    for fields in reader:
        line = reader.line_num
        values = list(fields.values())
        if any(isinstance(v, str) and any("\udc80" <= ch <= "\udcff" for ch in v) for v in values):
            yield line, "not valid UTF-8 (save the file as UTF-8)"
        elif None in fields or any(v is None for v in values):
            yield line, f"expected {len(COLUMNS)} fields"
        else:
            yield line, fields


def _command(fields: dict) -> EnrollParticipant:
    data = {k: v.strip() for k, v in fields.items() if not (k in OPTIONAL and not v.strip())}
    data["languages"] = [lang.strip() for lang in data["languages"].replace(",", ";").split(";") if lang.strip()]
    data["consent"] = {"given_on": data.pop("consent_given_on")}
    return parse(EnrollParticipant, data)


def import_rows(transaction: Callable[[], AbstractContextManager[Session]], vault: PiiVault, index: BlindIndex,
                data: bytes, actor: str, emit, district: str | None = None,
                pause: Callable[[], None] = lambda: None) -> list[RowReport]:
    """Import, a chunk per `transaction()` (the unit of work's: a race lost there is a
    `ConcurrentUpdate`); `district` restricts an officer to their own; `pause` lets the
    caller yield between chunks (nameko's hub must keep breathing)."""
    reports, pending = [], []
    for line, fields in _records(data):
        if isinstance(fields, str):
            reports.append(RowReport(line, "REJECTED", reason=fields))
            continue
        try:
            command = _command(fields)
        except ValidationFailed as exc:
            reports.append(RowReport(line, "REJECTED", reason=exc.message))
            continue
        if district and command.district != district:
            reports.append(RowReport(line, "REJECTED", reason=f"district {command.district} is not yours"))
            continue
        pending.append((line, command))
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start:start + CHUNK]
        with transaction() as session:
            outcomes = participants.enroll_many(session, vault, index, [c for _, c in chunk], actor, emit)
        reports += [RowReport(line, o.status, o.participant_id, o.held_id) for (line, _), o in zip(chunk, outcomes)]
        pause()
    return sorted(reports, key=lambda r: r.row)


def summary(reports: list[RowReport]) -> dict:
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.status] = counts.get(report.status, 0) + 1
    return {"rows": len(reports), "counts": counts, "report": [r.as_dict() for r in reports]}
