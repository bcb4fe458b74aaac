"""The payment adapter as the ledger service runs it: the callback server from start to
stop, and `tick` (the service's timer) sending, polling and posting answers until there is
nothing left to do for now. A fault of the machine (the ledger's disk full, its database
unreachable, its files changed by hand) pauses the ticks with one log line until it passes;
what was sent and answered meanwhile waits in the index."""
import logging
import time

from eventlet import wsgi
from sqlalchemy.engine import Engine

from services.ledger.book.files import LedgerFiles
from services.ledger.errors import MACHINE_FAULTS
from services.ledger.payments.answers import Answers
from services.ledger.payments.callbacks import CallbackApp
from services.ledger.payments.polling import Poller
from services.ledger.payments.provider_client import ProviderClient
from services.ledger.payments.sending import Sender
from services.ledger.payments.settings import PaymentSettings
from shared import listening
from shared.fault_pause import FaultPause

log = logging.getLogger(__name__)
LANDING_WAIT_SECONDS = 0.25  # at most this long between looks for answers while batches are in flight


class PaymentAdapter:
    def __init__(self, config: dict, engine: Engine, files: LedgerFiles, rail, writing):
        self.settings = PaymentSettings.from_config(config)
        self.client = ProviderClient(self.settings)
        self.sender = Sender(engine, self.client, self.settings)
        self.poller = Poller(engine, self.client, self.settings)
        self.answers = Answers(engine, files, rail, writing)
        self.callbacks = CallbackApp(engine, self.settings.callback_secret)
        self._socket = None
        self._pause, self._resume_at = FaultPause("the payment adapter", log), 0.0

    def start(self, container) -> None:
        """Listen for callbacks (in the service's eventlet hub, beside its workers)."""
        self._socket = listening.listen(*self.settings.host_port)
        container.spawn_managed_thread(lambda: wsgi.server(self._socket, self.callbacks, log_output=False),
                                       identifier="provider callbacks")
        log.info("taking the provider's callbacks on %s", self.settings.callback_address)

    def tick(self, enrollment) -> int:
        """Send, poll and post until nothing is left for now and no batch is in flight; how
        many answers went to the outbox."""
        answered = 0
        if time.monotonic() < self._resume_at:
            return answered
        while True:
            try:
                moved = self.sender.fill(enrollment) + self.poller.round()  # sending is not held back by answering
                posted = self.answers.round()
            except MACHINE_FAULTS as fault:
                wait = self._pause.failed(fault, "sending and answers wait in the index")
                self._resume_at = time.monotonic() + wait
                return answered
            self._pause.succeeded()
            answered += posted
            if not moved and not posted:
                if not self.sender.in_flight:
                    return answered
                self.sender.wait(LANDING_WAIT_SECONDS)

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self.client.close()
