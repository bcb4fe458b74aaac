"""An admin sets the suite up from the pages and reads the audit trail; monitoring filters
the figures and downloads them. Run by name from tests/browser/scenarios.py like every scenario."""
from pathlib import Path


def _fill(form, values: dict) -> None:
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)


def admin_day(open_person, account, programme, course, cohort):
    """Create an account, a programme with an allowance (refused once: its tranches do not add
    up, and the form comes back as typed), a course and its cohort, then find those actions
    in the audit trail."""
    admin = open_person()
    page = admin.sign_in("admin-web")
    seen = {"landing": page.url}

    admin.press("nav a:text('Users')")
    form = page.locator("form[action='/app/admin/users']")
    _fill(form, {"username": account["username"], "district": account["district"], "password": account["password"]})
    form.locator("[name=role]").select_option(account["role"])
    admin.shot("admin-1-new-account")
    admin.press("button:text('Create the account')")
    seen["account"] = admin.notice()
    seen["accounts"] = page.locator("tbody").first.inner_text()

    admin.press("nav a:text('Programmes')")
    form = page.locator("form[action='/app/admin/programmes']")
    _fill(form, {name: value for name, value in programme.items() if isinstance(value, str)})
    for name in ("tracks", "phases", "conditions"):
        for value in programme[name]:
            form.locator(f"[name={name}][value='{value}']").check()
    form.locator("[name=tranches]").fill("70, 40")
    admin.press("main button:text('Create the programme')")
    seen["programme_refused"] = {"problem": page.locator("#problem-tranches").inner_text(),
                                 "code": form.locator("[name=code]").input_value(),
                                 "ticked": [box.get_attribute("value") for box in form.locator(":checked").all()]}
    admin.shot("admin-2-programme-refused")
    form.locator("[name=tranches]").fill(programme["tranches"])
    admin.press("main button:text('Create the programme')")
    seen["programme"] = admin.notice()
    seen["programmes"] = page.locator("tbody").inner_text()

    admin.press("nav a:text('Courses')")
    _fill(page.locator("form[action='/app/admin/courses']"), {"code": course["code"], "title": course["title"]})
    page.select_option("[name=track]", course["track"])
    admin.press("button:text('Add the course')")
    seen["course"] = admin.notice()
    cohorts = page.locator("form[action='/app/admin/cohorts']")
    cohorts.locator("[name=course_code]").select_option(course["code"])
    _fill(cohorts, cohort)
    admin.shot("admin-3-new-cohort")
    admin.press("button:text('Open the cohort')")
    seen["cohort"] = admin.notice()
    seen["cohorts"] = page.locator("tbody").last.inner_text()

    admin.press("nav a:text('Audit trail')")
    page.fill("[name=username]", "admin-web")
    page.fill("[name=action]", "POST /app/admin")
    admin.press("form.filters button")
    seen["audit_caption"] = page.locator("caption").inner_text()
    actions, outcomes = (page.locator(f"tbody td:nth-child({n})").all_inner_texts() for n in (4, 6))
    seen["audit"] = list(zip(actions, outcomes))
    seen["audit_address"] = page.url
    admin.shot("admin-4-audit-filtered")
    return seen


def monitoring_filters(open_person, first_month, last_month, district):
    """Filter the figures by period and district, download the CSV of what is shown."""
    viewer = open_person()
    page = viewer.sign_in("monitoring")
    seen = {"everyone": page.locator("tbody").first.inner_text()}
    page.fill("[name=first_month]", first_month)
    page.fill("[name=last_month]", last_month)
    page.fill("[name=district]", district)
    viewer.press("form.filters button")
    seen["address"] = page.url
    seen["figures"] = [" ".join(text.split()) for text in page.locator(".figure").all_inner_texts()]
    seen["enrolled"] = [row.split("\t") for row in page.locator("tbody").first.inner_text().splitlines()]
    viewer.shot("monitoring-2-filtered")
    with page.expect_download() as waiting:
        page.click("a:text('Download these figures (CSV)')")
    seen["csv_name"], seen["csv"] = waiting.value.suggested_filename, Path(waiting.value.path()).read_text()
    return seen
