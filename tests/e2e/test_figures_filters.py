"""Monitoring's figures over HTTP: filtered by period, programme and district, exported as CSV
with exactly what the page shows, small counts suppressed as "<5" (and a count a total would
give back hidden too), and each programme's budget from the ledger."""
import csv
import io
from datetime import date

from tests.e2e.test_admin_pages import Desk
from tests.e2e.test_grant_path import PROGRAMME
from tests.support import eventually

HEADER = "full_name,phone,national_id,date_of_birth,gender,district,languages,livelihood_interest," \
         "clearance_reference,consent_given_on\n"


def people(district: str, gender: str, count: int, first: int) -> str:
    return "".join(f"Person {chr(65 + n)}{district[:3]}x {gender}x,+252 62 2{first + n:02d} 1000,NID-{district}-{gender}-{n},"
                   f"1990-02-{n + 1:02d},{gender},{district},so,fishing,NSC-{district}-{gender}-{n},2026-09-01\n"
                   for n in range(count))


def exported(desk, query: str) -> list[dict]:
    answer = desk.get(f"/app/figures.csv{query}")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"] == "attachment; filename=figures.csv"
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_figures_filter_export_and_suppress_small_counts(suite):
    admin = suite
    officer = admin.new_user("officer-all", "officer")  # no district: imports anyone's
    csv_text = HEADER + people("Kismayo", "F", 3, 0) + people("Kismayo", "M", 6, 10) + people("Baidoa", "F", 7, 20) \
        + people("Baidoa", "M", 8, 40)
    report = officer.call_raw("POST", "/participants/import", csv_text.encode(), "text/csv", 200).json()
    assert report["counts"] == {"CREATED": 24}, report
    admin.post("/programmes", PROGRAMME, expect=201)
    admin.post("/programmes", {**PROGRAMME, "code": "LG-OTHER", "name": "Another programme"}, expect=201)
    finance = admin.new_user("finance-f", "finance")
    eventually(lambda: finance.call("POST", f"/programmes/{PROGRAMME['code']}/funding", {
        "amount": "5000.00", "currency": "USD", "reference": "MDTF-FIG-1", "received_on": "2026-11-02"}).status_code == 201)
    monitoring = Desk(admin.new_user("monitoring-m", "monitoring"))

    whole = monitoring.get("/app/figures").text
    assert "<strong>24</strong>enrolled" in whole
    assert "<td>Kismayo</td><td>Woman</td><td class=\"number\">&lt;5</td>" in whole
    assert "<td>Kismayo</td><td>Man</td><td class=\"number\">*</td>" in whole  # else 9 − 6 gives the 3 back
    assert "<td>Baidoa</td><td>Man</td><td class=\"number\">8</td>" in whole
    assert ">3<" not in whole.split("<h2>Budgets</h2>")[0].split('class="charts"')[1]

    kismayo = monitoring.get("/app/figures?district=Kismayo").text
    assert "<strong>9</strong>enrolled" in kismayo and "Baidoa" not in kismayo.split("<h2>Budgets</h2>")[0] \
        .split("</form>")[1]
    rows = exported(monitoring, "?district=Kismayo")
    enrolled = {(r["district"], r["gender"]): r["value"] for r in rows if r["figure"] == "enrolled"}
    assert enrolled == {("Kismayo", "F"): "<5", ("Kismayo", "M"): "*"}
    assert not any(r["value"] in ("3", "6", "9") for r in rows if r["figure"] == "enrolled")

    everyone = {(r["district"], r["gender"]): r["value"] for r in exported(monitoring, "") if r["figure"] == "enrolled"}
    assert everyone == {("Baidoa", "F"): "7", ("Baidoa", "M"): "8", ("Kismayo", "F"): "<5", ("Kismayo", "M"): "*"}

    this_month = date.today().strftime("%Y-%m")
    later = f"{date.today().year + 1}-01"
    assert "Nobody enrolled in this period." in monitoring.get(f"/app/figures?first_month={later}").text
    assert "<strong>24</strong>enrolled" in monitoring.get(
        f"/app/figures?first_month={this_month}&last_month={this_month}").text
    assert monitoring.get(f"/app/figures?first_month={later}&last_month={this_month}").status_code == 400

    def budgets(query: str) -> dict:
        return {r["programme"]: r["value"] for r in exported(monitoring, query) if r["figure"] == "budget funded"}

    eventually(lambda: budgets(f"?programme={PROGRAMME['code']}") == {PROGRAMME["code"]: "5000.00"})
    filtered = monitoring.get(f"/app/figures?programme={PROGRAMME['code']}").text.split("<h2>Budgets</h2>")[1]
    assert "5,000.00" in filtered and "LG-OTHER" not in filtered
    assert 'href="/app/figures.csv?programme=LG-2026"' in monitoring.get(f"/app/figures?programme={PROGRAMME['code']}").text
