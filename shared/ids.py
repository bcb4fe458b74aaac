"""Pseudonymous identifiers such as `P-7K3M9Q`.

Crockford-style alphabet (no I, L, O, U) so ids read aloud over a phone stay
unambiguous; random, so an id reveals nothing about the person or the order of
enrollment.
"""
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str, length: int = 6) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def unused_id(session, model, prefix: str, length: int = 6) -> str:
    """A fresh id for `model` whose primary key is not taken yet."""
    while True:
        candidate = new_id(prefix, length)
        if session.get(model, candidate) is None:
            return candidate
