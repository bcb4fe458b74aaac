"""The cycle benchmark's participants as enrollment keeps them, so the payment adapter resolves
every payee through enrollment as in production: each one enrolled with enrollment's own code
(sealed personal data, blind keys and their identity claims, consent), in aftercare since the
day given, with a mobile-money account sealed by the same vault and VERIFIED as the provider's
name check leaves it (the account's history: set, then checked and matched).

Inserted straight into the database, a few statements per chunk, and without events: their
enrollment and name check are not what is measured, and the benchmark seeds livelihoods
itself. The people are made up, one per participant id: a distinct name and E.164 number
derived from the id, which the simulated provider pays when its unknown-account rate is 0."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from services.enrollment import identity_claims, participants
from services.enrollment.models import Participant, PaymentAccount, PaymentAccountEvent
from services.enrollment.name_check import MATCH
from services.enrollment.payment_accounts import CHANGED, CHECKED, UNVERIFIED, VERIFIED, mask
from services.enrollment.payment_schemas import SetPaymentAccount
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import EnrollParticipant
from shared.payees import MOBILE_MONEY

ACTOR = "bench-seed"
PROVIDER = "SIMMOBILE"
ENROLLED_BEFORE_AFTERCARE = timedelta(days=180)
SURNAME_LETTERS = 6  # 26 ** 6: a distinct name for every participant id


def number_of(participant_id: str) -> int:
    """`P-00002A` → 1522: the id's six characters read in base 36, unique per id."""
    return int(participant_id[2:], 36)


def surname(number: int) -> str:
    """Letters only (blind keys drop digits from names): 0 → 'Aaaaaa', 1 → 'Aaaaab'."""
    letters = ""
    for _ in range(SURNAME_LETTERS):
        number, rest = divmod(number, 26)
        letters = chr(ord("a") + rest) + letters
    return letters.capitalize()


def msisdn(number: int) -> str:
    """`+2526` and ten digits: 15 digits at most, as E.164 and the provider require."""
    return f"+2526{number:010d}"


def person(participant_id: str, enrolled_on: date) -> EnrollParticipant:
    number = number_of(participant_id)
    return EnrollParticipant(
        full_name=f"Bench {surname(number)}", phone=msisdn(number), national_id=f"BENCH-{number:010d}",
        date_of_birth=date(1998, 1, 1), gender="F", district="Kismayo", languages=["so"],
        clearance_reference="BENCH-CLEARANCE", consent={"given_on": enrolled_on})


def verified_account(vault: PiiVault, participant_id: str, at: datetime) -> tuple[dict, list[dict]]:
    """The account row as `set_account` then a matching `record_check` leave it, and its two
    history rows."""
    command = SetPaymentAccount(kind=MOBILE_MONEY, msisdn=msisdn(number_of(participant_id)), provider=PROVIDER)
    secret = command.secret()
    shown = {"participant_id": participant_id, "kind": command.kind, "provider": command.provider_code,
             "masked": mask(command.kind, secret)}
    account = {**shown, "sealed": vault.seal(secret), "verification": VERIFIED, "checked_at": at,
               "provider_answer": MATCH, "version": 1, "changed_by": ACTOR, "changed_at": at}
    history = [{**shown, "action": CHANGED, "verification": UNVERIFIED, "provider_answer": None,
                "recorded_by": ACTOR, "recorded_at": at},
               {**shown, "action": CHECKED, "verification": VERIFIED, "provider_answer": MATCH,
                "recorded_by": ACTOR, "recorded_at": at}]
    return account, history


def seed(session: Session, vault: PiiVault, index: BlindIndex, participant_ids: list[str],
         aftercare_since: date) -> None:
    """Enroll these participants, in aftercare since `aftercare_since`, each with a verified
    account; in the caller's transaction."""
    enrolled_on = aftercare_since - ENROLLED_BEFORE_AFTERCARE
    people = [(participants.blind_keys(index, command), command)
              for command in (person(pid, enrolled_on) for pid in participant_ids)]
    identity_claims.take(session, [keys for keys, _ in people])
    participants.create_many(session, vault, people, ACTOR, emit=lambda *events: None, ids=participant_ids)
    session.execute(update(Participant).where(Participant.id.in_(participant_ids))
                    .values(phase="AFTERCARE", aftercare_started_on=aftercare_since))
    at = datetime.now(timezone.utc)
    accounts = [verified_account(vault, pid, at) for pid in participant_ids]
    session.execute(insert(PaymentAccount), [account for account, _ in accounts])
    # the table's own insert: the ORM's would send a statement per row, as it groups rows by the
    # columns they set and the two history rows alternate (the first has no provider answer)
    session.execute(insert(PaymentAccountEvent.__table__), [row for _, history in accounts for row in history])
