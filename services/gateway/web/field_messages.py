"""A refused form in plain words beside each field: pydantic's errors (`String should
match pattern '^\\+?[0-9 ]{7,20}$'`) become what a person can act on."""
from services.gateway.web.formats import N_

# Fields whose shape is a rule of its own: what to type, whatever the error was.
FIELD_HINTS = {
    "phone": N_("Enter a phone number of 7 to 20 digits, e.g. +252 61 555 0101."),
    "msisdn": N_("Enter a mobile number of 7 to 20 digits, e.g. +252 61 555 0101."),
    "amount": N_("Enter an amount in figures, e.g. 350.00."),
    "month": N_("Choose a month, e.g. 2026-11."),
}
BY_TYPE = {
    "missing": N_("Fill in this field."),
    "string_too_short": N_("Enter at least %(min_length)s characters."),
    "string_too_long": N_("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": N_("Enter it in the form the example shows."),
    "date_from_datetime_parsing": N_("Enter a date as year-month-day, e.g. 2026-09-14."),
    "date_parsing": N_("Enter a date as year-month-day, e.g. 2026-09-14."),
    "date_type": N_("Enter a date as year-month-day, e.g. 2026-09-14."),
    "decimal_parsing": N_("Enter an amount in figures, e.g. 350.00."),
    "decimal_type": N_("Enter an amount in figures, e.g. 350.00."),
    "int_parsing": N_("Enter a whole number."),
    "greater_than": N_("Enter a number above %(gt)s."),
    "greater_than_equal": N_("Enter %(ge)s or more."),
    "less_than_equal": N_("Enter %(le)s or less."),
    "literal_error": N_("Choose one of the options."),
    "enum": N_("Choose one of the options."),
    "too_short": N_("Give at least %(min_length)s."),
    "too_long": N_("Give at most %(max_length)s."),
}


def field_name(location: tuple, form_fields) -> str:
    """The form field an error is about: `consent_given_on` for ("consent", "given_on")
    when the form has one, else the innermost name."""
    names = [str(part) for part in location if isinstance(part, str)]
    joined = "_".join(names)
    if joined in form_fields or not names:
        return joined or "form"
    return names[-1]


def plain(error: dict, field: str, gettext) -> str:
    """One error in the page's language."""
    if field in FIELD_HINTS:
        return gettext(FIELD_HINTS[field])
    wording = BY_TYPE.get(error["type"])
    if wording is None:  # a rule's own words (model validators): already plain
        return str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        wording = BY_TYPE["missing"]
    return gettext(wording) % {key: value for key, value in (error.get("ctx") or {}).items()}


def field_errors(errors: list[dict], form_fields, gettext) -> dict[str, str]:
    """{field: message}, the first error of each field."""
    found: dict[str, str] = {}
    for error in errors:
        field = field_name(error["loc"], form_fields)
        found.setdefault(field, plain(error, field, gettext))
    return found
