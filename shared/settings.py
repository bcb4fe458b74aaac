"""The loaded configuration (shared/config.py), checked once before anything starts.

`ddrr serve` and `ddrr run` call `check(config)`: a missing or wrong setting stops the
start with one line naming it, instead of a KeyError at the first request that reads it.
With `DDRR_PRODUCTION=true` the demo secrets of config/ddrr.yaml (each has "demo" in it,
or in its base64 text) are refused: those the started service reads (`ddrr serve <service>`),
or every one (`ddrr run`), so a workload is given only its own secrets. Sections hold more
keys than are checked here; the services keep reading the dict nameko gives them.
"""
import base64
import binascii
import sys
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, ValidationError,
                      model_validator)

SERVICES = ("enrollment", "livelihoods", "ledger", "mentorship", "gateway")


def _address(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("expected host:port")
    return value


def _url(*schemes: str):
    def check(value: str) -> str:
        if not value.startswith(tuple(f"{scheme}://" for scheme in schemes)):
            raise ValueError(f"expected a {' or '.join(schemes)} URL")
        return value
    return check


def _fernet_key(value: str) -> str:
    try:
        if len(base64.urlsafe_b64decode(value.encode())) == 32:
            return value
    except (binascii.Error, ValueError):
        pass
    raise ValueError("expected a Fernet key (32 bytes, url-safe base64)")


Address = Annotated[str, AfterValidator(_address)]
DatabaseUrl = Annotated[str, AfterValidator(_url("sqlite", "postgresql", "postgresql+pg8000"))]
HttpUrl = Annotated[str, AfterValidator(_url("http", "https"))]
FernetKey = Annotated[str, AfterValidator(_fernet_key)]
Secret = Annotated[str, Field(min_length=16)]


class Section(BaseModel):
    model_config = ConfigDict(extra="allow")


class Databases(Section):
    enrollment: DatabaseUrl
    livelihoods: DatabaseUrl
    ledger: DatabaseUrl
    mentorship: DatabaseUrl
    gateway: DatabaseUrl


class Enrollment(Section):
    pii_key: FernetKey
    blind_index_key: Secret


class Rail(Section):
    provider_url: HttpUrl
    callback_address: Address
    callback_url: HttpUrl
    timeout_seconds: PositiveFloat
    batch_size: int = Field(1000, ge=1, le=1000)  # the provider takes 1,000; enrollment resolves 1,000 payees a call


class Ledger(Section):
    directory: str = Field(min_length=1)
    rail: Rail


class Gateway(Section):
    public_url: HttpUrl
    read_timeout_seconds: PositiveFloat
    command_timeout_seconds: PositiveFloat
    import_timeout_seconds: PositiveFloat
    small_cell_threshold: int = Field(ge=1, le=100)


class Referrals(Section):
    secrets_key: FernetKey


class Provider(Section):
    address: Address
    database_url: DatabaseUrl
    token: Secret
    callback_secret: Secret


class Log(Section):
    format: Literal["json", "console"]
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Metrics(Section):
    host: str = Field(min_length=1)
    ports: dict[str, Annotated[int, Field(gt=0, lt=65536)]]

    @model_validator(mode="after")
    def every_service(self):
        missing = [name for name in SERVICES if name not in self.ports]
        if missing:
            raise ValueError(f"no port for {', '.join(missing)}")
        return self


# The secrets refused in production while they hold the demo value: the variable that sets each,
# and the processes (`ddrr serve` targets) that read it.
SECRETS = {
    ("ENROLLMENT", "pii_key"): ("ENROLLMENT_PII_KEY", {"enrollment"}),
    ("ENROLLMENT", "blind_index_key"): ("ENROLLMENT_INDEX_KEY", {"enrollment"}),
    ("REFERRALS", "secrets_key"): ("PARTNER_SECRETS_KEY", {"livelihoods"}),
    ("PROVIDER", "token"): ("PROVIDER_TOKEN", {"enrollment", "ledger", "provider"}),
    ("PROVIDER", "callback_secret"): ("PROVIDER_CALLBACK_SECRET", {"ledger", "provider"}),
}


def is_demo(value: str) -> bool:
    try:
        decoded = base64.urlsafe_b64decode(value.encode()).decode("utf-8", "ignore")
    except (binascii.Error, ValueError):
        decoded = ""
    return "demo" in value.lower() or "demo" in decoded.lower()


class Settings(Section):
    AMQP_URI: Annotated[str, AfterValidator(_url("amqp", "amqps", "pyamqp"))]
    WEB_SERVER_ADDRESS: Address
    max_workers: PositiveInt
    PRODUCTION: bool = False
    DATABASES: Databases
    ENROLLMENT: Enrollment
    LEDGER: Ledger
    GATEWAY: Gateway
    REFERRALS: Referrals
    PROVIDER: Provider
    LOG: Log
    METRICS: Metrics

    def metrics_address(self, service: str) -> str:
        return f"{self.METRICS.host}:{self.METRICS.ports[service]}"

    def demo_secrets(self, service: str | None = None) -> list[str]:
        """The demo secrets `service` reads (any service's when None)."""
        return [f"{section}.{key} ({variable})" for (section, key), (variable, readers) in SECRETS.items()
                if (service is None or service in readers) and is_demo(getattr(getattr(self, section), key))]


class SettingError(ValueError):
    pass


def parse(config: dict, service: str | None = None) -> Settings:
    """The checked settings for `service` (every service when None); raises SettingError
    naming the first wrong setting."""
    try:
        settings = Settings.model_validate(config)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        reason = "missing" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        raise SettingError(f"setting {where}: {reason}") from None
    if settings.PRODUCTION and settings.demo_secrets(service):
        raise SettingError(f"setting {settings.demo_secrets(service)[0]}: the demo value is refused when "
                           f"DDRR_PRODUCTION=true")
    return settings


def check(config: dict, service: str | None = None) -> Settings:
    """`parse`, or end the process with one line on stderr (exit code 2)."""
    try:
        return parse(config, service)
    except SettingError as wrong:
        print(f"ddrr: {wrong}", file=sys.stderr)
        sys.exit(2)
