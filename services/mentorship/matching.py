"""A matching round as an assignment problem. Pure functions: no database, no broker.

Every waiting mentee of a district is matched against every free place of that district's
mentors at once, solved exactly with scipy's `linear_sum_assignment`:

- Safeguards are hard: a pair that breaks one gets no edge, whatever it would score.
- Capacity is expanded into places, one column per free place of a mentor. A mentor's later
  places carry fewer load points, so work spreads across mentors and places fill in order.
- The objective is lexicographic: first as many mentees matched as possible (each match is
  worth more than any total of scores), then the highest total score.

Districts are independent (same district is a safeguard), so each is solved on its own.
"""
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

TRADE_POINTS = 3
LANGUAGE_POINTS = 1
AGE_POINTS = 2  # birth cohorts (five-year bands) the same; one less per band apart
LOAD_POINTS = 2  # an idle mentor's first place; places fill toward none


@dataclass(frozen=True)
class Mentee:
    participant_id: str
    district: str
    gender: str
    languages: tuple[str, ...]
    trade: str | None
    birth_cohort: int | None = None  # birth year rounded down to five, when known


@dataclass(frozen=True)
class Mentor:
    mentor_id: str
    district: str
    gender: str
    languages: tuple[str, ...]
    trade: str
    capacity: int
    load: int  # mentees already proposed to or accepted by this mentor
    participant_id: str | None = None
    unavailable: str | None = None  # why this mentor takes nobody now (vetting lapsed, ...)
    birth_cohort: int | None = None


@dataclass(frozen=True)
class Rules:
    women_with_women: bool = True
    # (participant_id, mentor_id) -> why the pair is barred ("declined before", "do-not-match")
    barred: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    participant_id: str
    mentor_id: str
    score: int
    factors: list[dict]


@dataclass(frozen=True)
class Unmatched:
    participant_id: str
    reason: str  # NO_MENTOR_IN_DISTRICT | NO_SUITABLE_MENTOR | NO_FREE_PLACE
    detail: str


@dataclass(frozen=True)
class Result:
    proposals: list[Proposal]
    unmatched: list[Unmatched]

    @property
    def total(self) -> int:
        return sum(p.score for p in self.proposals)


def key(text: str | None) -> str | None:
    """Districts, trades and languages compare without case or surrounding spaces."""
    return None if text is None else text.strip().lower()


def load_points(place: int, capacity: int) -> int:
    """Points for taking the mentor's `place`-th mentee (0-based); never increasing with place."""
    return LOAD_POINTS * (capacity - place) // capacity


def age_points(mentee_cohort: int | None, mentor_cohort: int | None) -> int:
    """Closer in age scores more; nothing when either age is unknown."""
    if mentee_cohort is None or mentor_cohort is None:
        return 0
    return max(0, AGE_POINTS - abs(mentee_cohort - mentor_cohort) // 5)


def factors(mentee: Mentee, mentor: Mentor, place: int) -> list[dict]:
    """Why a pair scores what it scores, factor by factor."""
    found = []
    if mentee.trade is not None and key(mentor.trade) == key(mentee.trade):
        found.append({"factor": "shared_trade", "value": mentor.trade, "points": TRADE_POINTS})
    spoken = {key(language) for language in mentor.languages}
    wanted = {key(language): language for language in mentee.languages}
    for language in sorted(wanted.keys() & spoken):
        found.append({"factor": "shared_language", "value": wanted[language], "points": LANGUAGE_POINTS})
    if points := age_points(mentee.birth_cohort, mentor.birth_cohort):
        found.append({"factor": "age_distance", "value": f"{abs(mentee.birth_cohort - mentor.birth_cohort)} years apart "
                      "(five-year bands)", "points": points})
    found.append({"factor": "mentor_load", "value": f"mentee {place + 1} of {mentor.capacity}",
                  "points": load_points(place, mentor.capacity)})
    return found


def solve(mentees: list[Mentee], mentors: list[Mentor], rules: Rules = Rules()) -> Result:
    """The optimal round for these mentees; `mentors` must hold every mentor of their
    districts (available or not), so that the unmatched can be told why."""
    by_district: dict[str, tuple[list, list]] = {}
    for mentee in mentees:
        by_district.setdefault(key(mentee.district), ([], []))[0].append(mentee)
    for mentor in mentors:
        if key(mentor.district) in by_district:
            by_district[key(mentor.district)][1].append(mentor)
    proposals, unmatched = [], []
    for district in sorted(by_district):
        result = solve_district(*by_district[district], rules)
        proposals += result.proposals
        unmatched += result.unmatched
    return Result(proposals, unmatched)


class District:
    """One district's mentees and mentors as arrays: who may be paired and what each pair scores."""

    def __init__(self, mentees: list[Mentee], mentors: list[Mentor], rules: Rules):
        self.mentees, self.mentors = mentees, mentors
        n, m = len(mentees), len(mentors)
        self.gender_barred = np.zeros((n, m), dtype=bool)
        if rules.women_with_women:
            self.gender_barred = (np.array([e.gender == "F" for e in mentees], dtype=bool)[:, None]
                                  & np.array([t.gender != "F" for t in mentors], dtype=bool)[None, :])
        self.pair_barred: dict[tuple[int, int], str] = {}
        row = {e.participant_id: i for i, e in enumerate(mentees)}
        column = {t.mentor_id: j for j, t in enumerate(mentors)}
        for (participant_id, mentor_id), reason in rules.barred.items():
            if participant_id in row and mentor_id in column:
                self.pair_barred[row[participant_id], column[mentor_id]] = reason
        for j, mentor in enumerate(mentors):
            if mentor.participant_id in row:
                self.pair_barred[row[mentor.participant_id], j] = "is the mentee"
        self.allowed = ~self.gender_barred
        for i, j in self.pair_barred:
            self.allowed[i, j] = False
        self.available = np.array([t.unavailable is None and t.load < t.capacity for t in mentors], dtype=bool)
        self.scores = self._scores()

    def _scores(self) -> np.ndarray:
        trades = {}
        mentee_trades = np.array([trades.setdefault(key(e.trade), len(trades)) if e.trade else -1
                                  for e in self.mentees], dtype=np.int64)
        mentor_trades = np.array([trades.setdefault(key(t.trade), len(trades)) for t in self.mentors], dtype=np.int64)
        languages: dict[str, int] = {}
        for person in (*self.mentees, *self.mentors):
            for language in person.languages:
                languages.setdefault(key(language), len(languages))
        spoken = np.zeros((len(self.mentees), len(languages)), dtype=np.int32)
        for i, mentee in enumerate(self.mentees):
            spoken[i, [languages[key(language)] for language in mentee.languages]] = 1
        speaks = np.zeros((len(self.mentors), len(languages)), dtype=np.int32)
        for j, mentor in enumerate(self.mentors):
            speaks[j, [languages[key(language)] for language in mentor.languages]] = 1
        shared_trade = (mentee_trades[:, None] == mentor_trades[None, :]) & (mentee_trades[:, None] >= 0)
        return (TRADE_POINTS * shared_trade.astype(np.int64) + LANGUAGE_POINTS * (spoken @ speaks.T)
                + self._age_scores())

    def _age_scores(self) -> np.ndarray:
        mentee_ages = np.array([e.birth_cohort if e.birth_cohort is not None else -1 for e in self.mentees],
                               dtype=np.int64)
        mentor_ages = np.array([t.birth_cohort if t.birth_cohort is not None else -1 for t in self.mentors],
                               dtype=np.int64)
        apart = np.abs(mentee_ages[:, None] - mentor_ages[None, :]) // 5
        known = (mentee_ages[:, None] >= 0) & (mentor_ages[None, :] >= 0)
        return np.where(known, np.maximum(0, AGE_POINTS - apart), 0)

    def why_unmatched(self, i: int) -> Unmatched:
        mentee = self.mentees[i]
        if not self.mentors:
            return Unmatched(mentee.participant_id, "NO_MENTOR_IN_DISTRICT",
                             f"no mentor is registered in {mentee.district}")
        if np.any(self.allowed[i] & self.available):
            return Unmatched(mentee.participant_id, "NO_FREE_PLACE",
                             "every place with a mentor who may take them went to another mentee")
        reasons = Counter()
        for j, mentor in enumerate(self.mentors):
            if mentor.unavailable is not None:
                reasons[mentor.unavailable] += 1
            elif self.gender_barred[i, j]:
                reasons["women are matched with women mentors only"] += 1
            elif (i, j) in self.pair_barred:
                reasons[self.pair_barred[i, j]] += 1
            else:
                reasons["at capacity"] += 1
        detail = "; ".join(f"{count} of {len(self.mentors)}: {reason}" for reason, count in sorted(reasons.items()))
        return Unmatched(mentee.participant_id, "NO_SUITABLE_MENTOR",
                         f"no mentor in {mentee.district} may take them ({detail})")


def solve_district(mentees: list[Mentee], mentors: list[Mentor], rules: Rules = Rules()) -> Result:
    """The optimal assignment of one district's mentees to its mentors' free places."""
    district = District(mentees, mentors, rules)
    places = [(j, place) for j, mentor in enumerate(mentors) if district.available[j]
              for place in range(mentor.load, mentor.capacity)]
    matched: dict[int, tuple[int, int]] = {}
    if mentees and places:
        columns = np.array([j for j, _ in places])
        bonus = np.array([load_points(place, mentors[j].capacity) for j, place in places])
        weights = district.scores[:, columns] + bonus[None, :]
        every_match_first = int(weights.max()) * min(len(mentees), len(places)) + 1
        weights = np.where(district.allowed[:, columns], weights + every_match_first, 0)
        rows, chosen = linear_sum_assignment(weights, maximize=True)
        taken: dict[int, list[int]] = {}
        for i, c in zip(rows, chosen):
            if weights[i, c] > 0:
                taken.setdefault(places[int(c)][0], []).append(int(i))
        for j, rows_of_mentor in taken.items():  # equal load points may skip a place: number them in order
            for place, i in enumerate(sorted(rows_of_mentor), start=mentors[j].load):
                matched[i] = (j, place)
    proposals = [_proposal(mentees[i], mentors[j], place) for i, (j, place) in sorted(matched.items())]
    unmatched = [district.why_unmatched(i) for i in range(len(mentees)) if i not in matched]
    return Result(proposals, unmatched)


def _proposal(mentee: Mentee, mentor: Mentor, place: int) -> Proposal:
    found = factors(mentee, mentor, place)
    return Proposal(mentee.participant_id, mentor.mentor_id, sum(f["points"] for f in found), found)
