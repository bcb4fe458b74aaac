"""What the demo office holds: its staff, its two programmes (start-up grants; an aftercare
allowance), its courses and the people on its books, each with the place in the programme
the demo leaves them (so every role's first page has work on it). Invented people only."""
from dataclasses import dataclass

STAFF = [("officer-a", "officer", "Kismayo"), ("officer-b", "officer", "Kismayo"),
         ("supervisor", "supervisor", None), ("finance", "finance", None), ("finance-2", "finance", None),
         ("monitoring", "monitoring", None)]
DONOR = "MDTF"
BANK = f"Assets:Bank:{DONOR}"
GRANTS = {"code": "LG-2026", "name": "Livelihood start-up grants 2026", "donor": DONOR, "currency": "USD",
          "grant_amount": "500.00", "budget": "100000.00",
          "tranches": [{"percent": 60}, {"percent": 40, "conditions": [{"type": "follow_up_confirmed"}]}],
          "approval_tiers": [{"max_amount": "400.00", "approvers": ["officer"]},
                             {"max_amount": None, "approvers": ["officer", "supervisor"]}],
          "conditions": [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
                         {"type": "completed_track", "track": "BUSINESS_DEVELOPMENT"},
                         {"type": "min_attendance", "percent": 80},
                         {"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]},
                         {"type": "consent_active"}, {"type": "no_earlier_grant"}]}
ALLOWANCE = {"code": "AC-2026", "name": "Aftercare allowance 2026", "donor": DONOR, "currency": "USD",
             "grant_amount": "40.00", "budget": "20000.00", "conditions": [{"type": "consent_active"}],
             "allowance": {"amount": "40.00", "phases": ["AFTERCARE"], "conditions": [{"type": "consent_active"}],
                           "months": 6}}
FUNDING = {GRANTS["code"]: "20000.00", ALLOWANCE["code"]: "5000.00"}
FLOAT_TOP_UP = "10000.00"
# (code, track, title, whether its cohort has finished: the grant's courses have, tailoring runs)
COURSES = [("FL-101", "FINANCIAL_LITERACY", "Managing money", True),
           ("BD-101", "BUSINESS_DEVELOPMENT", "Start a business", True),
           ("TVET-TAILOR", "TVET:tailoring", "Tailoring", False)]
MENTORS = [{"district": "Kismayo", "gender": "F", "languages": ["so"], "trade": "tailoring", "capacity": 4,
            "vetted": True, "birth_year": 1985},
           {"district": "Kismayo", "gender": "M", "languages": ["so", "sw"], "trade": "mobile repair", "capacity": 4,
            "vetted": True, "birth_year": 1982}]
PLAN = {"summary": "A stall in Kismayo market", "budget_lines": [{"item": "tools", "amount": "250.00"},
                                                                  {"item": "stock", "amount": "100.00"}]}


@dataclass(frozen=True)
class Person:
    """Someone on the books and where the demo leaves them: `phase`, and `grant` (the state of
    their start-up grant application, None for none)."""
    full_name: str
    phone: str
    national_id: str
    born: str
    gender: str
    trade: str
    phase: str
    grant: str | None = None
    amount: str = "350.00"

    def enrollment(self, given_on: str, number: int) -> dict:
        return {"full_name": self.full_name, "phone": self.phone, "national_id": self.national_id,
                "date_of_birth": self.born, "gender": self.gender, "district": "Kismayo", "languages": ["so"],
                "livelihood_interest": self.trade, "clearance_reference": f"NSC-DEMO-{number:03d}",
                "consent": {"given_on": given_on}}


PEOPLE = [
    Person("Amina Hassan Warsame", "+252 61 700 0101", "DEMO-0101", "1998-01-14", "F", "tailoring",
           "EXIT_ASSESSMENT", "DRAFT"),
    Person("Hodan Ali Farah", "+252 61 700 0102", "DEMO-0102", "1997-02-02", "F", "tailoring",
           "EXIT_ASSESSMENT", "SUBMITTED"),
    Person("Abdi Omar Nur", "+252 61 700 0103", "DEMO-0103", "1995-03-03", "M", "mobile repair",
           "EXIT_ASSESSMENT", "SUPERVISOR", "450.00"),
    Person("Sahra Yusuf Aden", "+252 61 700 0104", "DEMO-0104", "2000-04-04", "F", "livestock",
           "EXIT_ASSESSMENT", "APPROVED"),
    Person("Mohamed Ismail Jama", "+252 61 700 0105", "DEMO-0105", "1996-05-05", "M", "carpentry",
           "EXIT_ASSESSMENT", "RETURNED"),
    Person("Fadumo Ahmed Elmi", "+252 61 700 0106", "DEMO-0106", "1999-06-06", "F", "tailoring",
           "EXIT_ASSESSMENT", "REJECTED"),
    Person("Khadija Abdullahi Osman", "+252 61 700 0107", "DEMO-0107", "1994-07-07", "F", "tailoring",
           "AFTERCARE", "DISBURSING"),
    Person("Yusuf Hassan Mohamud", "+252 61 700 0108", "DEMO-0108", "1993-08-08", "M", "mobile repair",
           "AFTERCARE", "DISBURSED"),
    Person("Ayaan Mohamed Ali", "+252 61 700 0109", "DEMO-0109", "2001-09-09", "F", "fishing", "AFTERCARE"),
    Person("Ibrahim Ahmed Dahir", "+252 61 700 0110", "DEMO-0110", "2002-10-10", "M", "fishing", "ENTRY_ASSESSMENT"),
    Person("Maryan Abdi Hussein", "+252 61 700 0111", "DEMO-0111", "1998-11-11", "F", "tailoring", "REHABILITATION"),
    Person("Hassan Ali Gedi", "+252 61 700 0112", "DEMO-0112", "1990-12-12", "M", "electrical", "CLOSED"),
    Person("Nasra Omar Sheikh", "+252 61 700 0113", "DEMO-0113", "1997-01-13", "F", "tailoring", "WITHDRAWN"),
]
# Shares Ibrahim's phone: held as a possible duplicate for an officer to resolve.
LOOKALIKE = Person("Ibraahim Axmed Daahir", "+252 61 700 0110", "DEMO-0199", "2002-10-11", "M", "fishing",
                   "ENTRY_ASSESSMENT")
