"""The service container of every `ddrr serve` process (config `SERVICE_CONTAINER_CLS`).

nameko kills a whole container when a worker thread ends with an exception. After the
service method has run, a worker still answers an RPC and acks its message; if the broker
went away meanwhile, that raises a connection error (`ConnectionResetError` and the like,
which nameko's own ack guard does not catch) and would kill the service. Here such a worker
ends with a warning: the unacked request is delivered again after the reconnect. Event
messages never get here: shared/handlers.py settles them itself.
"""
import logging

from nameko.containers import ServiceContainer

from shared.lost_connection import CONNECTION_ERRORS

log = logging.getLogger(__name__)
PATH = f"{__name__}.ReconnectingContainer"


class ReconnectingContainer(ServiceContainer):
    def _handle_worker_thread_exited(self, gt, worker_ctx):
        try:
            gt.wait()
        except CONNECTION_ERRORS as exc:
            self._worker_threads.pop(worker_ctx, None)
            log.warning("%s lost the broker while answering; its message is delivered again: %r", worker_ctx, exc)
            return
        except BaseException:
            pass  # nameko's own handling, below, decides
        super()._handle_worker_thread_exited(gt, worker_ctx)
