"""The callers' JSON, checked and turned into typed values. Anything malformed is a
`ValidationFailed` (400) naming the field, and nothing is stored; messages never repeat a
phone or account number."""
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.provider.units import to_minor
from shared.errors import ValidationFailed
from shared.money import CURRENCY, parse_amount

MAX_BATCH = 1000
MAX_STATUS_QUERY = 10000
KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MSISDN = re.compile(r"^\+?([0-9]{8,15})$")
BANK_CODE = re.compile(r"^[A-Za-z0-9]{2,11}$")
BANK_NUMBER = re.compile(r"^[A-Za-z0-9-]{4,34}$")
PAYMENT_FIELDS = {"reference_id", "msisdn", "bank_account", "amount", "currency", "payee_note"}


@dataclass(frozen=True)
class PaymentIn:
    reference_id: str
    account: str          # "256700000001", or "bank:<code>:<number>"
    amount_minor: int
    currency: str
    payee_note: str

    @property
    def content_hash(self) -> str:
        content = "\x1f".join((self.account, str(self.amount_minor), self.currency, self.payee_note))
        return hashlib.sha256(content.encode()).hexdigest()


@dataclass(frozen=True)
class BatchIn:
    callback_url: str | None
    payments: tuple[PaymentIn, ...]

    @property
    def request_hash(self) -> str:
        digest = hashlib.sha256((self.callback_url or "").encode())
        for payment in self.payments:
            digest.update(f"\x1e{payment.reference_id}\x1f{payment.content_hash}".encode())
        return digest.hexdigest()


def key(value, name: str) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        raise ValidationFailed(f"{name} must be 1 to 128 letters, digits or . _ : - (a UUID will do)")
    return value


def _object(value, name: str) -> dict:
    if not isinstance(value, dict):
        raise ValidationFailed(f"{name} must be a JSON object")
    return value


def account(body: dict, where: str) -> str:
    """The payee's mobile-money number or bank account: exactly one of the two."""
    if ("msisdn" in body) == ("bank_account" in body):
        raise ValidationFailed(f"{where}: give exactly one of msisdn and bank_account")
    if "msisdn" in body:
        match = MSISDN.match(body["msisdn"]) if isinstance(body["msisdn"], str) else None
        if match is None:
            raise ValidationFailed(f"{where}.msisdn is not a mobile number of 8 to 15 digits")
        return match.group(1)
    bank = _object(body["bank_account"], f"{where}.bank_account")
    code, number = bank.get("bank_code"), bank.get("account_number")
    if not isinstance(code, str) or not BANK_CODE.match(code):
        raise ValidationFailed(f"{where}.bank_account.bank_code must be 2 to 11 letters or digits")
    if not isinstance(number, str) or not BANK_NUMBER.match(number):
        raise ValidationFailed(f"{where}.bank_account.account_number must be 4 to 34 letters, digits or -")
    return f"bank:{code.upper()}:{number}"


def money(body: dict, where: str) -> tuple[int, str]:
    amount, currency = body.get("amount"), body.get("currency")
    if not isinstance(amount, str):
        raise ValidationFailed(f"{where}.amount must be a decimal string like \"450.00\"")
    try:
        minor = to_minor(parse_amount(amount))
    except ValidationFailed as exc:
        raise ValidationFailed(f"{where}.{exc.message}") from None
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        raise ValidationFailed(f"{where}.currency must be a three-letter ISO code")
    return minor, currency


def payment(body, where: str) -> PaymentIn:
    body = _object(body, where)
    unknown = sorted(set(body) - PAYMENT_FIELDS)
    if unknown:
        raise ValidationFailed(f"{where}: unknown field(s) {', '.join(unknown)}")
    note = body.get("payee_note", "")
    if not isinstance(note, str) or len(note) > 160:
        raise ValidationFailed(f"{where}.payee_note must be text of at most 160 characters")
    minor, currency = money(body, where)
    return PaymentIn(key(body.get("reference_id"), f"{where}.reference_id"), account(body, where),
                     minor, currency, note)


def callback_url(value) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2048:
        raise ValidationFailed("callback_url must be an http or https URL")
    return value


def batch(body) -> BatchIn:
    body = _object(body, "the batch")
    payments = body.get("payments")
    if not isinstance(payments, list) or not payments:
        raise ValidationFailed("payments must be a non-empty list")
    if len(payments) > MAX_BATCH:
        raise ValidationFailed(f"a batch holds at most {MAX_BATCH} payments, this one has {len(payments)}")
    parsed = tuple(payment(item, f"payments[{index}]") for index, item in enumerate(payments))
    seen = set()
    for index, item in enumerate(parsed):
        if item.reference_id in seen:
            raise ValidationFailed(f"payments[{index}].reference_id repeats an earlier payment of this batch")
        seen.add(item.reference_id)
    return BatchIn(callback_url(body.get("callback_url")), parsed)


def references(body) -> list[str]:
    values = _object(body, "the query").get("reference_ids")
    if not isinstance(values, list) or not values or len(values) > MAX_STATUS_QUERY:
        raise ValidationFailed(f"reference_ids must be a list of 1 to {MAX_STATUS_QUERY} references")
    return [key(value, f"reference_ids[{index}]") for index, value in enumerate(values)]


def name_check(body) -> tuple[str, str]:
    body = _object(body, "the name check")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ValidationFailed("name must be non-empty text of at most 200 characters")
    return account(body, "the name check"), name


def float_transfer(body, what: str) -> tuple[str, int, str]:
    """A top-up's or a return's reference, amount in minor units and currency."""
    body = _object(body, what)
    minor, currency = money(body, what)
    return key(body.get("reference_id"), "reference_id"), minor, currency
