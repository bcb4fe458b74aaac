"""What the admin sets up for everyone else: grant programmes (built from a form), microfinance
partners, courses and their cohorts; each through the same RPC as its API endpoint."""
from services.enrollment.schemas import CreateCohort, CreateCourse
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import FormRefused, command, optional, today, words
from services.gateway.web.programme_form import PHASES, SIMPLE_CONDITIONS, TRACKS, programme
from services.livelihoods.referral_schemas import CreatePartner

ADMIN = {"admin"}
PROGRAMMES, PARTNERS, COURSES = "/app/admin/programmes", "/app/admin/partners", "/app/admin/courses"
COURSE_TRACKS = ("FINANCIAL_LITERACY", "BUSINESS_DEVELOPMENT", "CIVIC_EDUCATION", "BASIC_EDUCATION:1",
                 "BASIC_EDUCATION:2", "BASIC_EDUCATION:3", "TVET")


class AdminCataloguePages:
    """Mixed into the gateway service; uses its `livelihoods` and `enrollment` RPC proxies."""

    @page("GET", PROGRAMMES, roles=ADMIN)
    def page_programmes(self, view):
        return view.show("admin_programmes.html", programmes=self.livelihoods.list_programmes(), tracks=TRACKS,
                         phases=PHASES, simple_conditions=SIMPLE_CONDITIONS, today=today())

    @page("POST", PROGRAMMES, roles=ADMIN)
    def form_create_programme(self, view):
        created = self.livelihoods.create_programme(programme(view.request.form, view.gettext), view.user.username)
        return view.then(PROGRAMMES, view.gettext(N_("Programme %(code)s created."), code=created["code"]))

    def _partners_page(self, view, created: dict | None = None):
        return view.show("admin_partners.html", partners=self.livelihoods.list_partners(), created=created)

    @page("GET", PARTNERS, roles=ADMIN)
    def page_partners(self, view):
        return self._partners_page(view)

    @page("POST", PARTNERS, roles=ADMIN)
    def form_create_partner(self, view):
        """Answered with a page, not a redirect: the partner's webhook secret is shown this once
        (never in a cookie or an address); the API token given is never shown again."""
        form = view.request.form
        created = self.livelihoods.create_partner(command(CreatePartner, {
            "code": form.get("code", ""), "name": form.get("name", ""), "products": words(form.get("products", "")),
            "districts": words(form.get("districts", "")), "eligibility_notes": form.get("eligibility_notes", ""),
            "api_url": optional(form, "api_url"), "api_token": optional(form, "api_token")}), view.user.username)
        return self._partners_page(view, created)

    @page("GET", COURSES, roles=ADMIN)
    def page_courses(self, view):
        return view.show("admin_courses.html", courses=self.enrollment.list_courses(),
                         cohorts=self.enrollment.list_cohorts(None), tracks=COURSE_TRACKS, today=today())

    @page("POST", COURSES, roles=ADMIN)
    def form_create_course(self, view):
        form = view.request.form
        track = form.get("track", "")
        vocational = track == "TVET"
        data = {"code": form.get("code", ""), "title": form.get("title", ""),
                "track": f"TVET:{form.get('trade', '').strip().lower()}" if vocational else track}
        try:
            created = self.enrollment.create_course(command(CreateCourse, data))
        except FormRefused as refused:  # a trade that does not fit is the trade's field's problem
            raise FormRefused([{**e, "loc": ("trade",) if vocational and e["loc"] == ("track",) else e["loc"]}
                               for e in refused.errors]) from None
        return view.then(COURSES, view.gettext(N_("Course %(code)s added."), code=created["code"]))

    @page("POST", "/app/admin/cohorts", roles=ADMIN, back=COURSES)
    def form_create_cohort(self, view):
        form = view.request.form
        created = self.enrollment.create_cohort(command(CreateCohort, {
            name: form.get(name, "") for name in ("course_code", "district", "starts_on", "ends_on", "capacity")}))
        return view.then(COURSES, view.gettext(N_("Cohort %(cohort)s of %(course)s opened in %(district)s."),
                                               cohort=created["cohort_id"], course=created["course_code"],
                                               district=created["district"]))
