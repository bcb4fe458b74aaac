"""Possible duplicates held at enrollment: the submitted person and each candidate side by
side (personal data: officers of the district only), then link to the existing participant
or confirm a different person, who is then enrolled. Nothing is merged silently."""
from services.enrollment import schemas as enrollment_schemas
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command

OFFICER = {"officer"}
HOLD = "/app/holds/<held_id>"


class HoldPages:
    """Mixed into the gateway service; uses its enrollment proxy."""

    @page("GET", HOLD, roles=OFFICER, scope=DISTRICT)
    def page_hold(self, view, held_id):
        return view.show("hold.html", hold=self.enrollment.get_hold(held_id, True, view.user.district),
                         fields=("full_name", "phone", "national_id", "date_of_birth"))

    @page("POST", HOLD + "/resolve", roles=OFFICER, scope=DISTRICT, back=HOLD)
    def form_resolve_hold(self, view, held_id):
        decision, _, participant_id = view.request.form.get("decision", "").partition(":")
        data = command(enrollment_schemas.ResolveHeld, {"decision": decision,
                                                        "participant_id": participant_id or None})
        resolved = self.enrollment.resolve_hold(held_id, data, view.user.username)
        message = N_("Linked to %(participant)s: no one new enrolled.") if resolved["status"] == "LINKED" \
            else N_("A different person: enrolled as %(participant)s.")
        return view.then(f"/app/participants/{resolved['participant_id']}",
                         view.gettext(message, participant=resolved["participant_id"]))
