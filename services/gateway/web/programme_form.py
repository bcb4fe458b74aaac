"""A grant programme from a form, not JSON: ticked conditions, tranches typed as `60, 40`,
a supervisor threshold that makes the approval tiers, an optional monthly allowance. The
API's own schema (CreateProgramme) validates the result; its errors land beside the fields."""
from services.gateway.web.formats import N_
from services.gateway.web.forms import FormRefused, command, optional
from services.livelihoods.schemas import CreateProgramme

TRACKS = ("FINANCIAL_LITERACY", "BUSINESS_DEVELOPMENT", "TVET:*", "CIVIC_EDUCATION")
PHASES = ("ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE")
SIMPLE_CONDITIONS = ("consent_active", "no_earlier_grant", "has_mentor")
# Where an error of CreateProgramme's nested parts is shown on the form.
FIELD_OF = {"tranches": "tranches", "approval_tiers": "supervisor_threshold", "conditions": "conditions"}


def _field(location: tuple) -> tuple:
    if not location:
        return ("form",)
    if location[0] == "allowance":
        return (f"allowance_{location[1]}",) if len(location) > 1 else ("allowance_amount",)
    return (FIELD_OF.get(location[0], location[0]),)


def _tranches(text: str, later_need_visit: bool, gettext) -> list[dict]:
    parts = [part.strip() for part in text.replace("/", ",").split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise FormRefused([{"loc": ("tranches",), "type": "value_error",
                            "msg": gettext(N_("Write each tranche's share in per cent, e.g. 60, 40."))}])
    if sum(map(int, parts)) != 100:
        raise FormRefused([{"loc": ("tranches",), "type": "value_error",
                            "msg": gettext(N_("The tranches must add up to 100 per cent."))}])
    later = [{"type": "follow_up_confirmed"}] if later_need_visit else []
    return [{"percent": int(part), "conditions": later if n else []} for n, part in enumerate(parts)]


def conditions(form) -> list[dict]:
    chosen = [{"type": "completed_track", "track": track} for track in form.getlist("tracks") if track in TRACKS]
    percent = optional(form, "min_attendance")
    if percent:
        chosen.append({"type": "min_attendance", "percent": int(percent) if percent.isdigit() else percent})
    phases = [phase for phase in form.getlist("phases") if phase in PHASES]
    if phases:
        chosen.append({"type": "phase_in", "phases": phases})
    return chosen + [{"type": kind} for kind in form.getlist("conditions") if kind in SIMPLE_CONDITIONS]


def programme(form, gettext) -> dict:
    """CreateProgramme's JSON from the form's fields."""
    threshold = optional(form, "supervisor_threshold")
    tiers = [{"max_amount": threshold, "approvers": ["officer"]},
             {"max_amount": None, "approvers": ["officer", "supervisor"]}] if threshold else \
        [{"max_amount": None, "approvers": ["officer"]}]
    allowance = None
    if optional(form, "allowance_amount"):
        allowance = {"amount": form["allowance_amount"].strip(), "months": form.get("allowance_months", "").strip(),
                     "phases": [phase for phase in form.getlist("allowance_phases") if phase in PHASES]}
    data = {"code": form.get("code", ""), "name": form.get("name", ""), "donor": form.get("donor", ""),
            "currency": form.get("currency", ""), "grant_amount": form.get("grant_amount", ""),
            "budget": form.get("budget", ""), "conditions": conditions(form),
            "tranches": _tranches(form.get("tranches", ""), form.get("follow_up") == "yes", gettext),
            "approval_tiers": tiers, "allowance": allowance, "starts_on": form.get("starts_on", "")}
    try:
        return command(CreateProgramme, data)
    except FormRefused as refused:
        raise FormRefused([{**error, "loc": _field(tuple(error["loc"]))} for error in refused.errors]) from None
