"""Beancount's own checks (verify's `--beancount` pass), one part of the ledger at a time
in worker processes.

Beancount's loader is slow (about 6 s and 420 MB per 100,000 transactions here, with the
garbage collector off). It runs as `loader.load_file` does:
parse, booking, the plugins (pad, documents, balance) and the validations, except that
booking is left out when every posting already has its amount and currency and no cost or
price (all the suite writes): booking then returns the postings as they are, and no error. Each worker loads a generated source: the
real main file's options and chart of accounts (line for line, its period includes left
out), then one transaction per day carrying what the rest of the ledger adds to each account
before the part's balance assertions (so they check what they would in one load), then the
part itself: a run of whole directives of one period file, read from the file by byte range.
Errors are named by the real file and line.
"""
import gc
import os

from beancount import loader
from beancount.core import data
from beancount.core.number import MISSING
from beancount.ops import validation
from beancount.parser import booking


def booked(entry) -> bool:
    """Whether booking would leave the entry as it is: no posting lacks a number or a
    currency, and none has a cost or a price to match against lots."""
    return not isinstance(entry, data.Transaction) or all(
        posting.cost is None and posting.price is None and posting.units is not MISSING
        and posting.units.number is not MISSING and posting.units.currency is not MISSING
        for posting in entry.postings)


def check(sources: list[tuple[str, bool]]) -> list:
    """Beancount's loader pipeline (as `loader._load`), with booking only where it changes something."""
    entries, errors, options = loader._parse_recursive(sources, None)
    entries.sort(key=data.entry_sortkey)
    if not all(booked(entry) for entry in entries):
        entries, booking_errors = booking.book(entries, options)
        errors.extend(booking_errors)
    entries, errors = loader.run_transformations(entries, errors, options, None)
    return errors + validation.validate(entries, options)


def load(main: str | None = None, source: str | None = None) -> list[tuple]:
    """Beancount's checks over a file or a source text, as (file, line, message) of each
    error. The garbage collector is off meanwhile: the loader makes millions of objects and
    no garbage cycles, and runs about a third faster."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        errors = check([(main, True)] if main else [(source, False)])
    finally:
        if collecting:
            gc.enable()
    found = []
    for error in errors:
        source = error.source or {}
        line = source.get("lineno")
        found.append((source.get("filename", "?" if error.source else ""), line if isinstance(line, int) else 0,
                      error.message))
    return found


def load_part(header: str, opening_text: str, path: str, start: int, end: int, line: int, main: str) -> list[tuple]:
    """In a worker: the bytes `start:end` of a period file (its line `line` first), after the
    real main file's first lines and what the part carries from the rest of the ledger."""
    with open(path, "rb") as handle:
        handle.seek(start)
        part = handle.read(end - start).decode("utf-8", errors="replace")
    headed, before = header.count("\n"), header.count("\n") + opening_text.count("\n")
    found = []
    for name, number, message in load(source=header + opening_text + part):
        if os.path.isabs(name):
            found.append((name, number, message))
        elif number <= headed:
            found.append((main, number, message))
        elif number <= before:
            found.append(("", 0, f"bug in verify: Beancount refuses what it carries into {path}: {message}"))
        else:
            found.append((path, line + number - before - 1, message))
    return found

