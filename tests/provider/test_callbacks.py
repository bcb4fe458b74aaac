"""Results arrive later, signed, in bulk, once; and go wrong on purpose when told to."""
import time
from decimal import Decimal

from services.provider.receiver import CallbackReceiver
from services.provider.simulation import FAILURE_REASONS
from tests.provider.support import payment


def test_results_come_after_the_configured_delay(start_provider):
    provider = start_provider(callback_delay_seconds=0.6)
    with CallbackReceiver(provider.settings.callback_secret) as receiver:
        sent = time.monotonic()
        provider.send([payment(1)], receiver.url)
        assert provider.status("pay-1")["pay-1"]["status"] == "PENDING"
        assert receiver.wait_for(1, timeout=5)
        assert time.monotonic() - sent >= 0.6
        assert receiver.results[0]["status"] == "SUCCESSFUL" and receiver.refused == 0


def test_one_callback_carries_many_results_of_one_batch(start_provider):
    provider = start_provider(callback_batch_size=100)
    with CallbackReceiver(provider.settings.callback_secret) as receiver:
        provider.send([payment(number) for number in range(250)], receiver.url, key="batch-1")
        assert receiver.wait_for(250)
        assert sorted(len(callback["results"]) for callback in receiver.callbacks) == [50, 100, 100]
        assert {callback["batch_id"] for callback in receiver.callbacks} == {"batch-1"}
        assert len({result["reference_id"] for result in receiver.results}) == 250


def test_failures_are_drawn_from_the_seed_and_the_reference(start_provider):
    outcomes = []
    for _ in range(2):
        provider = start_provider(failure_rate=0.3)
        with CallbackReceiver(provider.settings.callback_secret) as receiver:
            provider.send([payment(number) for number in range(200)], receiver.url)
            assert receiver.wait_for(200)
            outcomes.append({r["reference_id"]: (r["status"], r["reason"]) for r in receiver.results})
    assert outcomes[0] == outcomes[1]
    failed = [reason for status, reason in outcomes[0].values() if status == "FAILED"]
    assert 30 <= len(failed) <= 90 and set(failed) <= set(FAILURE_REASONS)
    assert provider.statement().count("Business payment to") == 200 - len(failed)


def test_a_float_too_small_fails_the_payment_without_moving_money(start_provider):
    provider = start_provider(opening_balance=Decimal("15.00"))
    with CallbackReceiver(provider.settings.callback_secret) as receiver:
        provider.send([payment(1), payment(2)], receiver.url)
        assert receiver.wait_for(2)
    assert provider.status("pay-1", "pay-2")["pay-2"]["reason"] == "NOT_ENOUGH_FUNDS"
    assert provider.get("/v1/float").json()["balance"] == "4.50"


def test_a_reversed_payment_is_failed_and_shows_on_the_statement(start_provider):
    provider = start_provider(reversal_rate=1.0)
    with CallbackReceiver(provider.settings.callback_secret) as receiver:
        provider.send([payment(1)], receiver.url)
        assert receiver.wait_for(1)
    (result,) = receiver.results
    assert (result["status"], result["reason"], result["fee"]) == ("FAILED", "REVERSED", "0.50")
    assert [row.split(",")[3] for row in provider.statement().splitlines()[2:]] == ["Completed", "Completed", "Reversed"]
    assert provider.get("/v1/float").json()["balance"] == "999999.50"


def test_lost_callbacks_never_come_and_the_status_query_tells(provider, receiver):
    provider.faults(lost_callback_rate=1)
    provider.send([payment(1), payment(2)], receiver.url)
    assert not receiver.wait_for(1, timeout=1)
    assert {ref: item["status"] for ref, item in provider.status("pay-1", "pay-2").items()} == \
        {"pay-1": "SUCCESSFUL", "pay-2": "SUCCESSFUL"}


def test_duplicated_callbacks_come_twice_in_separate_requests(provider, receiver):
    provider.faults(duplicate_callback_rate=1)
    provider.send([payment(1), payment(2)], receiver.url)
    assert receiver.wait_for(4)
    assert sorted(r["reference_id"] for r in receiver.results) == ["pay-1", "pay-1", "pay-2", "pay-2"]
    assert len(receiver.callbacks) == 2 and receiver.callbacks[0]["results"] == receiver.callbacks[1]["results"]
    assert provider.statement().count("Business payment to") == 2
    assert not receiver.wait_for(5, timeout=0.5)


def test_held_back_callbacks_arrive_after_later_payments(provider, receiver):
    provider.faults(out_of_order_rate=1, out_of_order_delay_seconds=1)
    provider.send([payment(1)], receiver.url, key="early")
    provider.faults(out_of_order_rate=0)
    provider.send([payment(2)], receiver.url, key="late")
    assert receiver.wait_for(2, timeout=5)
    assert [callback["batch_id"] for callback in receiver.callbacks] == ["late", "early"]


def test_a_callback_the_caller_refuses_is_not_sent_again(start_provider):
    provider = start_provider()
    with CallbackReceiver(provider.settings.callback_secret, status=500) as receiver:
        provider.send([payment(1)], receiver.url)
        assert receiver.wait_for(1)
        assert not receiver.wait_for(2, timeout=1)
    assert provider.status("pay-1")["pay-1"]["status"] == "SUCCESSFUL"


def test_a_batch_without_a_callback_url_is_only_polled(provider, receiver):
    provider.send([payment(1)])
    assert provider.settled("pay-1")["status"] == "SUCCESSFUL"
    assert not receiver.wait_for(1, timeout=0.3)
