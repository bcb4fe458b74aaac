"""Names for lists: a page of them in one call, only the part shown, and never more than the
largest list a page holds."""
import pytest

from services.enrollment import names
from services.enrollment.names import MAX_NAMES
from shared.errors import ValidationFailed


def test_a_page_of_names_in_one_call_unknown_ids_left_out(desk):
    amina = desk.enroll().participant_id
    hodan = desk.enroll(full_name="Hodan Ali Farah", phone="+252 61 555 0102", national_id="SO-1990-112233") \
        .participant_id
    ids = [amina, hodan, "P-UNKNWN"]
    assert desk.do(names.full_names, desk.vault, ids) == {amina: "Amina Hassan Warsame", hodan: "Hodan Ali Farah"}
    assert desk.do(names.first_names, desk.vault, ids) == {amina: "Amina", hodan: "Hodan"}
    assert desk.do(names.full_names, desk.vault, []) == {}


def test_more_names_than_a_page_holds_are_refused(desk):
    amina = desk.enroll().participant_id
    assert desk.do(names.full_names, desk.vault, [amina] * MAX_NAMES) == {amina: "Amina Hassan Warsame"}
    with pytest.raises(ValidationFailed, match=f"at most {MAX_NAMES} names"):
        desk.do(names.full_names, desk.vault, [amina] * (MAX_NAMES + 1))
    with pytest.raises(ValidationFailed):
        desk.do(names.first_names, desk.vault, [amina] * (MAX_NAMES + 1))
