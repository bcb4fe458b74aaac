"""The provider's settings (config/ddrr.yaml, section PROVIDER) and its fault switches."""
import threading
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal

from shared.errors import ValidationFailed


@dataclass(frozen=True)
class Faults:
    """What goes wrong on purpose. Rates are fractions of requests (timeouts, 500s) or of
    payments (callbacks lost, sent twice, held back behind later ones)."""
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    error_rate: float = 0.0
    lost_callback_rate: float = 0.0
    duplicate_callback_rate: float = 0.0
    out_of_order_rate: float = 0.0
    out_of_order_delay_seconds: float = 2.0

    def changed(self, values) -> "Faults":
        """A copy with `values` applied; unknown names, non-numbers and rates outside 0..1
        are refused whole."""
        if not isinstance(values, dict):
            raise ValidationFailed("expected a JSON object of fault switches")
        known = {field.name for field in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValidationFailed(f"unknown fault switch(es) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value < 0:
                raise ValidationFailed(f"{name} must be a number of at least 0, got {value!r}")
            if name.endswith("_rate") and value > 1:
                raise ValidationFailed(f"{name} is a fraction from 0 to 1, got {value!r}")
        return replace(self, **{name: float(value) for name, value in values.items()})

    def as_dict(self) -> dict:
        return asdict(self)


class FaultSwitches:
    """The faults in force, changed at run time by `POST /_faults` (thread-safe)."""

    def __init__(self, initial: Faults):
        self._lock = threading.Lock()
        self._faults = initial

    @property
    def current(self) -> Faults:
        return self._faults

    def change(self, values) -> Faults:
        with self._lock:
            self._faults = self._faults.changed(values)
            return self._faults


@dataclass(frozen=True)
class Settings:
    address: str
    database_url: str
    token: str
    callback_secret: str
    currency: str
    statement_account: str
    opening_balance: Decimal
    fee_flat: Decimal
    fee_percent: Decimal
    seed: str
    callback_delay_seconds: float
    callback_batch_size: int
    callback_timeout_seconds: float
    failure_rate: float
    reversal_rate: float
    unknown_account_rate: float
    name_mismatch_rate: float
    max_body_bytes: int
    faults: Faults

    @classmethod
    def from_config(cls, config: dict) -> "Settings":
        section = dict(config["PROVIDER"])
        money = {name: Decimal(str(section.pop(name))) for name in ("opening_balance", "fee_flat", "fee_percent")}
        faults = Faults().changed(section.pop("faults", None) or {})
        return cls(**{**section, **money, "seed": str(section["seed"]), "faults": faults})

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.address.rpartition(":")
        return host or "127.0.0.1", int(port)
