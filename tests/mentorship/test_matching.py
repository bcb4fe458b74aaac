"""Matching rules without a database: each safeguard excludes, the score ranks, and an
empty result says why."""
from dataclasses import replace

import pytest

from services.mentorship.matching import MenteeFacts, MentorFacts, choose, exclusions, explain, score

MENTEE = MenteeFacts(participant_id="P-7K3M9Q", district="Baidoa", gender="F",
                     languages=("Somali", "Maay"), livelihood_interest="tailoring")
MENTOR = MentorFacts(mentor_id="M-AAAAAA", district="Baidoa", gender="F", languages=("Arabic",),
                     trade="carpentry", capacity=2, vetted=True, active=True, load=0)


def test_a_mentor_breaking_no_safeguard_is_allowed():
    assert exclusions(MENTEE, MENTOR) == []
    assert choose(MENTEE, [MENTOR]).best.mentor_id == "M-AAAAAA"


@pytest.mark.parametrize("change, reason", [
    ({"vetted": False}, "not vetted"),
    ({"active": False}, "not active"),
    ({"district": "Kismayo"}, "works in Kismayo, not Baidoa"),
    ({"gender": "M"}, "women are matched with women mentors only"),
    ({"load": 2}, "at capacity (2 of 2)"),
    ({"load": 3}, "at capacity (3 of 2)"),
    ({"history": frozenset({"DECLINED"})}, "declined this mentee before"),
    ({"history": frozenset({"PROPOSED"})}, "already has an open offer for this mentee"),
    ({"history": frozenset({"ACCEPTED"})}, "already has an open offer for this mentee"),
    ({"participant_id": "P-7K3M9Q"}, "is the mentee"),
])
def test_each_safeguard_excludes_with_its_reason(change, reason):
    mentor = replace(MENTOR, **change)
    assert exclusions(MENTEE, mentor) == [reason]
    outcome = choose(MENTEE, [mentor])
    assert outcome.best is None
    assert outcome.excluded == {"M-AAAAAA": [reason]}


def test_every_broken_safeguard_is_reported_not_just_the_first():
    mentor = replace(MENTOR, vetted=False, gender="M", load=2)
    assert exclusions(MENTEE, mentor) == [
        "not vetted", "women are matched with women mentors only", "at capacity (2 of 2)"]


def test_a_man_may_have_a_woman_mentor():
    assert exclusions(replace(MENTEE, gender="M"), MENTOR) == []


def test_women_with_women_is_the_default_but_can_be_switched_off():
    male = replace(MENTOR, gender="M")
    assert exclusions(MENTEE, male, women_with_women=False) == []
    assert choose(MENTEE, [male], women_with_women=False).best.mentor_id == male.mentor_id


def test_below_capacity_and_expired_history_do_not_exclude():
    mentor = replace(MENTOR, load=1, history=frozenset({"EXPIRED"}))
    assert exclusions(MENTEE, mentor) == []


def test_district_comparison_ignores_case_and_spaces():
    assert exclusions(MENTEE, replace(MENTOR, district=" baidoa")) == []


def test_score_counts_shared_trade_and_each_shared_language():
    mentor = replace(MENTOR, trade="Tailoring", languages=("somali", "Maay", "English"))
    match = score(MENTEE, mentor)
    assert match.score == 5
    assert match.factors == [
        {"factor": "shared_trade", "value": "Tailoring", "points": 3},
        {"factor": "shared_language", "value": "Maay", "points": 1},
        {"factor": "shared_language", "value": "Somali", "points": 1},
    ]


def test_score_is_zero_with_nothing_in_common_and_no_interest():
    match = score(replace(MENTEE, livelihood_interest=None), replace(MENTOR, trade="tailoring"))
    assert (match.score, match.factors) == (0, [])


def test_a_language_listed_twice_scores_once():
    match = score(replace(MENTEE, languages=("Somali", "somali ")), replace(MENTOR, languages=("Somali",)))
    assert match.score == 1


def test_shared_trade_outweighs_two_shared_languages():
    languages = replace(MENTOR, mentor_id="M-LANGSS", languages=("Somali", "Maay"))
    trade = replace(MENTOR, mentor_id="M-TRADEE", trade="tailoring")
    outcome = choose(MENTEE, [languages, trade])
    assert outcome.best.mentor_id == "M-TRADEE"
    assert outcome.best.score == 3


def test_equal_scores_go_to_the_mentor_with_the_lower_load():
    busy = replace(MENTOR, mentor_id="M-AAAAAA", trade="tailoring", capacity=5, load=3)
    free = replace(MENTOR, mentor_id="M-ZZZZZZ", trade="tailoring", capacity=5, load=1)
    assert choose(MENTEE, [busy, free]).best.mentor_id == "M-ZZZZZZ"


def test_a_safeguard_beats_any_score():
    perfect_but_declined = replace(MENTOR, mentor_id="M-BEST00", trade="tailoring",
                                   languages=("Somali", "Maay"), history=frozenset({"DECLINED"}))
    plain = replace(MENTOR, mentor_id="M-PLAIN0")
    outcome = choose(MENTEE, [perfect_but_declined, plain])
    assert outcome.best.mentor_id == "M-PLAIN0"
    assert outcome.best.score == 0
    assert outcome.excluded == {"M-BEST00": ["declined this mentee before"]}


def test_explanation_names_every_candidate_and_its_reasons():
    outcome = choose(MENTEE, [replace(MENTOR, mentor_id="M-MAN000", gender="M"),
                              replace(MENTOR, mentor_id="M-FULL00", load=2, vetted=False)])
    assert explain(MENTEE, outcome) == (
        "no suitable mentor for P-7K3M9Q: M-FULL00: not vetted, at capacity (2 of 2); "
        "M-MAN000: women are matched with women mentors only")


def test_explanation_when_the_district_has_no_mentor():
    assert explain(MENTEE, choose(MENTEE, [])) == (
        "no mentor is registered in Baidoa, the district of P-7K3M9Q")
