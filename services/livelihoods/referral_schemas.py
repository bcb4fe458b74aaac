"""Commands for microfinance referrals: partners, referrals, and partners' status reports."""
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from services.livelihoods.schemas import CODE, Command
from shared.fields import ParticipantId, PastDate, Text

REFERRAL_ID = r"^R-[0-9A-Z]{8}$"
Label = Text(1, 120)
District = Text(1, 60)


class CreatePartner(Command):
    code: str = Field(pattern=CODE)
    name: Text(2, 200)
    products: list[Label] = Field(min_length=1, max_length=50)
    districts: list[District] = Field(min_length=1, max_length=200)
    eligibility_notes: Text(0, 4000, multiline=True) = ""
    api_url: Text(1, 500) | None = None
    api_token: Text(8, 500) | None = None

    @field_validator("products", "districts")
    @classmethod
    def each_once(cls, values):
        if len(set(values)) != len(values):
            raise ValueError("list each value once")
        return values

    @field_validator("api_url")
    @classmethod
    def http_url_without_credentials(cls, value):
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; give them as api_token")
        return value


class DataSharingConsent(Command):
    """The participant agreed to share the referral's data with this partner; who recorded
    it is the officer making the referral."""
    given_on: PastDate


class CreateReferral(Command):
    participant_id: ParticipantId
    partner: str = Field(pattern=CODE)
    product: Label
    trade: Text(2, 60, description="the participant's livelihood trade")
    data_sharing_consent: DataSharingConsent


class PartnerStatusUpdate(Command):
    """What a partner posts to its webhook (signed with its secret: header
    `X-DDRR-Signature: sha256=<hex HMAC-SHA256 of the raw body>`)."""
    referral_id: str = Field(pattern=REFERRAL_ID)
    status: Literal["ACKNOWLEDGED", "ACCOUNT_OPENED", "LOAN_APPROVED", "DECLINED"]
    note: Text(0, 2000, multiline=True) | None = None
