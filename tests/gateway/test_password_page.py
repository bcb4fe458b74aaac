"""Anyone signed in changes their own password from a page: the current one is checked (a
wrong one is said beside its field, the form shown again, nothing changed), the new one is
typed twice, and every other session of the account ends while this one goes on."""
import pytest
import requests

from services.gateway.service import GatewayService
from tests.gateway.test_page_pipeline import as_browser
from tests.support import Api, bootstrap_admin

OLD, NEW = "correct horse battery staple", "a longer and newer pass phrase"


def signed_in(api: Api, password: str) -> Api | None:
    answer = requests.post(f"{api.base_url}/auth/sign-in", json={"username": "mentor-1", "password": password},
                           timeout=30)
    return api.as_user(answer.json()["token"]) if answer.status_code == 200 else None


@pytest.fixture
def gateway(config, runner_factory):
    runner_factory(config, GatewayService).start()
    admin = Api(f"http://{config['WEB_SERVER_ADDRESS']}").as_user(bootstrap_admin(config))
    admin.new_user("mentor-1", "mentor", mentor_id="M-TEST01", password=OLD)
    return admin


def still_in(client: Api) -> bool:
    return client.call("GET", "/auth/me").status_code == 200


def test_a_wrong_current_password_or_two_different_new_ones_change_nothing(gateway):
    here, elsewhere = signed_in(gateway, OLD), signed_in(gateway, OLD)
    page = as_browser(here, "GET", "/app/password")
    assert page.status_code == 200 and 'action="/app/password"' in page.text
    assert '<a href="/app/password">' in page.text.split("</header>")[0]  # the header every page shares
    refusals = {
        "current_password": ({"current_password": "not the password", "new_password": NEW, "repeat_password": NEW},
                             "The current password is not right."),
        "repeat_password": ({"current_password": OLD, "new_password": NEW, "repeat_password": NEW + "!"},
                            "The two new passwords are not the same."),
        "new_password": ({"current_password": OLD, "new_password": "short", "repeat_password": "short"},
                         "Enter at least 12 characters."),
    }
    for field, (form, words) in refusals.items():
        answer = as_browser(here, "POST", "/app/password", {"form": "password", **form})
        assert answer.status_code == 400, (field, answer.status_code)
        assert f'<p class="field-problem" id="problem-{field}">{words}</p>' in answer.text, field
        assert 'action="/app/password"' in answer.text and OLD not in answer.text and NEW not in answer.text
    assert still_in(here) and still_in(elsewhere)
    assert signed_in(gateway, NEW) is None and signed_in(gateway, OLD) is not None


def test_a_new_password_ends_every_other_session_but_this_one(gateway):
    here, elsewhere = signed_in(gateway, OLD), signed_in(gateway, OLD)
    answer = as_browser(here, "POST", "/app/password",
                        {"form": "password", "current_password": OLD, "new_password": NEW, "repeat_password": NEW})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/app/offers")
    assert still_in(here) and not still_in(elsewhere)
    assert signed_in(gateway, NEW) is not None and signed_in(gateway, OLD) is None
    [changed] = gateway.get("/audit?action=POST%20/app/password")["events"]
    assert changed["username"] == "mentor-1" and changed["outcome"].startswith("303")
