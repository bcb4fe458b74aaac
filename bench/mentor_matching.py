"""Benchmark: one matching round for a whole programme (mentees and mentors spread over
districts), solved by the optimiser and by greedy baselines (first-fit, best-fit) on the same input.

All are scored the same way; the optimiser's objective is (mentees matched, total score),
so a baseline can only tie or lose on that pair."""
import random
import tempfile
import time
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.mentorship import rounds
from services.mentorship.models import DoNotMatch, Mentee as MenteeRow, Mentor as MentorRow
from shared.db import make_engine
from shared.migrations import upgrade
from services.mentorship.matching import (District, Mentee, Mentor, Proposal, Result, Rules, Unmatched, factors,
                                          key, solve)

TRADES = ("tailoring", "carpentry", "electrical", "mobile repair", "fishing", "livestock", "welding", "farming")
LANGUAGES = ("Somali", "Maay", "Arabic", "English", "Swahili", "Oromo")


def synthetic(mentees: int, mentors: int, districts: int, seed: int = 7) -> tuple[list, list, Rules]:
    """A programme-sized input: a quarter women, capacities 1-5, a few mentors unvetted or
    lapsed, ages in five-year bands (some mentors' unknown), and some pairs barred
    (declined before or on the do-not-match list)."""
    rng = random.Random(seed)
    names = [f"District-{d:02d}" for d in range(districts)]

    def languages():
        return tuple(rng.sample(LANGUAGES, rng.randint(1, 3)))

    waiting = [Mentee(f"P-{n:06d}", rng.choice(names), "F" if rng.random() < 0.25 else "M", languages(),
                      rng.choice(TRADES) if rng.random() < 0.9 else None, rng.choice((1995, 2000, 2005)))
               for n in range(mentees)]
    unavailable = ("not vetted", "vetting lapsed on 2026-10-01", "not available before 2027-01-10")
    registered = [Mentor(f"M-{n:06d}", rng.choice(names), "F" if rng.random() < 0.25 else "M", languages(),
                         rng.choice(TRADES), capacity := rng.randint(1, 5), rng.randint(0, capacity // 2),
                         unavailable=rng.choice(unavailable) if rng.random() < 0.06 else None,
                         birth_cohort=rng.choice((None, 1975, 1985, 1990, 1995, 2000)))
                  for n in range(mentors)]
    by_district = {name: [m for m in registered if m.district == name] for name in names}
    barred = {}
    for mentee in rng.sample(waiting, len(waiting) // 20):
        if by_district[mentee.district]:
            mentor = rng.choice(by_district[mentee.district])
            barred[mentee.participant_id, mentor.mentor_id] = rng.choice(("declined before", "do-not-match"))
    return waiting, registered, Rules(barred=barred)


def one_at_a_time(mentees: list[Mentee], mentors: list[Mentor], rules: Rules = Rules(),
                  best_fit: bool = False) -> Result:
    """The baselines: each mentee in turn takes the first allowed mentor with a free place
    (first-fit), or the one that scores highest for them at that moment (best-fit, what
    proposing one mentee at a time did)."""
    proposals = []
    for district_key in sorted({key(m.district) for m in mentees}):
        local = [m for m in mentees if key(m.district) == district_key]
        local_mentors = [m for m in mentors if key(m.district) == district_key]
        district = District(local, local_mentors, rules)
        taken = [mentor.load for mentor in local_mentors]
        for i, mentee in enumerate(local):
            free = [j for j in np.flatnonzero(district.allowed[i] & district.available)
                    if taken[j] < local_mentors[j].capacity]
            if not free:
                continue
            j = max(free, key=lambda j: sum(f["points"] for f in factors(mentee, local_mentors[j], taken[j]))) \
                if best_fit else free[0]
            found = factors(mentee, local_mentors[j], taken[j])
            proposals.append(Proposal(mentee.participant_id, local_mentors[j].mentor_id,
                                      sum(f["points"] for f in found), found))
            taken[j] += 1
    matched = {p.participant_id for p in proposals}
    return Result(proposals, [Unmatched(m.participant_id, "NOT_MATCHED", "no free place left when their turn came")
                              for m in mentees if m.participant_id not in matched])


def round_through_the_database(waiting: list[Mentee], registered: list[Mentor], rules: Rules) -> tuple[float, int]:
    """The whole round the service runs, on a scratch SQLite database: load the waiting mentees,
    the mentors and the barred pairs, solve, write every match as a draft, commit."""
    moment = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/mentorship.db")
        upgrade("mentorship", str(engine.url))
        with Session(engine) as session, session.begin():
            session.execute(insert(MenteeRow), [
                {"participant_id": m.participant_id, "district": m.district, "gender": m.gender,
                 "languages": list(m.languages), "livelihood_interest": m.trade, "phase": "AFTERCARE",
                 "consent_active": True} for m in waiting])
            session.execute(insert(MentorRow), [
                {"id": m.mentor_id, "district": m.district, "gender": m.gender, "languages": list(m.languages),
                 "trade": m.trade, "capacity": m.capacity - m.load, "vetted": m.unavailable is None,
                 "active": True, "registered_by": "bench", "registered_at": moment} for m in registered])
            session.execute(insert(DoNotMatch), [
                {"participant_id": participant_id, "mentor_id": mentor_id, "recorded_by": "bench",
                 "recorded_at": moment} for participant_id, mentor_id in rules.barred])
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            matched = rounds.run(session, None, "bench", moment, rules.women_with_women).matched
        elapsed = time.perf_counter() - started
        engine.dispose()
    return elapsed, matched


def main(mentees: int, mentors: int, districts: int) -> None:
    waiting, registered, rules = synthetic(mentees, mentors, districts)
    started = time.perf_counter()
    optimal = solve(waiting, registered, rules)
    solved = time.perf_counter() - started
    started = time.perf_counter()
    greedy = one_at_a_time(waiting, registered, rules)
    baseline = time.perf_counter() - started
    best_fit = one_at_a_time(waiting, registered, rules, best_fit=True)
    places = sum(m.capacity - m.load for m in registered if m.unavailable is None)
    print(f"mentor matching: {mentees:,} mentees, {mentors:,} mentors ({places:,} free places), "
          f"{districts} districts, {len(rules.barred):,} barred pairs")
    print(f"  optimiser (linear_sum_assignment): {solved:.2f} s, {len(optimal.proposals):,} matched, "
          f"total score {optimal.total:,}")
    print(f"  greedy first-fit baseline:         {baseline:.2f} s, {len(greedy.proposals):,} matched, "
          f"total score {greedy.total:,}")
    print(f"  greedy best-fit, one mentee at a time: {len(best_fit.proposals):,} matched, "
          f"total score {best_fit.total:,}")
    elapsed, matched = round_through_the_database(waiting, registered, rules)
    print(f"  the whole round on SQLite (load, solve, {matched:,} drafts written): {elapsed:.2f} s")
