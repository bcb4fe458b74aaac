"""Each role's menu: the pages of its daily work, every link one the role may open (a link
to a 403 page is a dead end), and a supervisor reaches the participants' case files."""
import re

from services.gateway.routes import PAGES
from tests.gateway.test_page_pipeline import as_browser

MENU = re.compile(r'<nav aria-label="Pages">(.*?)</nav>', re.S)
LINK = re.compile(r'href="([^"]+)"')
MENUS = {
    "officer": ["/app/participants", "/app/enroll", "/app/attendance", "/app/approvals", "/app/mentorship"],
    "supervisor": ["/app/approvals", "/app/participants"],
    "finance": ["/app/payments", "/app/reconciliation", "/app/books"],
    "mentor": ["/app/offers"],
    "monitoring": ["/app/figures", "/app/admin/audit"],
    "admin": ["/app/figures", "/app/admin/users", "/app/admin/programmes", "/app/admin/partners",
              "/app/admin/courses", "/app/admin/audit"],
}


def test_every_roles_menu_leads_to_pages_it_may_open(people):
    mentor = people["admin"].post("/mentors", {"district": "Kismayo", "gender": "F", "languages": ["so"],
                                              "trade": "tailoring", "capacity": 2, "vetted": True}, expect=201)
    people = {**people, "mentor": people["admin"].new_user("mentor-2", "mentor", mentor_id=mentor["mentor_id"])}
    menus = {}
    for role, client in people.items():
        home = as_browser(client, "GET", "/app")
        assert home.status_code == 303, role
        landing = as_browser(client, "GET", home.headers["Location"])
        menus[role] = LINK.findall(MENU.search(landing.text).group(1))
        assert home.headers["Location"] == menus[role][0], role
        for link in menus[role]:
            [route] = [p for p in PAGES if p.method == "GET" and p.path == link]
            assert role in route.roles and as_browser(client, "GET", link).status_code == 200, (role, link)
    assert menus == MENUS
