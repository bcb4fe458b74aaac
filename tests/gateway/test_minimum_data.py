"""A mentor's offers show an open offer's mentee by first name, and the gateway asks
enrollment for first names only: never the whole record (name, phone, national id, birth
date) it would otherwise hold in memory to cut one word out of it."""
import pytest
from nameko.rpc import rpc

from services.gateway.service import GatewayService
from tests.support import Api, bootstrap_admin

OFFER = {"offer_id": "O-AAAAAA", "status": "PROPOSED", "mentee": {"district": "Kismayo", "trade": "tailoring"}}
asked = []


class Enrollment:
    name = "enrollment"

    @rpc
    def first_names(self, participant_ids):
        asked.append(("first_names", list(participant_ids)))
        return {"P-7K3M9Q": "Amina"}

    @rpc
    def get_participant(self, participant_id, with_personal_data=False):
        asked.append(("get_participant", participant_id, with_personal_data))
        return {"participant_id": participant_id, "personal": {"full_name": "Amina Hassan Warsame",
                                                               "phone": "+252 61 555 0101"}}


class Mentorship:
    name = "mentorship"

    @rpc
    def list_offers(self, mentor_id):
        return {"offers": [OFFER], "first_names": {"O-AAAAAA": "P-7K3M9Q"}}


@pytest.fixture
def mentor(config, runner_factory):
    asked.clear()
    runner_factory(config, GatewayService, Enrollment, Mentorship).start()
    admin = Api(f"http://{config['WEB_SERVER_ADDRESS']}").as_user(bootstrap_admin(config))
    return admin.new_user("mentor-1", "mentor", mentor_id="M-TEST01")


def test_the_offers_carry_a_first_name_fetched_alone(mentor):
    [offer] = mentor.get("/mentorship/offers")
    assert offer["mentee"] == {"district": "Kismayo", "trade": "tailoring", "first_name": "Amina"}
    assert asked == [("first_names", ["P-7K3M9Q"])]
