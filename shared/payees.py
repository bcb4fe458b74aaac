"""The payee contract between enrollment and the payment adapter.

`enrollment.resolve_payees(participant_ids)` answers, for at most `MAX_PAYEES` ids per call,
where each participant's money goes (a verified account) or why their payment must be held.
The answer carries account numbers: the caller sends with it and keeps none of it (no
database, file, event or log line)."""
import logging
from collections.abc import Iterable

MAX_PAYEES = 1000
MOBILE_MONEY, BANK = "MOBILE_MONEY", "BANK"
# Why a payment is held instead of sent.
NO_PAYMENT_ACCOUNT = "NO_PAYMENT_ACCOUNT"
ACCOUNT_NOT_VERIFIED = "ACCOUNT_NOT_VERIFIED"
UNKNOWN_PARTICIPANT = "UNKNOWN_PARTICIPANT"


REPLY_LOGGED = "RPC reply event complete %s %s"


class WithholdRpcReplies(logging.Filter):
    """nameko's RPC proxy logs every reply body at DEBUG (`nameko.rpc`): keep the line, drop
    the body, which for `resolve_payees` holds account numbers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == REPLY_LOGGED and isinstance(record.args, tuple) and len(record.args) == 2:
            record.args = (record.args[0], "<reply withheld>")
        return True


def withhold_rpc_replies() -> None:
    """Install the filter on nameko's RPC logger, once."""
    logger = logging.getLogger("nameko.rpc")
    if not any(isinstance(f, WithholdRpcReplies) for f in logger.filters):
        logger.addFilter(WithholdRpcReplies())


def ask(enrollment, participant_ids: list[str]):
    """Ask for at most `MAX_PAYEES` payees without waiting; nameko's reply, whose `result()`
    is the answer `resolve` gives (the caller goes on with other work meanwhile)."""
    withhold_rpc_replies()
    ids = list(dict.fromkeys(participant_ids))
    if len(ids) > MAX_PAYEES:
        raise ValueError(f"at most {MAX_PAYEES} payees are asked for at once, not {len(ids)}")
    return enrollment.resolve_payees.call_async(ids)


def resolve(enrollment, participant_ids: Iterable[str]) -> dict[str, dict]:
    """Every id's payee, asked `MAX_PAYEES` at a time through an enrollment RPC proxy
    (`RpcProxy("enrollment")` in a service, `ClusterRpcProxy(...).enrollment` elsewhere),
    with the proxy's reply bodies kept out of the logs."""
    withhold_rpc_replies()
    ids = list(dict.fromkeys(participant_ids))
    payees: dict[str, dict] = {}
    for start in range(0, len(ids), MAX_PAYEES):
        payees.update(enrollment.resolve_payees(ids[start:start + MAX_PAYEES]))
    return payees
