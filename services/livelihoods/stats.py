"""De-identified money figures for monitoring and evaluation: sums per group, never who."""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from services.livelihoods.models import (AllowanceCycle, AllowancePayment, Disbursement, GrantApplication,
                                         ParticipantFacts)

UNKNOWN_GENDER = "?"


def paid(session: Session) -> list[dict]:
    """Grant and allowance money the rail confirmed, by month paid, kind, programme, gender
    and currency.

    Summed here rather than in SQL: a month of a timestamp is spelt differently by each
    database, and confirmed payments are few next to everything else.
    """
    grants = (select(Disbursement.settled_at, literal("GRANT"), GrantApplication.programme, ParticipantFacts.gender,
                     Disbursement.currency, Disbursement.amount)
              .join(GrantApplication, GrantApplication.id == Disbursement.application_id)
              .outerjoin(ParticipantFacts, ParticipantFacts.participant_id == GrantApplication.participant_id)
              .where(Disbursement.status == "PAID"))
    allowances = (select(AllowancePayment.settled_at, literal("ALLOWANCE"), AllowanceCycle.programme,
                         ParticipantFacts.gender, AllowancePayment.currency, AllowancePayment.amount)
                  .join(AllowanceCycle, AllowanceCycle.id == AllowancePayment.cycle_id)
                  .outerjoin(ParticipantFacts, ParticipantFacts.participant_id == AllowancePayment.participant_id)
                  .where(AllowancePayment.status == "PAID"))
    totals: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for query in (grants, allowances):
        for settled_at, kind, programme, gender, currency, amount in session.execute(query):
            total = totals[(settled_at.strftime("%Y-%m"), kind, programme, gender or UNKNOWN_GENDER, currency)]
            total[0] += amount
            total[1] += 1
    return [{"month": month, "kind": kind, "programme": programme, "gender": gender, "currency": currency,
             "amount": str(amount), "payments": payments}
            for (month, kind, programme, gender, currency), (amount, payments) in sorted(totals.items())]
