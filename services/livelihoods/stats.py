"""De-identified money figures for monitoring and evaluation: sums per group, never who."""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from services.livelihoods.models import (AllowanceCycle, AllowancePayment, Disbursement, GrantApplication,
                                         ParticipantFacts)
from shared.figures import FigureFilters

UNKNOWN_GENDER = "?"


def paid(session: Session, filters: FigureFilters) -> list[dict]:
    """Grant and allowance money the rail confirmed in the period, programme and district,
    by month paid, kind, programme, gender and currency.

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
    if filters.programme:
        grants = grants.where(GrantApplication.programme == filters.programme)
        allowances = allowances.where(AllowanceCycle.programme == filters.programme)
    if filters.district:
        grants = grants.where(ParticipantFacts.district == filters.district)
        allowances = allowances.where(ParticipantFacts.district == filters.district)
    totals: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for query in (grants, allowances):
        for settled_at, kind, programme, gender, currency, amount in session.execute(query):
            month = settled_at.strftime("%Y-%m")
            if not filters.holds_month(month):
                continue
            total = totals[(month, kind, programme, gender or UNKNOWN_GENDER, currency)]
            total[0] += amount
            total[1] += 1
    return [{"month": month, "kind": kind, "programme": programme, "gender": gender, "currency": currency,
             "amount": str(amount), "payments": payments}
            for (month, kind, programme, gender, currency), (amount, payments) in sorted(totals.items())]
