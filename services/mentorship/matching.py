"""Who may mentor whom, and who fits best. Pure functions: no database, no broker.

Safeguards are hard: a mentor who breaks one is never proposed, whatever the score.
Among the rest the score decides (shared trade, shared languages); a lower load breaks
ties so work spreads across mentors. When nobody fits, every candidate's reasons are
returned so the officer can see why.
"""
from dataclasses import dataclass, field

WOMEN_WITH_WOMEN = True
TRADE_POINTS = 3
LANGUAGE_POINTS = 1
OPEN_STATUSES = frozenset({"PROPOSED", "ACCEPTED"})


@dataclass(frozen=True)
class MenteeFacts:
    participant_id: str
    district: str
    gender: str
    languages: tuple[str, ...]
    livelihood_interest: str | None


@dataclass(frozen=True)
class MentorFacts:
    mentor_id: str
    district: str
    gender: str
    languages: tuple[str, ...]
    trade: str
    capacity: int
    vetted: bool
    active: bool
    load: int
    participant_id: str | None = None
    history: frozenset[str] = frozenset()  # statuses of earlier offers between this pair


@dataclass(frozen=True)
class Match:
    mentor_id: str
    score: int
    factors: list[dict]


@dataclass(frozen=True)
class Outcome:
    best: Match | None
    excluded: dict[str, list[str]] = field(default_factory=dict)


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


def exclusions(mentee: MenteeFacts, mentor: MentorFacts,
               women_with_women: bool = WOMEN_WITH_WOMEN) -> list[str]:
    """Every safeguard this mentor breaks for this mentee; empty means allowed."""
    reasons = []
    if not mentor.vetted:
        reasons.append("not vetted")
    if not mentor.active:
        reasons.append("not active")
    if not _same(mentor.district, mentee.district):
        reasons.append(f"works in {mentor.district}, not {mentee.district}")
    if women_with_women and mentee.gender == "F" and mentor.gender != "F":
        reasons.append("women are matched with women mentors only")
    if mentor.participant_id is not None and mentor.participant_id == mentee.participant_id:
        reasons.append("is the mentee")
    if mentor.load >= mentor.capacity:
        reasons.append(f"at capacity ({mentor.load} of {mentor.capacity})")
    if "DECLINED" in mentor.history:
        reasons.append("declined this mentee before")
    if mentor.history & OPEN_STATUSES:
        reasons.append("already has an open offer for this mentee")
    return reasons


def score(mentee: MenteeFacts, mentor: MentorFacts) -> Match:
    factors = []
    if _same(mentor.trade, mentee.livelihood_interest):
        factors.append({"factor": "shared_trade", "value": mentor.trade, "points": TRADE_POINTS})
    spoken = {language.strip().lower() for language in mentor.languages}
    wanted = {language.strip().lower(): language for language in mentee.languages}
    for key in sorted(wanted.keys() & spoken):
        factors.append({"factor": "shared_language", "value": wanted[key], "points": LANGUAGE_POINTS})
    return Match(mentor.mentor_id, sum(f["points"] for f in factors), factors)


def choose(mentee: MenteeFacts, mentors: list[MentorFacts],
           women_with_women: bool = WOMEN_WITH_WOMEN) -> Outcome:
    """The best allowed mentor (highest score, then lowest load, then id), or why none.

    `mentors` must include every mentor of the mentee's district, so that an empty
    list means the district has none.
    """
    excluded, allowed = {}, []
    for mentor in mentors:
        reasons = exclusions(mentee, mentor, women_with_women)
        if reasons:
            excluded[mentor.mentor_id] = reasons
        else:
            allowed.append((score(mentee, mentor), mentor))
    if not allowed:
        return Outcome(None, excluded)
    best, _ = min(allowed, key=lambda pair: (-pair[0].score, pair[1].load, pair[1].mentor_id))
    return Outcome(best, excluded)


def explain(mentee: MenteeFacts, outcome: Outcome) -> str:
    """One sentence an officer can act on: why no mentor was proposed."""
    if not outcome.excluded:
        return f"no mentor is registered in {mentee.district}, the district of {mentee.participant_id}"
    details = "; ".join(f"{mentor_id}: {', '.join(reasons)}"
                        for mentor_id, reasons in sorted(outcome.excluded.items()))
    return f"no suitable mentor for {mentee.participant_id}: {details}"
