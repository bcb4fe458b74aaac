"""Livelihoods' part of a participant's case file: grant applications, money paid (grant
tranches and monthly allowances) and microfinance referrals; pseudonymous, as everything here."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods.models import AllowanceEntitlement, AllowancePayment, Disbursement, GrantApplication
from services.livelihoods.referral_models import Referral


def record(session: Session, participant_id: str) -> dict:
    applications = list(session.scalars(select(GrantApplication).where(
        GrantApplication.participant_id == participant_id).order_by(GrantApplication.created_at)))
    tranches = session.execute(select(Disbursement, GrantApplication.programme)
                               .join(GrantApplication, GrantApplication.id == Disbursement.application_id)
                               .where(GrantApplication.participant_id == participant_id)
                               .order_by(Disbursement.requested_at))
    allowances = session.execute(select(AllowancePayment, AllowanceEntitlement)
                                 .join(AllowanceEntitlement, AllowanceEntitlement.id == AllowancePayment.entitlement_id)
                                 .where(AllowancePayment.participant_id == participant_id)
                                 .order_by(AllowanceEntitlement.month, AllowancePayment.attempt))
    referrals = session.scalars(select(Referral).where(Referral.participant_id == participant_id)
                               .order_by(Referral.created_at))
    return {
        "applications": [{"application_id": a.id, "programme": a.programme, "status": a.status,
                          "amount": str(a.amount), "currency": a.currency, "paused_reason": a.paused_reason,
                          "created_by": a.created_by} for a in applications],
        "payments": [{"kind": "GRANT", "programme": programme, "what": f"{d.application_id} tranche {d.tranche}",
                      "amount": str(d.amount), "currency": d.currency, "status": d.status,
                      "reason": d.failure_reason} for d, programme in tranches]
        + [{"kind": "ALLOWANCE", "programme": e.programme, "what": e.month, "amount": str(p.amount),
            "currency": p.currency, "status": p.status, "reason": p.failure_reason} for p, e in allowances],
        "referrals": [{"referral_id": r.id, "partner": r.partner, "product": r.product, "status": r.status,
                       "delivery_status": r.delivery_status, "created_at": r.created_at.isoformat()}
                      for r in referrals],
    }
