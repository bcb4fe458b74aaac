"""Partners' webhook secrets and API tokens, sealed at rest.

Fernet (AES-128-CBC + HMAC-SHA256) with the key `REFERRALS.secrets_key`; keys listed in
`REFERRALS.previous_secrets_keys` still open what they sealed, so a key is rotated by
making the new one current, keeping the old one as previous, running `ddrr
rotate-partner-key` (which seals everything again with the current key) and then
dropping the old one.
"""
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods.referral_models import Partner


class PartnerKeys:
    def __init__(self, key: str, previous: tuple[str, ...] = ()):
        self._fernet = MultiFernet([Fernet(k.encode()) for k in (key, *previous)])

    @classmethod
    def from_config(cls, config: dict) -> "PartnerKeys":
        block = config["REFERRALS"]
        previous = block.get("previous_secrets_keys") or ""
        return cls(block["secrets_key"], tuple(k.strip() for k in str(previous).split(",") if k.strip()))

    def seal(self, text: str | None) -> str | None:
        return None if text is None else self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        if sealed is None:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise RuntimeError("a partner secret cannot be decrypted with the configured keys") from None

    def rotate(self, session: Session) -> int:
        """Seal every partner's secrets again with the current key; returns how many partners."""
        partners = list(session.scalars(select(Partner).with_for_update()))
        for partner in partners:
            partner.webhook_secret = self._fernet.rotate(partner.webhook_secret.encode()).decode()
            if partner.api_token is not None:
                partner.api_token = self._fernet.rotate(partner.api_token.encode()).decode()
        return len(partners)
