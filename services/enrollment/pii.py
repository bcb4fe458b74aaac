"""Protected personal data, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256)."""
import json

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
