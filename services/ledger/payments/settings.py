"""The adapter's settings: `LEDGER.rail` in config/ddrr.yaml, with the provider's token and
callback secret from `PROVIDER` (one place for each secret)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentSettings:
    rail: str
    provider_url: str
    token: str
    callback_secret: str
    callback_address: str
    callback_url: str
    timeout_seconds: float = 5.0
    retries: int = 2
    backoff_factor: float = 0.2
    batch_size: int = 1000
    batches_in_flight: int = 4  # POSTs at once: the provider takes one while the ledger prepares the next
    overdue_seconds: float = 30.0
    retry_pause_seconds: float = 2.0
    test_only_synthetic_payees: bool = False

    @classmethod
    def from_config(cls, config: dict) -> "PaymentSettings":
        rail = config["LEDGER"]["rail"]
        return cls(rail=rail["name"], provider_url=str(rail["provider_url"]).rstrip("/"),
                   token=str(config["PROVIDER"]["token"]), callback_secret=str(config["PROVIDER"]["callback_secret"]),
                   callback_address=rail["callback_address"], callback_url=rail["callback_url"],
                   timeout_seconds=float(rail.get("timeout_seconds", cls.timeout_seconds)),
                   retries=int(rail.get("retries", cls.retries)),
                   backoff_factor=float(rail.get("backoff_factor", cls.backoff_factor)),
                   batch_size=int(rail.get("batch_size", cls.batch_size)),
                   batches_in_flight=int(rail.get("batches_in_flight", cls.batches_in_flight)),
                   overdue_seconds=float(rail.get("overdue_seconds", cls.overdue_seconds)),
                   retry_pause_seconds=float(rail.get("retry_pause_seconds", cls.retry_pause_seconds)),
                   test_only_synthetic_payees=bool(rail.get("test_only_synthetic_payees", False)))

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.callback_address.rpartition(":")
        return host or "127.0.0.1", int(port)
