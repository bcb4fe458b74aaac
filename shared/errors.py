"""Typed domain errors.

Each carries a stable `code` for API clients. They are registered with nameko so an
RPC caller receives the same class back, and the gateway maps classes to HTTP status
codes in one place (services/gateway/http_errors.py).
"""
from nameko.exceptions import deserialize_to_instance


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _register(cls):
    return deserialize_to_instance(cls)


@_register
class ValidationFailed(DomainError):
    code = "VALIDATION_ERROR"


@_register
class NotFound(DomainError):
    code = "NOT_FOUND"


@_register
class UnknownParticipant(NotFound):
    code = "UNKNOWN_PARTICIPANT"


@_register
class UnknownProgramme(NotFound):
    code = "UNKNOWN_PROGRAMME"


@_register
class Conflict(DomainError):
    code = "CONFLICT"


@_register
class IllegalTransition(Conflict):
    code = "ILLEGAL_TRANSITION"


@_register
class IdempotencyConflict(Conflict):
    code = "IDEMPOTENCY_CONFLICT"


@_register
class NotEligible(Conflict):
    code = "NOT_ELIGIBLE"


@_register
class Forbidden(DomainError):
    code = "FORBIDDEN"


@_register
class SegregationOfDuties(Forbidden):
    code = "SEGREGATION_OF_DUTIES"


@_register
class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


@_register
class NoMentorAvailable(Conflict):
    code = "NO_MENTOR_AVAILABLE"


@_register
class InsufficientFunds(Conflict):
    code = "INSUFFICIENT_FUNDS"


@_register
class ConcurrentUpdate(Conflict):
    code = "CONCURRENT_UPDATE"


@_register
class OpenExceptions(Conflict):
    code = "OPEN_EXCEPTIONS"


@_register
class BalanceMismatch(Conflict):
    code = "BALANCE_MISMATCH"


@_register
class PeriodClosed(Conflict):
    """Refused because it would write inside the ledger's closed period."""
    code = "PERIOD_CLOSED"


@_register
class AccountClosed(Conflict):
    """Refused because it would post to a ledger account that is closed."""
    code = "ACCOUNT_CLOSED"


@_register
class BalanceAsserted(Conflict):
    """Refused because it would change an account before a balance a sign-off asserted."""
    code = "BALANCE_ASSERTED"


@_register
class OfferExpired(IllegalTransition):
    code = "OFFER_EXPIRED"


@_register
class MentorAtCapacity(Conflict):
    code = "MENTOR_AT_CAPACITY"


@_register
class TooManyAttempts(DomainError):
    """Refused for now: the caller must wait `retry_after` seconds before trying again."""
    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


@_register
class ServiceUnavailable(DomainError):
    """Something outside this service did not answer; nothing was changed, so trying again
    later is safe."""
    code = "SERVICE_UNAVAILABLE"


@_register
class LedgerTampered(ServiceUnavailable):
    """The ledger's files hold what the ledger did not write, or lack what it wrote (the
    message names the first such place as file:line): the writer writes nothing more until
    an operator has put the files back as it wrote them."""
    code = "LEDGER_TAMPERED"


@_register
class ProviderUnavailable(ServiceUnavailable):
    """The payment provider did not answer (down, timing out, or failing) after retries."""
    code = "PROVIDER_UNAVAILABLE"


@_register
class NoPaymentAccount(Conflict):
    """Asked of a participant's payment account before one was set."""
    code = "NO_PAYMENT_ACCOUNT"
