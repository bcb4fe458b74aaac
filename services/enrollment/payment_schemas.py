"""What an officer sends to set a participant's payment account: a mobile-money number and
its provider, or a bank account. Checked strictly here, so a malformed account is refused
(400) before anything is stored or sent to the provider; messages never repeat the value."""
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from services.enrollment.schemas import Command
from shared.fields import ParticipantId
from shared.payees import BANK, MAX_PAYEES, MOBILE_MONEY

MSISDN = r"^\+[1-9][0-9]{7,14}$"
PROVIDER = r"^[A-Z][A-Z0-9_-]{1,29}$"
BANK_CODE = r"^[A-Z0-9]{2,11}$"
ACCOUNT_NUMBER = r"^[A-Z0-9]{6,34}$"


def _e164(value):
    """'+252 61-555 0101' → '+252615550101': spaces, dots, dashes and brackets dropped; the
    country code is required (a leading +, or 00 written for it)."""
    if not isinstance(value, str):
        return value
    compact = re.sub(r"[\s.()-]", "", value)
    return "+" + compact[2:] if compact.startswith("00") else compact


def _code(value):
    """Upper case, without the spaces and dashes people type inside codes and numbers."""
    return re.sub(r"[\s-]", "", value).upper() if isinstance(value, str) else value


Msisdn = Annotated[str, BeforeValidator(_e164), Field(pattern=MSISDN)]
ProviderCode = Annotated[str, BeforeValidator(_code), Field(pattern=PROVIDER)]
BankCode = Annotated[str, BeforeValidator(_code), Field(pattern=BANK_CODE)]
AccountNumber = Annotated[str, BeforeValidator(_code), Field(pattern=ACCOUNT_NUMBER)]


class SetPaymentAccount(Command):
    """`{"kind": "MOBILE_MONEY", "msisdn": "+252615550101", "provider": "SIMMOBILE"}` or
    `{"kind": "BANK", "bank_code": "KCB01", "account_number": "0012345678"}` (the bank's
    code is its provider unless one is given)."""
    kind: Literal["MOBILE_MONEY", "BANK"]
    msisdn: Msisdn | None = None
    provider: ProviderCode | None = None
    bank_code: BankCode | None = None
    account_number: AccountNumber | None = None

    @model_validator(mode="after")
    def fields_of_the_kind(self):
        if self.kind == MOBILE_MONEY:
            if self.msisdn is None or self.provider is None:
                raise ValueError("a MOBILE_MONEY account needs msisdn and provider")
            if self.bank_code is not None or self.account_number is not None:
                raise ValueError("a MOBILE_MONEY account takes no bank_code or account_number")
        elif self.kind == BANK:
            if self.bank_code is None or self.account_number is None:
                raise ValueError("a BANK account needs bank_code and account_number")
            if self.msisdn is not None:
                raise ValueError("a BANK account takes no msisdn")
        return self

    def secret(self) -> dict:
        """The values sealed at rest."""
        if self.kind == MOBILE_MONEY:
            return {"msisdn": self.msisdn}
        return {"bank_code": self.bank_code, "account_number": self.account_number}

    @property
    def provider_code(self) -> str:
        return self.provider or self.bank_code


class ResolvePayees(Command):
    participant_ids: list[ParticipantId] = Field(max_length=MAX_PAYEES)
