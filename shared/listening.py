"""Every port the suite serves is bound by one process only. eventlet sets SO_REUSEPORT
unless told otherwise, and then a second process binding a port already served succeeds and
the kernel shares the connections between the two without a word: a stale ledger would take
part of the provider's callbacks, a second gateway part of the users' requests. Bound
exclusively, a port already taken stops the service at start, naming the address."""
import errno

import eventlet


class AddressInUse(OSError):
    pass


def listen(host: str, port: int):
    try:
        return eventlet.listen((host, port), reuse_port=False)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise AddressInUse(errno.EADDRINUSE, f"{host}:{port} is already in use by another process") from None
        raise
