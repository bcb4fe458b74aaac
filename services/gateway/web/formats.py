"""How values read on a page, in its language: amounts with thousands separators and
their currency, counts, and codes as words (ENTRY_ASSESSMENT → "Entry assessment";
a grant condition → a sentence)."""
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal


def N_(message: str) -> str:
    """Marks a message for the catalog; it is translated where it is shown."""
    return message


LABELS = {
    # case phases
    "ENTRY_ASSESSMENT": N_("Entry assessment"), "REHABILITATION": N_("Rehabilitation"),
    "EXIT_ASSESSMENT": N_("Exit assessment"), "AFTERCARE": N_("Aftercare"), "CLOSED": N_("Closed"),
    "WITHDRAWN": N_("Withdrawn"),
    # grant applications, payments, cycles, seats, statements
    "DRAFT": N_("Draft"), "SUBMITTED": N_("Submitted"), "APPROVED": N_("Approved"), "REJECTED": N_("Rejected"),
    "RETURNED": N_("Returned for revision"), "DISBURSING": N_("Being paid"), "DISBURSED": N_("Paid in full"),
    "CANCELLED": N_("Cancelled"), "PENDING": N_("Pending"), "REQUESTED": N_("Sent to the rail"),
    "SENT": N_("Sent"), "PAID": N_("Paid"), "FAILED": N_("Failed"), "REISSUED": N_("Sent again"),
    "STOPPED": N_("Stopped"), "HELD": N_("Held"), "PREPARED": N_("Prepared"), "RELEASED": N_("Released"),
    "COMPLETED": N_("Completed"), "ENROLLED": N_("Seated"), "WAITLISTED": N_("On the waiting list"),
    "LEFT": N_("Left the cohort"), "PASS": N_("Passed"), "FAIL": N_("Not passed"), "OPEN": N_("Open"),
    "SIGNED_OFF": N_("Signed off"), "IMPORTED": N_("Imported"),
    # what happened to a grant application (its history)
    "REVISE": N_("Revised"), "SUBMIT": N_("Submitted"), "APPROVE": N_("Approved"), "REJECT": N_("Rejected"),
    "RETURN": N_("Returned for revision"), "CANCEL": N_("Cancelled"), "RELEASE": N_("Tranche released"),
    "PAUSE": N_("Paused"), "RESUME": N_("Resumed"), "FOLLOW_UP": N_("Follow-up visit"),
    "PAY_FAILED": N_("Payment failed"),
    # mentor offers
    "PROPOSED": N_("Proposed"), "ACCEPTED": N_("Accepted"), "DECLINED": N_("Declined"), "EXPIRED": N_("Expired"),
    # payment accounts
    "MOBILE_MONEY": N_("Mobile money"), "BANK": N_("Bank account"), "VERIFIED": N_("Verified"),
    "UNVERIFIED": N_("Not verified yet"), "NAME_MISMATCH": N_("Name does not match"),
    # reconciliation
    "MATCHED": N_("Matched"), "UNMATCHED_STATEMENT_LINE": N_("Unmatched statement line"),
    "MISSING_FROM_STATEMENT": N_("Missing from the statement"), "AMOUNT_MISMATCH": N_("Amount differs"),
    "DUPLICATE": N_("Duplicate"), "REVERSAL": N_("Reversal"), "ACCEPT": N_("Accept"), "ADJUST": N_("Adjust"),
    "REVERSE_PAYMENT": N_("Reverse the payment"), "FEE": N_("Rail fee"), "TOP_UP": N_("Float top-up from the bank"),
    "DATE_MISMATCH": N_("Day differs from the ledger's"),
    # course tracks
    "FINANCIAL_LITERACY": N_("Financial literacy"), "BUSINESS_DEVELOPMENT": N_("Business development"),
    "TVET:*": N_("Vocational training (any trade)"), "BASIC_EDUCATION": N_("Basic education"), "CIVIC_EDUCATION": N_("Civic education"),
    # kinds, genders, roles
    "GRANT": N_("Grant"), "ALLOWANCE": N_("Allowance"), "F": N_("Woman"), "M": N_("Man"),
    "officer": N_("officer"), "supervisor": N_("supervisor"), "finance": N_("finance"), "mentor": N_("mentor"),
    "monitoring": N_("monitoring"), "admin": N_("admin"),
}

# A statement line's outcome whose code means something else elsewhere (a grant's RETURN).
OUTCOMES = {"RETURN": N_("Float returned to the bank")}

CONDITIONS = {
    "completed_track": N_("Has completed a %(track)s course"),
    "min_attendance": N_("Attended at least %(percent)s %% of the sessions of each course"),
    "phase_in": N_("Is in one of these phases: %(phases)s"),
    "consent_active": N_("Has consent to take part that is not withdrawn"),
    "has_mentor": N_("Has a mentor"),
    "follow_up_confirmed": N_("A follow-up visit confirmed the business operates"),
    "no_earlier_grant": N_("Has had no earlier grant in this programme"),
}


def filters(code: str, gettext) -> dict:
    """The template filters for one language (`gettext` is its catalog's)."""

    def label(value) -> str:
        if value is None:
            return ""
        text = str(value)
        if text in LABELS:
            return gettext(LABELS[text])
        if text.startswith("TVET:"):
            return gettext(N_("Vocational training: %(trade)s")) % {"trade": text[5:]}
        return text.replace("_", " ").capitalize()

    def outcome(value) -> str:
        """A statement line's outcome as words."""
        return gettext(OUTCOMES[value]) if value in OUTCOMES else label(value)

    def money(amount, currency: str | None = None) -> str:
        try:
            value = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            return str(amount)
        if not currency:
            return format_decimal(value, format="#,##0.00", locale=code)
        return format_currency(value, currency, format="#,##0.00\xa0¤¤", locale=code, currency_digits=True)

    def number(value) -> str:
        return format_decimal(value, locale=code)

    def condition(rule: dict) -> str:
        wording = CONDITIONS.get(rule.get("type"))
        if wording is None:
            return label(rule.get("type"))
        return gettext(wording) % {"track": label(rule.get("track", "")), "percent": rule.get("percent", ""),
                                   "phases": ", ".join(label(p) for p in rule.get("phases", []))}

    return {"label": label, "outcome": outcome, "money": money, "number": number, "condition": condition}
