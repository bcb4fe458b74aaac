"""Pages run through the API's pipeline: unknown /app addresses are styled pages, a refused
form keeps what was typed and says what is wrong beside the field, and the language picked
is kept with the account (a hung service's 504 page: test_rpc_timeout.py)."""
import requests

from services.gateway.web.cookies import CSRF_FIELD, SESSION, csrf_token
from tests.e2e.test_grant_path import PERSON
from tests.support import Api


def as_browser(client: Api, method: str, path: str, form: dict | None = None) -> requests.Response:
    cookies = {SESSION: client.token}
    data = {CSRF_FIELD: csrf_token(client.token), **(form or {})} if method == "POST" else None
    return requests.request(method, client.base_url + path, data=data, cookies=cookies, allow_redirects=False,
                            timeout=30)


def test_an_unknown_app_address_is_a_styled_page_in_the_language_asked(suite):
    for method in ("GET", "POST"):
        answer = requests.request(method, f"{suite.base_url}/app/no-such-page", timeout=10)
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")
        assert "There is no such page here" in answer.text and 'href="/app/style.css"' in answer.text
    somali = requests.get(f"{suite.base_url}/app/no-such-page?lang=so", timeout=10)
    assert '<html lang="so" dir="ltr">' in somali.text and "Bog noocaas ah halkan ma jiro" in somali.text
    assert requests.get(f"{suite.base_url}/no-such-endpoint", timeout=10).json()["error"] == "NOT_FOUND"


def test_a_refused_form_keeps_what_was_typed_and_says_what_is_wrong(suite):
    officer = suite.new_user("officer-k", "officer", "Kismayo")
    form = {"full_name": "Hodan Ali Yusuf", "phone": "call me", "national_id": "SO-1", "date_of_birth": "1998-02-02",
            "gender": "F", "languages": "so", "clearance_reference": "NSC-1", "consent_given_on": "2026-09-01",
            "consent": "yes", "form": "enroll"}
    answer = as_browser(officer, "POST", "/app/enroll", form)
    assert answer.status_code == 400
    assert "Enter a phone number of 7 to 20 digits" in answer.text and "should match pattern" not in answer.text
    assert 'value="Hodan Ali Yusuf"' in answer.text and 'aria-invalid="true" aria-describedby="problem-phone"' in answer.text
    assert officer.get("/participants") == []
    refused = suite.get("/audit?action=POST%20/app/enroll")["events"]
    assert [event["outcome"] for event in refused] == ["400 VALIDATION_ERROR"]


def test_a_refused_form_fills_again_its_own_fields_only(suite):
    """The case file's correction and consent withdrawal forms both have a `reason`: what was
    typed into the refused correction comes back in the correction form, not in the other."""
    officer = suite.new_user("officer-k", "officer", "Kismayo")
    pid = officer.post("/participants", PERSON, expect=201)["participant_id"]
    answer = as_browser(officer, "POST", f"/app/participants/{pid}/personal-data",
                        {"form": "correction", "phone": "call me", "reason": "the phone had a typo"})
    assert answer.status_code == 400
    assert answer.text.count("the phone had a typo") == 1 and answer.text.count('value="call me"') == 1
    correction = answer.text[answer.text.index('value="correction"'):]
    assert ">the phone had a typo</textarea>" in correction.split("</form>")[0]
    withdrawal = answer.text[answer.text.index(f'action="/app/participants/{pid}/consent/withdraw"'):]
    assert '<textarea name="reason" required minlength="3"></textarea>' in withdrawal.split("</form>")[0]


def test_the_language_picked_is_kept_with_the_account(suite):
    finance = suite.new_user("finance-1", "finance")
    assert as_browser(finance, "POST", "/app/language", {"language": "xx"}).status_code == 303
    chosen = as_browser(finance, "POST", "/app/language", {"language": "so", "back": "/app/payments"})
    assert (chosen.status_code, chosen.headers["Location"]) == (303, "/app/payments")
    page = as_browser(finance, "GET", "/app/payments")
    assert '<html lang="so" dir="ltr">' in page.text and "<h1>Lacag-bixinno</h1>" in page.text
    assert as_browser(finance, "POST", "/app/language", {"language": "en", "back": "https://elsewhere.example"}) \
        .headers["Location"] == "/app"
