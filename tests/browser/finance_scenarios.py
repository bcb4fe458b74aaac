"""Finance's day in the browser: record donor funding, top the float up, prepare an allowance
cycle that a second finance user releases, release both tranches of a grant (an officer's
follow-up visit in between), then reconcile the rail's statement, sign it off as another
finance user and read the books."""
from tests.browser.browser import Person

ATTEMPTS = 150  # reloads, 200 ms apart: the rail and the ledger answer through the broker


def reload_until(person: Person, done) -> None:
    """Reload the page until `done()` says what was waited for is shown."""
    for _ in range(ATTEMPTS):
        if done():
            return
        person.page.wait_for_timeout(200)
        person.page.reload()
    raise AssertionError(f"{person.page.url} never showed what was waited for")


def row(person: Person, text: str) -> str:
    return person.page.locator("tr", has_text=text).first.inner_text()


def finance_pays(open_person, application, allowance, month, funding, top_up):
    finance = open_person()
    page = finance.sign_in("finance")
    seen = {"landing": page.url, "menu": page.locator("header nav a").all_inner_texts(),
            "fava": page.get_attribute("a:text('Fava')", "href")}
    form = page.locator("form[action='/app/payments/funding']")
    form.locator("[name=programme]").select_option(allowance)
    page.get_by_label("Amount, in the programme's currency").fill(funding["amount"])
    form.locator("[name=reference]").fill(funding["reference"])
    finance.shot("finance-1-funding")
    finance.press("text=Record the funding")
    seen["funded"] = finance.notice()
    reload_until(finance, lambda: funding["shown"] in row(finance, allowance))
    seen["allowance_money"] = row(finance, allowance)

    finance.press("nav a:text('Books')")
    seen["books_ids_twice"] = page.evaluate(
        "[...document.querySelectorAll('[id]')].map(e => e.id).filter((id, i, all) => all.indexOf(id) !== i)")
    transfer = page.locator("form[action='/app/books/transfers']")
    for name in ("bank_account", "amount", "reference"):
        transfer.locator(f"[name={name}]").fill(top_up[name])
    finance.shot("finance-2-top-up")
    finance.press("text=Post it")
    seen["topped_up"] = finance.notice()

    finance.press("nav a:text('Payments')")
    page.select_option("form[action='/app/payments/cycles'] [name=programme]", allowance)
    page.fill("form[action='/app/payments/cycles'] [name=month]", month)
    finance.press("text=Prepare cycle")
    seen["prepared"] = finance.notice()
    seen["cycle"] = page.url.rsplit("/", 1)[1]
    seen["preparer_release_buttons"] = page.locator("form[action$='/release'] button").count()
    seen["preparer_told"] = page.locator("main").inner_text()
    finance.shot("finance-3-cycle-prepared")

    releaser = open_person()
    releaser.sign_in("finance-2")
    releaser.press(f"a:text('{seen['cycle']}')")
    releaser.press("form[action$='/release'] button")
    seen["cycle_released"] = releaser.notice()
    reload_until(releaser, lambda: "Complete:" in releaser.page.locator("main").inner_text())
    seen["cycle_page"] = releaser.page.locator("main").inner_text()
    releaser.shot("finance-4-cycle-paid")

    page.goto("/app/payments")
    finance.press(f"tr:has-text('{application}') button")
    seen["tranche_1"] = finance.notice()
    reload_until(finance, lambda: "1 of 2 tranches paid" in row(finance, application))

    officer = open_person()
    officer.sign_in("officer-k")
    officer.page.goto(f"/app/grants/{application}")
    officer.page.fill("[name=note]", "The stall is open; two customers seen")
    officer.press("text=Record the visit")
    seen["follow_up"] = officer.notice()

    page.reload()
    finance.press(f"tr:has-text('{application}') button:text('Release next tranche')")
    seen["tranche_2"] = finance.notice()
    page.goto(f"/app/grants/{application}")
    reload_until(finance, lambda: "Paid in full" in page.locator("h1").inner_text())
    seen["grant"] = page.locator("main").inner_text()
    finance.shot("finance-5-grant-disbursed")
    return seen


def finance_reconciles(open_person, statement_file):
    """One finance user imports and proposes an adjustment above the write-off limit; another
    approves it, signs the period off once the statement's day is over, and reads the books."""
    finance = open_person()
    page = finance.sign_in("finance")
    finance.press("nav a:text('Reconciliation')")
    page.set_input_files("[name=statement]", statement_file)
    finance.shot("finance-6-upload")
    finance.press("text=Import and reconcile")
    seen = {"imported": finance.notice(), "statement": page.url.rsplit("/", 1)[1],
            "importer_sign_off_buttons": page.locator("button:text('Sign off')").count(),
            "importer_told": page.locator("section", has_text="Sign off").locator("p").inner_text()}
    finance.shot("finance-7-exceptions")
    signer = open_person()
    signer.sign_in("finance-2")
    signer.press("nav a:text('Reconciliation')")
    signer.press(f"a:text('{seen['statement']}')")
    signer.press("text=Sign off this period")
    seen["refused"] = signer.notice()
    exception = page.locator("section", has=page.locator("form[action$='/resolve']")).first
    seen["exception"] = exception.locator("h3").inner_text()
    exception.locator("[name=action]").select_option("ADJUST")
    exception.locator("[name=account]").fill("Assets:Bank:MDTF")
    exception.locator("[name=reason]").fill("float top-up from the MDTF account")
    with page.expect_navigation():
        exception.locator("button").click()
    seen["proposed"] = finance.notice()
    signer.page.reload()
    signer.press("text=Approve the adjustment")
    seen["approved"] = signer.notice()
    signer.press("text=Sign off this period")
    seen["signed"] = signer.notice()
    seen["heading"] = signer.page.locator("h1").inner_text()
    signer.shot("finance-8-signed-off")

    signer.press("nav a:text('Books')")
    books = signer.page
    trial = books.locator("table", has=books.locator("caption", has_text="Every account's balance"))
    seen["trial_balance"] = {cells[0]: cells[1] for cells in
                             (r.locator("td").all_inner_texts() for r in trial.locator("tbody tr").all())}
    seen["trial_totals"] = trial.locator("tfoot tr").all_inner_texts()
    totals = books.locator("table", has=books.locator("caption", has_text="Donor funding received"))
    seen["totals"] = totals.locator("tbody tr").all_inner_texts()
    signer.shot("finance-9-books")
    books.select_option("[name=by]", "cycle")
    signer.press("button:text('Show')")
    seen["totals_by_cycle"] = totals.locator("tbody tr").all_inner_texts()
    download = books.request.get("/app/books/trial-balance.csv")
    seen["trial_balance_csv"] = {"type": download.headers["content-type"], "text": download.text()}
    return seen
