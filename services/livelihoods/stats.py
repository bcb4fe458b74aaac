"""De-identified money figures for monitoring and evaluation: sums per group, never who."""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods.models import Disbursement, GrantApplication, ParticipantFacts

UNKNOWN_GENDER = "?"


def grants_paid(session: Session) -> list[dict]:
    """Grant money the rail confirmed, by month paid, programme, gender and currency.

    Summed here rather than in SQL: a month of a timestamp is spelt differently by each
    database, and paid tranches are few next to everything else.
    """
    rows = session.execute(
        select(Disbursement.settled_at, GrantApplication.programme, ParticipantFacts.gender,
               Disbursement.currency, Disbursement.amount)
        .join(GrantApplication, GrantApplication.id == Disbursement.application_id)
        .outerjoin(ParticipantFacts, ParticipantFacts.participant_id == GrantApplication.participant_id)
        .where(Disbursement.status == "PAID"))
    totals: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for settled_at, programme, gender, currency, amount in rows:
        total = totals[(settled_at.strftime("%Y-%m"), programme, gender or UNKNOWN_GENDER, currency)]
        total[0] += amount
        total[1] += 1
    return [{"month": month, "programme": programme, "gender": gender, "currency": currency,
             "amount": str(amount), "payments": payments}
            for (month, programme, gender, currency), (amount, payments) in sorted(totals.items())]
