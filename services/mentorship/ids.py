"""Short ids in enrollment's alphabet, so mentor and offer ids read aloud like participant ids."""
import secrets

from sqlalchemy.orm import Session

from services.enrollment.participants import ID_ALPHABET


def new_id(session: Session, model, prefix: str) -> str:
    while True:
        candidate = prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
        if session.get(model, candidate) is None:
            return candidate
