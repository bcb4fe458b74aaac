"""The payee registry: each participant's payment account, set by an officer of their
district, sealed at rest like the rest of their personal data, checked by the provider's
name check, and resolved in batches only by the payment adapter at the moment of sending.

The account leaves enrollment only masked (`describe`, the history) or whole in the answer
of `resolve`. Nothing here emits an event or writes a log line: no fact about an account is
news to another service, and a log line could carry it."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment import name_check
from services.enrollment.models import Participant, PaymentAccount, PaymentAccountEvent
from services.enrollment.participants import load
from services.enrollment.payment_schemas import SetPaymentAccount
from services.enrollment.pii import PiiVault, normalise_phone
from shared.errors import ConcurrentUpdate, NoPaymentAccount
from shared.payees import ACCOUNT_NOT_VERIFIED, MOBILE_MONEY, NO_PAYMENT_ACCOUNT, UNKNOWN_PARTICIPANT

UNVERIFIED, VERIFIED, NAME_MISMATCH, UNKNOWN_ACCOUNT = "UNVERIFIED", "VERIFIED", "NAME_MISMATCH", "UNKNOWN_ACCOUNT"
OUTCOME = {name_check.MATCH: VERIFIED, name_check.NO_MATCH: NAME_MISMATCH,
           name_check.UNKNOWN_ACCOUNT: UNKNOWN_ACCOUNT}
CHANGED, CHECKED = "CHANGED", "CHECKED"
HIDDEN = "\u2022" * 4


def mask(kind: str, secret: dict) -> str:
    """`+2526••••123`, or `KCB01 ••••678`: enough to recognise, not to pay."""
    if kind == MOBILE_MONEY:
        return secret["msisdn"][:5] + HIDDEN + secret["msisdn"][-3:]
    return f"{secret['bank_code']} {HIDDEN}{secret['account_number'][-3:]}"


def _record(session: Session, account: PaymentAccount, action: str, actor: str, at: datetime) -> None:
    session.add(PaymentAccountEvent(
        participant_id=account.participant_id, action=action, kind=account.kind, provider=account.provider,
        masked=account.masked, verification=account.verification, provider_answer=account.provider_answer,
        recorded_by=actor, recorded_at=at))


def set_account(session: Session, vault: PiiVault, participant_id: str, command: SetPaymentAccount, actor: str,
                now: datetime) -> PaymentAccount:
    """Set (or replace) the account. A changed account is unverified again; the very same
    account sent again changes nothing, its verification included."""
    load(session, participant_id, lock=True)
    account = session.get(PaymentAccount, participant_id, with_for_update=True)
    secret = command.secret()
    if account is not None and (account.kind, account.provider) == (command.kind, command.provider_code) \
            and vault.open(account.sealed) == secret:
        return account
    if account is None:
        account = PaymentAccount(participant_id=participant_id, version=0)
        session.add(account)
    account.kind, account.provider = command.kind, command.provider_code
    account.sealed, account.masked = vault.seal(secret), mask(command.kind, secret)
    account.verification, account.checked_at, account.provider_answer = UNVERIFIED, None, None
    account.version += 1
    account.changed_by, account.changed_at = actor, now
    _record(session, account, CHANGED, actor, now)
    return account


def _account(session: Session, participant_id: str, lock: bool = False) -> PaymentAccount:
    account = session.get(PaymentAccount, participant_id, with_for_update=lock)
    if account is None:
        raise NoPaymentAccount(f"{participant_id} has no payment account; set one first")
    return account


@dataclass(frozen=True)
class NameCheck:
    """What the provider is asked, read in one transaction and answered in the next (the
    provider is never called while a row is locked)."""
    participant_id: str
    version: int
    account: dict
    name: str

    def __repr__(self) -> str:  # never the number or the name, should it reach a traceback
        return f"NameCheck({self.participant_id}, version {self.version})"


def name_check_request(session: Session, vault: PiiVault, participant_id: str) -> NameCheck:
    participant = load(session, participant_id)
    account = _account(session, participant_id)
    secret = vault.open(account.sealed)
    asked = {"msisdn": secret["msisdn"]} if account.kind == MOBILE_MONEY else {"bank_account": secret}
    return NameCheck(participant_id, account.version, asked, vault.open(participant.pii)["full_name"])


def record_check(session: Session, check: NameCheck, answer: str, actor: str, now: datetime) -> PaymentAccount:
    """Keep the provider's answer, unless the account changed while it was being checked."""
    account = session.get(PaymentAccount, check.participant_id, with_for_update=True)
    if account is None or account.version != check.version:
        raise ConcurrentUpdate(f"the payment account of {check.participant_id} changed while the provider "
                               f"checked it; verify it again")
    account.verification, account.provider_answer, account.checked_at = OUTCOME[answer], answer, now
    _record(session, account, CHECKED, actor, now)
    return account


def _iso(moment: datetime | None) -> str | None:
    return moment and moment.isoformat()


def describe(session: Session, vault: PiiVault, participant_id: str) -> dict:
    """The account as an officer sees it (masked), and its history, oldest first."""
    participant = load(session, participant_id)
    account = session.get(PaymentAccount, participant_id)
    view = None
    if account is not None:
        secret = vault.open(account.sealed)
        own_phone = (normalise_phone(secret["msisdn"]) == normalise_phone(vault.open(participant.pii)["phone"])
                     if account.kind == MOBILE_MONEY else None)
        view = {"kind": account.kind, "provider": account.provider, "masked": account.masked,
                "verification": account.verification, "provider_answer": account.provider_answer,
                "checked_at": _iso(account.checked_at), "changed_by": account.changed_by,
                "changed_at": _iso(account.changed_at), "same_as_participant_phone": own_phone}
    events = session.scalars(select(PaymentAccountEvent).where(PaymentAccountEvent.participant_id == participant_id)
                             .order_by(PaymentAccountEvent.id))
    return {"participant_id": participant_id, "account": view,
            "history": [{"action": e.action, "kind": e.kind, "provider": e.provider, "masked": e.masked,
                         "verification": e.verification, "provider_answer": e.provider_answer,
                         "recorded_by": e.recorded_by, "recorded_at": _iso(e.recorded_at)} for e in events]}


def resolve(session: Session, vault: PiiVault, participant_ids: list[str]) -> dict[str, dict]:
    """{id: where to pay} for ids with a verified account, {id: why to hold} for the others."""
    wanted = set(participant_ids)
    known = set(session.scalars(select(Participant.id).where(Participant.id.in_(wanted))))
    accounts = {a.participant_id: a for a in session.scalars(
        select(PaymentAccount).where(PaymentAccount.participant_id.in_(wanted)))}
    payees = {}
    for participant_id in participant_ids:
        account = accounts.get(participant_id)
        if participant_id not in known:
            payees[participant_id] = {"verified": False, "reason": UNKNOWN_PARTICIPANT}
        elif account is None:
            payees[participant_id] = {"verified": False, "reason": NO_PAYMENT_ACCOUNT}
        elif account.verification != VERIFIED:
            payees[participant_id] = {"verified": False, "reason": ACCOUNT_NOT_VERIFIED,
                                      "verification": account.verification}
        else:
            payees[participant_id] = {"kind": account.kind, **vault.open(account.sealed),
                                      "provider": account.provider, "verified": True}
    return payees
