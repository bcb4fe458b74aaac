"""Microfinance referrals: partner institutions, referrals with the participant's consent
to share data, delivery to the partner, and the partner's signed status reports.

`REFERRED → ACKNOWLEDGED → ACCOUNT_OPENED | LOAN_APPROVED | DECLINED`, every change kept
with who and when. A referral needs the participant's consent to share its data with that
partner (recorded by the referring officer), an active programme consent, and a partner
serving the participant's district. The partner receives only pseudonymous facts: the
participant's id, district and gender, the product, the livelihood trade and the referral
id.

Delivery never runs inside a transaction: the referral commits first with its delivery
`PENDING` and a claim token, the HTTP call runs, then the outcome is written only if the
claim still holds (a conditional UPDATE, so two deliveries of one referral never both
record). Partners without an API get `PRINT`: an officer prints the letter.
"""
import hashlib
import hmac
import html
import secrets
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from services.livelihoods.models import ParticipantFacts
from services.livelihoods.partner_client import Delivery, Outcome
from services.livelihoods.partner_keys import PartnerKeys
from services.livelihoods.referral_models import Partner, Referral, ReferralStatusChange
from services.livelihoods.referral_schemas import CreatePartner, CreateReferral, PartnerStatusUpdate
from shared.errors import (Conflict, IllegalTransition, NotEligible, NotFound, Unauthenticated, UnknownParticipant,
                           ValidationFailed)
from shared.ids import unused_id
from shared.validation import load_json, parse

TRANSITIONS = {
    "REFERRED": ("ACKNOWLEDGED",),
    "ACKNOWLEDGED": ("ACCOUNT_OPENED", "LOAN_APPROVED", "DECLINED"),
    "ACCOUNT_OPENED": (),
    "LOAN_APPROVED": (),
    "DECLINED": (),
}
OPEN = ("REFERRED", "ACKNOWLEDGED")
SIGNATURE_PREFIX = "sha256="


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- partners -------------------------------------------------------------------------

def create_partner(session: Session, command: CreatePartner, actor: str, keys: PartnerKeys) -> tuple[Partner, str]:
    """Returns the partner and its webhook secret, which no later answer shows again; both
    the secret and the API token are stored sealed."""
    if session.get(Partner, command.code) is not None:
        raise Conflict(f"partner {command.code} already exists")
    secret = secrets.token_urlsafe(32)
    partner = Partner(**command.model_dump(exclude={"api_token"}), api_token=keys.seal(command.api_token),
                      webhook_secret=keys.seal(secret), created_by=actor, created_at=_now())
    session.add(partner)
    return partner, secret


def load_partner(session: Session, code: str) -> Partner:
    partner = session.get(Partner, code)
    if partner is None:
        raise NotFound(f"no partner {code}")
    return partner


def all_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.code)))


def describe_partner(partner: Partner) -> dict:
    """Never the webhook secret nor the API token."""
    return {"code": partner.code, "name": partner.name, "products": partner.products,
            "districts": partner.districts, "eligibility_notes": partner.eligibility_notes,
            "api_url": partner.api_url, "delivery": "HTTP" if partner.api_url else "PRINT",
            "has_api_token": partner.api_token is not None}


# ---- referrals ------------------------------------------------------------------------

def participant(session: Session, participant_id: str, for_update: bool = False) -> ParticipantFacts:
    facts = session.get(ParticipantFacts, participant_id, with_for_update=for_update)
    if facts is None:
        raise UnknownParticipant(f"no participant {participant_id} known to livelihoods")
    return facts


def _require_consent(facts: ParticipantFacts) -> None:
    if not facts.consent_active:
        raise NotEligible(f"{facts.participant_id} has withdrawn consent; no data is shared with a partner")


def load(session: Session, referral_id: str, for_update: bool = False) -> Referral:
    referral = session.get(Referral, referral_id, with_for_update=for_update)
    if referral is None:
        raise NotFound(f"no referral {referral_id}")
    return referral


def _record(session: Session, referral: Referral, status: str, actor: str, note: str | None, at: datetime) -> None:
    referral.status = status
    session.add(ReferralStatusChange(referral_id=referral.id, status=status, changed_by=actor,
                                     changed_at=at, note=note))


def create_referral(session: Session, command: CreateReferral, actor: str) -> Referral:
    """A referral in REFERRED; its delivery is PENDING (claimed, to run after the commit)
    or PRINT for a partner without an API. The participant's row is locked, so two
    officers referring the same person at once cannot both pass the open-referral check."""
    facts = participant(session, command.participant_id, for_update=True)
    _require_consent(facts)
    partner = load_partner(session, command.partner)
    if facts.district not in partner.districts:
        raise NotEligible(f"{partner.code} does not serve {facts.district}")
    if command.product not in partner.products:
        raise ValidationFailed(f"{partner.code} offers {', '.join(partner.products)}; not {command.product}")
    already = session.scalar(select(Referral.id).where(
        Referral.participant_id == facts.participant_id, Referral.partner == partner.code,
        Referral.product == command.product, Referral.status.in_(OPEN)))
    if already is not None:
        raise Conflict(f"{facts.participant_id} already has open referral {already} to {partner.code} "
                       f"for {command.product}")
    now = _now()
    referral = Referral(
        id=unused_id(session, Referral, "R-", 8), participant_id=facts.participant_id, partner=partner.code,
        product=command.product, trade=command.trade, district=facts.district, gender=facts.gender,
        status="REFERRED", consent_given_on=command.data_sharing_consent.given_on, consent_recorded_by=actor,
        created_by=actor, created_at=now, delivery_attempts=0,
        delivery_status="PENDING" if partner.api_url else "PRINT")
    if partner.api_url:
        referral.delivery_claim, referral.delivery_started_at = uuid.uuid4().hex, now
    session.add(referral)
    _record(session, referral, "REFERRED", actor, None, now)
    session.flush()
    return referral


def partner_payload(referral: Referral) -> dict:
    """Everything a partner receives: pseudonymous, and no more than it needs."""
    return {"referral_id": referral.id, "participant_id": referral.participant_id,
            "district": referral.district, "gender": referral.gender, "product": referral.product,
            "livelihood_trade": referral.trade}


def delivery_job(session: Session, referral: Referral, keys: PartnerKeys) -> Delivery | None:
    """What the HTTP delivery needs, when this transaction holds the delivery's claim."""
    if referral.delivery_status != "PENDING" or referral.delivery_claim is None:
        return None
    partner = load_partner(session, referral.partner)
    return Delivery(referral_id=referral.id, claim=referral.delivery_claim, url=partner.api_url,
                    api_token=keys.open(partner.api_token), secret=keys.open(partner.webhook_secret),
                    payload=partner_payload(referral))


def _reloaded(session: Session, referral_id: str) -> Referral:
    """The referral as the database has it after a conditional UPDATE (which does not
    touch the objects the session already holds)."""
    return session.get(Referral, referral_id, populate_existing=True)


def claim_retry(session: Session, referral_id: str, stale_after: timedelta, keys: PartnerKeys) -> Delivery:
    """Claim a new delivery of a referral whose delivery FAILED (or whose PENDING delivery
    was abandoned longer than `stale_after` ago, by a process that died mid-way).

    Refused for a referral the partner already answered or after consent was withdrawn.
    The claim is a conditional UPDATE: of two concurrent retries, one wins.
    """
    referral = load(session, referral_id, for_update=True)
    if referral.delivery_status == "PRINT":
        raise IllegalTransition(f"{referral.partner} has no API; print referral {referral.id} instead")
    if referral.status != "REFERRED":
        raise IllegalTransition(f"referral {referral.id} is {referral.status}; the partner already has it")
    _require_consent(participant(session, referral.participant_id))
    now = _now()
    claim = uuid.uuid4().hex
    claimed = session.execute(
        update(Referral)
        .where(Referral.id == referral.id,
               or_(Referral.delivery_status == "FAILED",
                   (Referral.delivery_status == "PENDING") & (Referral.delivery_started_at < now - stale_after)))
        .values(delivery_status="PENDING", delivery_claim=claim, delivery_started_at=now, delivery_error=None)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise IllegalTransition(f"delivery of referral {referral.id} is {referral.delivery_status}; "
                                f"only a FAILED delivery is retried")
    return delivery_job(session, _reloaded(session, referral.id), keys)


def record_delivery(session: Session, delivery: Delivery, outcome: Outcome) -> bool:
    """Write the outcome if `delivery` still holds the claim; False when it does not (the
    partner answered meanwhile, or a newer retry took over)."""
    values = {"delivery_attempts": Referral.delivery_attempts + outcome.attempts, "delivery_claim": None}
    if outcome.delivered:
        values.update(delivery_status="DELIVERED", delivery_error=None, delivered_at=_now())
    else:
        values.update(delivery_status="FAILED", delivery_error=outcome.error)
    written = session.execute(
        update(Referral)
        .where(Referral.id == delivery.referral_id, Referral.delivery_status == "PENDING",
               Referral.delivery_claim == delivery.claim)
        .values(**values).execution_options(synchronize_session=False))
    _reloaded(session, delivery.referral_id)
    return written.rowcount == 1


def history(session: Session, referral: Referral) -> list[ReferralStatusChange]:
    return list(session.scalars(select(ReferralStatusChange).where(
        ReferralStatusChange.referral_id == referral.id).order_by(ReferralStatusChange.id)))


def transition(session: Session, referral: Referral, status: str, actor: str, note: str | None = None) -> bool:
    """Move a referral to `status`. A status it already reached is a replay: no error, no
    new history line; returns whether anything changed."""
    reached = {change.status for change in history(session, referral)}
    if status in reached:
        return False
    allowed = TRANSITIONS[referral.status]
    if status not in allowed:
        raise IllegalTransition(f"referral {referral.id} is {referral.status}; "
                                f"allowed: {', '.join(allowed) or 'nothing (final)'}")
    now = _now()
    _record(session, referral, status, actor, note, now)
    if referral.delivery_status in ("PENDING", "FAILED"):
        # The partner answering about it shows that it arrived.
        referral.delivery_status, referral.delivery_error = "DELIVERED", None
        referral.delivery_claim, referral.delivered_at = None, now
    return True


# ---- the partners' webhook ------------------------------------------------------------

def verify_signature(secret: str, raw_body: bytes, signature: str | None) -> None:
    """`signature` must be `sha256=<hex HMAC-SHA256 of the raw body with the secret>`."""
    expected = (SIGNATURE_PREFIX + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()).encode()
    given = (signature or "").strip().encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        raise Unauthenticated("missing or bad X-DDRR-Signature")


def partner_status_update(session: Session, partner_code: str, raw_body: str,
                          signature: str | None, keys: PartnerKeys) -> tuple[Referral, bool]:
    """A partner's signed status report. The signature is checked before the body is even
    parsed; a referral of another partner is as unknown as a missing one."""
    partner = session.get(Partner, partner_code)
    if partner is None:
        raise Unauthenticated("missing or bad X-DDRR-Signature")
    verify_signature(keys.open(partner.webhook_secret), raw_body.encode("utf-8"), signature)
    update_ = parse(PartnerStatusUpdate, load_json(raw_body.encode("utf-8")))
    referral = session.get(Referral, update_.referral_id, with_for_update=True)
    if referral is None or referral.partner != partner.code:
        raise NotFound(f"no referral {update_.referral_id} for partner {partner.code}")
    changed = transition(session, referral, update_.status, f"partner:{partner.code}", update_.note)
    return referral, changed


# ---- what people read -----------------------------------------------------------------

def describe(session: Session, referral: Referral) -> dict:
    return {
        "referral_id": referral.id, "participant_id": referral.participant_id, "partner": referral.partner,
        "product": referral.product, "trade": referral.trade, "district": referral.district,
        "gender": referral.gender, "status": referral.status,
        "data_sharing_consent": {"given_on": referral.consent_given_on.isoformat(),
                                 "recorded_by": referral.consent_recorded_by},
        "created_by": referral.created_by, "created_at": referral.created_at.isoformat(),
        "delivery": {"status": referral.delivery_status, "attempts": referral.delivery_attempts,
                     "error": referral.delivery_error,
                     "delivered_at": referral.delivered_at.isoformat() if referral.delivered_at else None},
        "history": [{"status": h.status, "changed_by": h.changed_by, "changed_at": h.changed_at.isoformat(),
                     "note": h.note} for h in history(session, referral)],
    }


def letter(session: Session, referral_id: str, today: date | None = None) -> str:
    """The referral letter a participant takes to a partner: pseudonymous facts only. Every
    value is HTML-escaped, so the text can be placed in a page as it is."""
    referral = load(session, referral_id)
    _require_consent(participant(session, referral.participant_id))
    partner = load_partner(session, referral.partner)

    def e(value) -> str:
        return html.escape(str(value), quote=True)

    lines = [
        f"MICROFINANCE REFERRAL {e(referral.id)}",
        f"Date: {e((today or date.today()).isoformat())}",
        f"To: {e(partner.name)} ({e(partner.code)})",
        f"Product: {e(referral.product)}",
        "",
        f"Participant: {e(referral.participant_id)}",
        f"District: {e(referral.district)}",
        f"Gender: {e(referral.gender)}",
        f"Livelihood trade: {e(referral.trade)}",
        "",
        f"The participant agreed on {e(referral.consent_given_on.isoformat())} to share these details "
        f"with {e(partner.name)}.",
    ]
    if partner.eligibility_notes:
        lines.append(f"Requirements: {e(partner.eligibility_notes)}")
    lines += ["", f"Please quote {e(referral.id)} when you report the outcome "
                  "(acknowledged, account opened, loan approved or declined)."]
    return "\n".join(lines) + "\n"
