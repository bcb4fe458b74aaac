"""Case phases, the only transitions allowed between them, and what each one needs."""
from datetime import date

from dateutil.relativedelta import relativedelta

from shared.errors import IllegalTransition

OPEN_PHASES = ("ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE")
NEXT = {
    "ENTRY_ASSESSMENT": "REHABILITATION",
    "REHABILITATION": "EXIT_ASSESSMENT",
    "EXIT_ASSESSMENT": "AFTERCARE",
    "AFTERCARE": "CLOSED",
}
# Moving forward out of these phases needs the assessment of that phase on record.
ASSESSMENT_OF = {"ENTRY_ASSESSMENT": "ENTRY", "EXIT_ASSESSMENT": "EXIT"}
AFTERCARE_MONTHS = 6


def check_transition(current: str, target: str) -> None:
    if current == target:
        raise IllegalTransition(f"participant is already in {current}")
    if target == "WITHDRAWN" and current in OPEN_PHASES:
        return
    if NEXT.get(current) != target:
        allowed = [p for p in (NEXT.get(current), "WITHDRAWN" if current in OPEN_PHASES else None) if p]
        raise IllegalTransition(
            f"cannot move from {current} to {target}; allowed: {', '.join(allowed) or 'none'}")


def required_assessment(current: str, target: str) -> str | None:
    return None if target == "WITHDRAWN" else ASSESSMENT_OF.get(current)


def aftercare_ends_on(started_on: date) -> date:
    """Community-based reintegration lasts at most six months."""
    return started_on + relativedelta(months=AFTERCARE_MONTHS)
