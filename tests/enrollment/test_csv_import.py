"""Bulk CSV import: a report per row; bad rows never stop or half-apply the others;
re-importing the same file creates nothing new."""
import pytest
from sqlalchemy import func, select

from services.enrollment import csv_import
from services.enrollment.models import HeldEnrollment, Participant
from shared.errors import ValidationFailed

HEADER = ("full_name,phone,national_id,date_of_birth,gender,district,languages,livelihood_interest,"
          "clearance_reference,consent_given_on\n")
ROWS = [
    "Amina Warsame,+252 61 555 0101,SO-1,1999-04-12,F,Kismayo,so;sw,tailoring,NSC-1,2026-09-01\n",
    "Omar Farah,+252 61 555 0102,SO-2,1998-02-01,M,Kismayo,so,,NSC-2,2026-09-01\n",
    "Bad Date,+252 61 555 0103,SO-3,1998-02-31,M,Kismayo,so,,NSC-3,2026-09-01\n",
    "Same Phone,+252 61 555 0101,SO-4,2001-01-01,F,Kismayo,so,,NSC-4,2026-09-01\n",
    "Too,Few,Fields\n",
    "Halima Ali,+252 61 555 0105,SO-5,2000-05-05,X,Kismayo,so,,NSC-5,2026-09-01\n",
]


def run(desk, data: bytes, district=None):
    return [r.as_dict() for r in csv_import.import_rows(desk.transaction, desk.vault, desk.index, data, "officer-a",
                                                         desk.emit, district)]


def count(desk, model):
    return desk.do(lambda s: s.scalar(select(func.count()).select_from(model)))


def test_a_report_per_row_and_nothing_twice(desk):
    data = (HEADER + "".join(ROWS)).encode()
    report = run(desk, data)
    assert [(r["row"], r["status"]) for r in report] == [
        (2, "CREATED"), (3, "CREATED"), (4, "REJECTED"), (5, "POSSIBLE_DUPLICATE"), (6, "REJECTED"),
        (7, "REJECTED")]
    assert "date_of_birth" in report[2]["reason"] and "gender" in report[5]["reason"]
    assert report[4]["reason"] == "expected 10 fields"
    assert (count(desk, Participant), count(desk, HeldEnrollment)) == (2, 1)

    again = run(desk, data)
    assert [r["status"] for r in again] == ["ALREADY_ENROLLED", "ALREADY_ENROLLED", "REJECTED", "ALREADY_HELD",
                                            "REJECTED", "REJECTED"]
    assert (count(desk, Participant), count(desk, HeldEnrollment)) == (2, 1)
    assert len(desk.emitted("participant.enrolled")) == 2


def test_a_row_in_another_encoding_is_rejected_alone(desk):
    latin1 = "Zeynab Cabdi Ça,+252 61 555 0109,SO-9,1997-07-07,F,Kismayo,so,,NSC-9,2026-09-01\n".encode("latin-1")
    report = run(desk, HEADER.encode("utf-8-sig") + ROWS[0].encode() + latin1 + ROWS[1].encode())
    assert [(r["status"], r.get("reason")) for r in report] == [
        ("CREATED", None), ("REJECTED", "not valid UTF-8 (save the file as UTF-8)"), ("CREATED", None)]


@pytest.mark.parametrize("header, words", [
    (HEADER.replace("national_id,", ""), "missing columns national_id"),
    (HEADER.replace("phone", "mobile"), "missing columns phone; unknown columns mobile"),
    ("", "missing columns full_name"),
])
def test_a_bad_header_refuses_the_whole_file(desk, header, words):
    with pytest.raises(ValidationFailed, match=words):
        run(desk, (header + ROWS[0]).encode())
    assert count(desk, Participant) == 0


def test_an_officer_imports_only_their_district(desk):
    other = ROWS[1].replace("Kismayo", "Baidoa")
    report = run(desk, (HEADER + ROWS[0] + other).encode(), district="Kismayo")
    assert [r["status"] for r in report] == ["CREATED", "REJECTED"]
    assert report[1]["reason"] == "district Baidoa is not yours"
