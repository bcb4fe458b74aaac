"""The matching optimiser without a database: safeguards hold, the score explains itself, the
solver finds the optimum (checked by brute force) and never loses to greedy first-fit."""
import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from bench.mentor_matching import one_at_a_time, synthetic
from services.mentorship.matching import Mentee, Mentor, Rules, factors, load_points, solve

MENTEE = Mentee(participant_id="P-7K3M9Q", district="Baidoa", gender="F", languages=("Somali", "Maay"),
                trade="tailoring")
MENTOR = Mentor(mentor_id="M-AAAAAA", district="Baidoa", gender="F", languages=("Arabic",), trade="carpentry",
                capacity=2, load=0)


def pairs(result) -> list[tuple[str, str]]:
    return [(p.participant_id, p.mentor_id) for p in result.proposals]


def test_a_mentor_breaking_no_safeguard_is_proposed_with_the_load_factor():
    result = solve([MENTEE], [MENTOR])
    assert pairs(result) == [("P-7K3M9Q", "M-AAAAAA")]
    assert result.proposals[0].factors == [{"factor": "mentor_load", "value": "mentee 1 of 2", "points": 2}]
    assert result.unmatched == []


@pytest.mark.parametrize("mentor, rules, detail", [
    (replace(MENTOR, gender="M"), Rules(), "1 of 1: women are matched with women mentors only"),
    (replace(MENTOR, unavailable="vetting lapsed on 2026-10-01"), Rules(), "1 of 1: vetting lapsed on 2026-10-01"),
    (replace(MENTOR, load=2), Rules(), "1 of 1: at capacity"),
    (replace(MENTOR, load=3), Rules(), "1 of 1: at capacity"),
    (MENTOR, Rules(barred={("P-7K3M9Q", "M-AAAAAA"): "declined before"}), "1 of 1: declined before"),
    (MENTOR, Rules(barred={("P-7K3M9Q", "M-AAAAAA"): "on the do-not-match list"}),
     "1 of 1: on the do-not-match list"),
    (replace(MENTOR, participant_id="P-7K3M9Q"), Rules(), "1 of 1: is the mentee"),
])
def test_each_safeguard_leaves_the_mentee_unmatched_with_its_reason(mentor, rules, detail):
    result = solve([MENTEE], [mentor], rules)
    assert result.proposals == []
    [unmatched] = result.unmatched
    assert (unmatched.participant_id, unmatched.reason) == ("P-7K3M9Q", "NO_SUITABLE_MENTOR")
    assert unmatched.detail == f"no mentor in Baidoa may take them ({detail})"


def test_every_mentor_is_counted_in_the_explanation():
    mentors = [replace(MENTOR, mentor_id="M-MAN001", gender="M"), replace(MENTOR, mentor_id="M-MAN002", gender="M"),
               replace(MENTOR, mentor_id="M-NEW001", unavailable="not vetted")]
    [unmatched] = solve([MENTEE], mentors).unmatched
    assert unmatched.detail == ("no mentor in Baidoa may take them (1 of 3: not vetted; "
                                "2 of 3: women are matched with women mentors only)")


def test_no_mentor_in_the_district():
    [unmatched] = solve([MENTEE], [replace(MENTOR, district="Kismayo")]).unmatched
    assert (unmatched.reason, unmatched.detail) == ("NO_MENTOR_IN_DISTRICT", "no mentor is registered in Baidoa")


def test_suitable_mentors_whose_places_went_to_others():
    others = [replace(MENTEE, participant_id=f"P-00000{n}") for n in range(3)]
    result = solve(others, [MENTOR])
    assert len(result.proposals) == 2
    [unmatched] = result.unmatched
    assert unmatched.reason == "NO_FREE_PLACE"


def test_women_with_women_can_be_switched_off_and_men_may_have_women_mentors():
    man = replace(MENTOR, gender="M")
    assert pairs(solve([MENTEE], [man], Rules(women_with_women=False))) == [("P-7K3M9Q", "M-AAAAAA")]
    assert pairs(solve([replace(MENTEE, gender="M")], [MENTOR])) == [("P-7K3M9Q", "M-AAAAAA")]


def test_district_trade_and_language_compare_without_case_or_spaces():
    mentor = replace(MENTOR, district=" baidoa", trade="Tailoring", languages=("somali", "maay ", "English"))
    [proposal] = solve([MENTEE], [mentor]).proposals
    assert proposal.factors == [
        {"factor": "shared_trade", "value": "Tailoring", "points": 3},
        {"factor": "shared_language", "value": "Maay", "points": 1},
        {"factor": "shared_language", "value": "Somali", "points": 1},
        {"factor": "mentor_load", "value": "mentee 1 of 2", "points": 2}]
    assert proposal.score == 7


def test_closer_ages_score_more_and_unknown_ages_score_nothing():
    young, older = replace(MENTEE, birth_cohort=2000), replace(MENTOR, birth_cohort=1995)
    [age] = [f for f in factors(young, older, 0) if f["factor"] == "age_distance"]
    assert age == {"factor": "age_distance", "value": "5 years apart (five-year bands)", "points": 1}
    assert [f["points"] for f in factors(young, replace(older, birth_cohort=2000), 0)
            if f["factor"] == "age_distance"] == [2]
    assert not [f for f in factors(young, replace(older, birth_cohort=1980), 0) if f["factor"] == "age_distance"]
    assert not [f for f in factors(MENTEE, older, 0) if f["factor"] == "age_distance"]
    peer = replace(MENTOR, mentor_id="M-BBBBBB", birth_cohort=2000)
    assert solve([young], [older, peer]).proposals[0].mentor_id == "M-BBBBBB"


def test_load_points_fall_as_a_mentor_fills():
    assert [load_points(place, 3) for place in range(3)] == [2, 1, 0]
    assert [load_points(place, 5) for place in range(5)] == [2, 1, 1, 0, 0]
    assert load_points(0, 1) == 2


def test_work_spreads_to_the_idle_mentor():
    busy = replace(MENTOR, mentor_id="M-BUSY00", capacity=3, load=2)
    idle = replace(MENTOR, mentor_id="M-IDLE00", capacity=3, load=0)
    assert pairs(solve([MENTEE], [busy, idle])) == [("P-7K3M9Q", "M-IDLE00")]


def test_the_round_beats_one_at_a_time():
    """First-fit gives the only tailor to the first mentee; the optimum gives each their trade."""
    first = replace(MENTEE, participant_id="P-000001", trade=None, languages=("Arabic",))
    second = replace(MENTEE, participant_id="P-000002", trade="tailoring", languages=("Arabic",))
    tailor = replace(MENTOR, mentor_id="M-TAILOR", trade="tailoring", capacity=1)
    other = replace(MENTOR, mentor_id="M-OTHER0", trade="fishing", capacity=1)
    optimal = solve([first, second], [tailor, other])
    assert sorted(pairs(optimal)) == [("P-000001", "M-OTHER0"), ("P-000002", "M-TAILOR")]
    for best_fit in (False, True):
        assert one_at_a_time([first, second], [tailor, other], best_fit=best_fit).total < optimal.total


def test_matching_everyone_comes_before_a_higher_score():
    """A perfect pair that would leave someone without a mentor is not chosen."""
    perfect = replace(MENTEE, participant_id="P-000001")
    only_one_fits = replace(MENTEE, participant_id="P-000002", gender="F", languages=("Arabic",), trade=None)
    tailor = replace(MENTOR, mentor_id="M-TAILOR", trade="tailoring", languages=("Somali", "Maay"), capacity=1)
    man = replace(MENTOR, mentor_id="M-MAN000", gender="M", capacity=1)
    result = solve([perfect, replace(only_one_fits, gender="M")], [tailor, man])
    assert len(result.proposals) == 2
    assert sorted(pairs(result)) == [("P-000001", "M-TAILOR"), ("P-000002", "M-MAN000")]


# --- optimality against brute force ----------------------------------------------------------

def pair_score(mentee, mentor) -> int:
    """The score without the load factor, computed here independently of the solver."""
    norm = lambda text: text.strip().lower()  # noqa: E731
    trade = 3 if mentee.trade is not None and norm(mentee.trade) == norm(mentor.trade) else 0
    known = mentee.birth_cohort is not None and mentor.birth_cohort is not None
    age = {0: 2, 5: 1}.get(abs(mentee.birth_cohort - mentor.birth_cohort), 0) if known else 0
    return trade + age + len({norm(x) for x in mentee.languages} & {norm(x) for x in mentor.languages})


def brute_force(mentees, mentors, rules) -> tuple[int, int]:
    """The best (matched, total score) over every way to assign mentees to mentors or to nobody."""
    best = (0, 0)
    for choice in itertools.product([None, *mentors], repeat=len(mentees)):
        chosen = [(e, m) for e, m in zip(mentees, choice) if m is not None]
        if any(breaks_a_rule(e, m, rules) for e, m in chosen):
            continue
        taken = {m.mentor_id: sum(1 for _, other in chosen if other is m) for _, m in chosen}
        if any(m.load + taken[m.mentor_id] > m.capacity for _, m in chosen):
            continue
        load = sum(load_points(place, m.capacity) for m in mentors
                   for place in range(m.load, m.load + taken.get(m.mentor_id, 0)))
        best = max(best, (len(chosen), sum(pair_score(e, m) for e, m in chosen) + load))
    return best


def breaks_a_rule(mentee, mentor, rules) -> bool:
    return (mentee.district.strip().lower() != mentor.district.strip().lower()
            or mentor.unavailable is not None
            or (rules.women_with_women and mentee.gender == "F" and mentor.gender != "F")
            or (mentee.participant_id, mentor.mentor_id) in rules.barred
            or mentor.participant_id == mentee.participant_id)


DISTRICTS = ("Baidoa", "baidoa ", "Kismayo")
LANGUAGES = ("Somali", "Maay", "Arabic")
TRADES = ("tailoring", "fishing", "carpentry")
COHORTS = (None, 1980, 1995, 2000, 2005)


@st.composite
def instances(draw, max_mentees=5, max_mentors=3):
    mentees = [Mentee(f"P-00000{n}", draw(st.sampled_from(DISTRICTS)), draw(st.sampled_from("FM")),
                      tuple(draw(st.sets(st.sampled_from(LANGUAGES), min_size=1))),
                      draw(st.sampled_from((*TRADES, None))), draw(st.sampled_from(COHORTS)))
               for n in range(draw(st.integers(1, max_mentees)))]
    mentors = []
    for n in range(draw(st.integers(1, max_mentors))):
        capacity = draw(st.integers(1, 3))
        mentors.append(Mentor(f"M-00000{n}", draw(st.sampled_from(DISTRICTS)), draw(st.sampled_from("FM")),
                              tuple(draw(st.sets(st.sampled_from(LANGUAGES), min_size=1))),
                              draw(st.sampled_from(TRADES)), capacity, draw(st.integers(0, capacity)),
                              participant_id=draw(st.sampled_from([None] + [m.participant_id for m in mentees])),
                              unavailable=draw(st.sampled_from([None, None, None, "not vetted"])),
                              birth_cohort=draw(st.sampled_from(COHORTS))))
    every_pair = [(e.participant_id, m.mentor_id) for e in mentees for m in mentors]
    barred = draw(st.sets(st.sampled_from(every_pair))) if every_pair else set()
    return mentees, mentors, Rules(draw(st.booleans()), {pair: "declined before" for pair in barred})


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_solver_finds_the_brute_force_optimum(instance):
    mentees, mentors, rules = instance
    result = solve(mentees, mentors, rules)
    assert (len(result.proposals), result.total) == brute_force(mentees, mentors, rules)


@settings(max_examples=300, deadline=None)
@given(instances(max_mentees=12, max_mentors=6))
def test_no_match_ever_breaks_a_safeguard_or_a_capacity(instance):
    mentees, mentors, rules = instance
    result = solve(mentees, mentors, rules)
    by_id = {m.mentor_id: m for m in mentors}
    mentee_by_id = {m.participant_id: m for m in mentees}
    for proposal in result.proposals:
        assert not breaks_a_rule(mentee_by_id[proposal.participant_id], by_id[proposal.mentor_id], rules)
        assert proposal.score == sum(f["points"] for f in proposal.factors)
    taken = {}
    for proposal in result.proposals:
        taken[proposal.mentor_id] = taken.get(proposal.mentor_id, 0) + 1
    assert all(by_id[mentor_id].load + count <= by_id[mentor_id].capacity for mentor_id, count in taken.items())
    assert sorted([p.participant_id for p in result.proposals] + [u.participant_id for u in result.unmatched]) == \
        sorted(mentee_by_id)
    for best_fit in (False, True):
        greedy = one_at_a_time(mentees, mentors, rules, best_fit)
        assert (len(greedy.proposals), greedy.total) <= (len(result.proposals), result.total)


@pytest.mark.parametrize("best_fit", [False, True])
def test_a_programme_sized_round_beats_one_at_a_time(best_fit):
    mentees, mentors, rules = synthetic(1000, 250, 6)
    optimal, greedy = solve(mentees, mentors, rules), one_at_a_time(mentees, mentors, rules, best_fit)
    assert len(optimal.proposals) >= len(greedy.proposals)
    assert optimal.total > greedy.total
