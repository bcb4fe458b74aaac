"""District scope, in one place: every participant, cohort, hold, mentor, offer, round,
grant application or referral a request names — in its path, body or query — is checked
against the district of an officer who has one, before the handler runs.

A record outside the district answers exactly like a record that does not exist (404,
the same words), so a caller learns nothing about another district's people. A district
the caller names themselves (enrolling, opening a cohort) is not a record: naming
another district is a plain 403.
"""
from pydantic import BaseModel

from services.gateway.accounts import in_district
from services.gateway.models import User
from shared.errors import NotFound, UnknownParticipant

# The names an id travels under → the kind of record it names.
SCOPED = {
    "participant_id": "participant", "present": "participant", "absent": "participant",
    "cohort_id": "cohort", "held_id": "hold", "mentor_id": "mentor", "offer_id": "offer",
    "round_id": "round", "application_id": "application", "referral_id": "referral",
}
DISTRICT_FIELD = "district"


def _missing(kind: str, record_id: str) -> NotFound:
    error = UnknownParticipant if kind == "participant" else NotFound
    return error(f"no {kind} {record_id}")


def _district(service, kind: str, record_id: str) -> str | None:
    """The district a record belongs to (None: the whole programme); NotFound when unknown."""
    lookups = {
        "cohort": lambda: service.enrollment.get_cohort(record_id),
        "hold": lambda: service.enrollment.get_hold(record_id, False),
        "mentor": lambda: service.mentorship.get_mentor(record_id),
        "offer": lambda: service.mentorship.get_offer(record_id),
        "round": lambda: service.mentorship.get_round(record_id),
        "application": lambda: service.livelihoods.get_application(record_id),
        "referral": lambda: service.livelihoods.get_referral(record_id),
    }
    return lookups[kind]()["district"]


def named(values: dict) -> tuple[dict[str, set[str]], set[str]]:
    """The ids a request names, by kind, and the districts it names, from its path
    parameters, body and query (nested objects included)."""
    ids: dict[str, set[str]] = {}
    districts: set[str] = set()
    for name, value in values.items():
        if isinstance(value, dict):
            inner_ids, inner_districts = named(value)
            for kind, found in inner_ids.items():
                ids.setdefault(kind, set()).update(found)
            districts |= inner_districts
        elif name in SCOPED and value is not None:
            ids.setdefault(SCOPED[name], set()).update(value if isinstance(value, list) else [str(value)])
        elif name == DISTRICT_FIELD and isinstance(value, str):
            districts.add(value)
    return ids, districts


def request_values(params: dict, body, query: BaseModel | None) -> list[dict]:
    """Everything a request names: its path parameters, its body (a validated model; a CSV
    upload is checked row by row by its service) and its query. A query's `district` is
    left out: it filters a list, which the handler narrows to the officer's own district."""
    parts = [params]
    if isinstance(body, BaseModel):
        parts.append(body.model_dump(mode="json"))
    if query is not None:
        parts.append(query.model_dump(mode="json", exclude={DISTRICT_FIELD}))
    return parts


def require(service, user: User, *parts: dict) -> None:
    """Refuse (404, as for an unknown record) any record named in `parts` outside an
    officer's district (403 for a district named outright)."""
    if user.role != "officer" or not user.district:
        return
    ids, districts = named({str(number): part for number, part in enumerate(parts)})
    for district in districts:
        in_district(user, district)
    people = ids.pop("participant", set())
    if people:
        known = service.enrollment.participant_districts(sorted(people))
        for participant_id in sorted(people):
            if known.get(participant_id) != user.district:
                raise _missing("participant", participant_id)
    for kind, found in ids.items():
        for record_id in sorted(found):
            try:
                district = _district(service, kind, record_id)
            except NotFound:
                district = None
            if district != user.district:
                raise _missing(kind, record_id)


def names_in(model: type[BaseModel] | None) -> set[str]:
    """The scoped field names a body or query model declares (its nested models' too)."""
    if model is None or not isinstance(model, type) or not issubclass(model, BaseModel):
        return set()
    found = {name for name in model.model_fields if name in SCOPED or name == DISTRICT_FIELD}
    for field in model.model_fields.values():
        for inner in getattr(field.annotation, "__args__", (field.annotation,)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                found |= names_in(inner)
    return found
