"""The keys the provider sees: per payment a reference derived from the disbursement's
idempotency key (also its `rail-reference` and the statement's Other Party Reference), per
batch a key derived from the references it carries, so a batch sent again after a crash or a
timeout has the same key and the provider's idempotency makes the resend harmless."""
import hashlib


def reference_id(rail: str, idempotency_key: str) -> str:
    return f"{rail[:3].upper()}{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24].upper()}"


def batch_key(references, salt: str = "") -> str:
    """The same references (in any order) give the same key; a salt gives another one, for a
    batch whose content changed since its key was first used."""
    digest = hashlib.sha256(salt.encode())
    for reference in sorted(references):
        digest.update(b"\n" + reference.encode())
    return f"B-{digest.hexdigest()[:40]}"
