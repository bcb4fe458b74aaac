"""The payment adapter as the ledger service runs it: the callback server from start to
stop, and `tick` (the service's timer) sending, polling and posting answers until there is
nothing left to do for now."""
import logging

from eventlet import wsgi
from sqlalchemy.engine import Engine

from services.ledger.book.files import LedgerFiles
from services.ledger.payments.answers import Answers
from services.ledger.payments.callbacks import CallbackApp
from services.ledger.payments.polling import Poller
from services.ledger.payments.provider_client import ProviderClient
from services.ledger.payments.sending import Sender
from services.ledger.payments.settings import PaymentSettings
from shared import listening

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
        while True:
            moved = self.sender.fill(enrollment) + self.poller.round()  # sending is not held back by answering
            posted = self.answers.round()
            answered += posted
            if not moved and not posted:
                if not self.sender.in_flight:
                    return answered
                self.sender.wait(LANDING_WAIT_SECONDS)

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self.client.close()
