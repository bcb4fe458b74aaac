"""The demo seed pays a grant tranche as finance would: a payment the provider fails is
released again as a new attempt, so a fresh `make run` does not wait for a payment that
will never come (the simulated provider fails a share of payments by design)."""
import pytest

from services import demo


class Finance:
    """The gateway as the seed sees it: each release makes an attempt that settles as `outcomes` says."""

    def __init__(self, outcomes: list[str]):
        self.outcomes, self.disbursements, self.releases = outcomes, [], 0

    def __call__(self, method: str, path: str, body=None):
        if method == "POST":
            self.releases += 1
            self.disbursements.append({"tranche": 1, "attempt": self.releases,
                                       "status": self.outcomes[self.releases - 1]})
            return {}
        return {"disbursements": self.disbursements}


def test_a_failed_tranche_is_released_again_until_it_is_paid():
    finance = Finance(["FAILED", "FAILED", "PAID"])
    demo._pay_tranche(finance, "G-1", 1)
    assert finance.releases == 3


def test_a_paid_tranche_is_released_once():
    finance = Finance(["PAID"])
    demo._pay_tranche(finance, "G-1", 1)
    assert finance.releases == 1


def test_a_tranche_that_always_fails_stops_the_seed_with_the_reason():
    finance = Finance(["FAILED"] * demo.RELEASES_PER_TRANCHE)
    with pytest.raises(RuntimeError, match=f"failed {demo.RELEASES_PER_TRANCHE} times"):
        demo._pay_tranche(finance, "G-1", 1)
    assert finance.releases == demo.RELEASES_PER_TRANCHE
