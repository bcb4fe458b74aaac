"""Plain rules, no broker: phases, conditions, money, error mapping."""
import json
from dataclasses import dataclass

from decimal import Decimal

import pytest
from nameko.exceptions import UnknownService

from services.enrollment.phases import check_transition
from services.gateway.http_errors import error_response
from services.livelihoods.conditions import Facts, parse_conditions
from shared.errors import IllegalTransition, NotEligible, SegregationOfDuties, ValidationFailed
from shared.money import Money, parse_amount


@pytest.mark.parametrize("current, target", [
    ("ENTRY_ASSESSMENT", "REHABILITATION"), ("REHABILITATION", "EXIT_ASSESSMENT"),
    ("EXIT_ASSESSMENT", "AFTERCARE"), ("AFTERCARE", "CLOSED"), ("REHABILITATION", "WITHDRAWN")])
def test_allowed_transitions(current, target):
    check_transition(current, target)


@pytest.mark.parametrize("current, target", [
    ("ENTRY_ASSESSMENT", "EXIT_ASSESSMENT"), ("AFTERCARE", "REHABILITATION"), ("CLOSED", "WITHDRAWN"),
    ("WITHDRAWN", "REHABILITATION"), ("REHABILITATION", "REHABILITATION")])
def test_refused_transitions(current, target):
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


@dataclass
class Done:
    track: str
    cohort_id: str
    result: str = "PASS"
    sessions_held: int = 10
    sessions_attended: int = 10


def outcomes(conditions, facts):
    return [(c.check(facts).passed, c.check(facts).reason) for c in parse_conditions(conditions)]


def test_attendance_reason_names_the_course_and_cohort():
    facts = Facts(phase="AFTERCARE", consent_active=True,
                  completions=[Done("FINANCIAL_LITERACY", "C-12", sessions_held=25, sessions_attended=18)])
    [(passed, reason)] = outcomes([{"type": "min_attendance", "percent": 80}], facts)
    assert not passed and reason == "attendance 72 % < 80 % in FINANCIAL_LITERACY cohort C-12"


def test_any_tvet_trade_and_failed_course():
    facts = Facts(phase="AFTERCARE", consent_active=True,
                  completions=[Done("TVET:carpentry", "C-1", result="FAIL"), Done("TVET:tailoring", "C-2")])
    assert outcomes([{"type": "completed_track", "track": "TVET:*"}], facts) == [
        (True, "passed TVET:tailoring in cohort C-2")]
    assert outcomes([{"type": "completed_track", "track": "TVET:carpentry"}], facts) == [
        (False, "TVET:carpentry taken in cohort C-1 but not passed")]


def test_phase_consent_and_earlier_grant():
    facts = Facts(phase="REHABILITATION", consent_active=False, earlier_grants=["G-1"])
    assert outcomes([{"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]},
                     {"type": "consent_active"}, {"type": "no_earlier_grant"}], facts) == [
        (False, "phase REHABILITATION is not one of EXIT_ASSESSMENT, AFTERCARE"),
        (False, "consent withdrawn"), (False, "already granted in this programme: G-1")]


@pytest.mark.parametrize("conditions", [
    [], [{"type": "unknown"}], [{"type": "min_attendance", "percent": 180}],
    [{"type": "completed_track"}], [{"type": "phase_in", "phases": ["NOWHERE"]}], "not a list",
    [{"type": "consent_active", "extra": 1}]])
def test_conditions_that_do_not_parse_are_refused(conditions):
    with pytest.raises(ValidationFailed):
        parse_conditions(conditions)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e3000", "NaN", "Infinity", 1.5, None, True, "1.001"])
def test_amounts_refused(value):
    with pytest.raises(ValidationFailed):
        parse_amount(value)


def test_money_keeps_exact_decimals_and_explicit_currency():
    assert Money.of("0.10", "USD").amount + Money.of("0.20", "USD").amount == Decimal("0.30")
    assert Money.of(7, "KES").as_dict() == {"amount": "7.00", "currency": "KES"}
    with pytest.raises(ValidationFailed):
        Money.of("1", "usd")


def test_error_mapping_and_no_internals_in_500():
    for exc, status, code in [(SegregationOfDuties("maker"), 403, "SEGREGATION_OF_DUTIES"),
                              (NotEligible("attendance"), 409, "NOT_ELIGIBLE"),
                              (ValidationFailed("bad"), 400, "VALIDATION_ERROR")]:
        response = error_response(exc)
        assert response.status_code == status and json.loads(response.get_data())["error"] == code
    response = error_response(RuntimeError("password=hunter2 at /srv/secret.py line 3"))
    body = json.loads(response.get_data())
    assert response.status_code == 500 and body["error"] == "INTERNAL"
    assert "hunter2" not in body["message"] and "secret" not in body["message"]




def test_a_service_that_is_down_is_a_503_not_a_500():
    response = error_response(UnknownService("livelihoods"))
    assert response.status_code == 503
    assert json.loads(response.get_data())["error"] == "SERVICE_UNAVAILABLE"
