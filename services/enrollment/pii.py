"""Protected personal data: encrypted at rest, and searchable only through blind keys.

Names, phones, national ids and birth dates are sealed with Fernet (AES-128-CBC +
HMAC-SHA256). Duplicate detection needs equality search without decrypting every row,
so each identifying value also gets a keyed HMAC of its normalised form: equal people
give equal keys, and the keys reveal nothing without the index key.
"""
import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet, InvalidToken


class PiiVault:
    def __init__(self, key: str):
        self._fernet = Fernet(key.encode())

    def seal(self, data: dict) -> str:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise RuntimeError("personal data cannot be decrypted with the configured key") from None


def normalise_name(name: str) -> str:
    """'  Amína  Hassan-Warsame ' and 'amina hassan warsame' are the same name."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z ]", " ", stripped.lower()).split())


def normalise_phone(phone: str) -> str:
    """The last nine digits: '+252 61 555 0101' and '061 5550101' are one number."""
    return re.sub(r"\D", "", phone)[-9:]


def normalise_national_id(national_id: str) -> str:
    return re.sub(r"[\s-]", "", national_id).upper()


@dataclass(frozen=True)
class BlindKeys:
    national_id: str
    phone: str
    name_dob: str


class BlindIndex:
    def __init__(self, key: str):
        self._key = key.encode()

    def _mac(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def national_id_key(self, national_id: str) -> str:
        return self._mac("nid", normalise_national_id(national_id))

    def phone_key(self, phone: str) -> str:
        return self._mac("phone", normalise_phone(phone))

    def keys(self, national_id: str, phone: str, full_name: str, date_of_birth: date) -> BlindKeys:
        return BlindKeys(
            national_id=self.national_id_key(national_id), phone=self.phone_key(phone),
            name_dob=self._mac("name-dob", f"{normalise_name(full_name)}|{date_of_birth.isoformat()}"))
