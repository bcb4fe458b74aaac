"""Case phases and the only transitions allowed between them (DESIGN.md §2)."""
from shared.errors import IllegalTransition

OPEN_PHASES = ("ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE")
NEXT = {
    "ENTRY_ASSESSMENT": "REHABILITATION",
    "REHABILITATION": "EXIT_ASSESSMENT",
    "EXIT_ASSESSMENT": "AFTERCARE",
    "AFTERCARE": "CLOSED",
}


def check_transition(current: str, target: str) -> None:
    if current == target:
        raise IllegalTransition(f"participant is already in {current}")
    if target == "WITHDRAWN" and current in OPEN_PHASES:
        return
    if NEXT.get(current) != target:
        allowed = [p for p in (NEXT.get(current), "WITHDRAWN" if current in OPEN_PHASES else None) if p]
        raise IllegalTransition(
            f"cannot move from {current} to {target}; allowed: {', '.join(allowed) or 'none'}")
