"""Bad input in the browser: an officer of another district, forms posted without their
CSRF token or without a session, a wrong password at sign-in and as the current one when
changing it. Each is refused and changes nothing; the change made right ends the account's
other session."""
from tests.browser.seed import eligible_participant, staff, submitted_grant
from tests.e2e.test_grant_path import PERSON, PROGRAMME


def test_other_district_forged_forms_and_wrong_password_are_refused(suite, browse):
    admin = suite
    kismayo, baidoa = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-b", "officer", "Baidoa")
    admin.post("/programmes", PROGRAMME, expect=201)
    pid = eligible_participant(admin, kismayo)
    application = submitted_grant(kismayo, pid, "350.00")
    staff(admin, "monitor-1", "monitoring")

    seen = browse("refusals", other_participant=pid, other_grant=application)

    assert seen["headers"] == {"content-security-policy": "default-src 'self'; form-action 'self'; "
                                                          "frame-ancestors 'none'; base-uri 'none'",
                               "x-frame-options": "DENY", "x-content-type-options": "nosniff",
                               "referrer-policy": "no-referrer"}
    assert seen["participant"]["status"] == 404  # as if unknown
    for private in (PERSON["full_name"], PERSON["phone"], PERSON["national_id"]):
        assert private not in seen["participant"]["text"]
    assert (seen["grant_status"], seen["grant_form_status"]) == (404, 404)
    assert (seen["no_csrf"], seen["wrong_csrf"], seen["sign_out_no_csrf"], seen["no_session"]) == (403, 403, 403, 401)
    assert seen["no_session_page"].endswith("/app/sign-in")
    assert seen["wrong_password"] == {"url": seen["no_session_page"], "notice": "wrong username or password"}
    assert seen["wrong_current"] == "The current password is not right."
    assert seen["changed"] == "Your password is changed; your other sessions have ended."
    assert seen["elsewhere"].endswith("/app/sign-in") and seen["here"].endswith("/app/figures")

    assert baidoa.get("/participants") == [] and kismayo.get("/participants")[0]["participant_id"] == pid
    assert kismayo.get(f"/grants/{application}")["status"] == "SUBMITTED"
    refused = admin.get("/audit?action=POST%20/app/enroll")["events"]
    assert sorted((event["outcome"], event["username"] or "") for event in refused) == [
        ("401 UNAUTHENTICATED", ""), ("403 FORBIDDEN", "officer-b"), ("403 FORBIDDEN", "officer-b")]
