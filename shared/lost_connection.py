"""A broken broker connection, recognised in every form it takes, and settling a message
despite one.

nameko 2.14 catches only amqp's own `ConnectionError` around an ack; a broker restart can
surface as Python's `ConnectionResetError` (or another `OSError`) instead, which would kill
the service. A message that could not be acked, requeued or rejected is not lost: the
broker delivers it again once the consumer has reconnected, and the inbox makes that
redelivery harmless.
"""
import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

CONNECTION_ERRORS = (OSError, AmqpConnectionError, OperationalError)


def settle(message, action: str, **options) -> bool:
    """`message.ack()`, `.requeue()` or `.reject()`; False when the connection is gone."""
    if not message.channel.connection:
        return False  # the broker has taken the message back already
    try:
        getattr(message, action)(**options)
    except CONNECTION_ERRORS as exc:
        log.warning("connection lost before the %s of a message; the broker delivers it again: %r", action, exc)
        return False
    return True
