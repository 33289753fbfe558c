"""In a real browser (Chromium): the doctor picks ICD-10 and ICD-9-PL codes from the type-ahead, removes one,
and signs the visit; htmx runs under the strict CSP (no inline script, no eval, no inline style)."""
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from klinika.records import services
from klinika.records.models import Encounter
from klinika.tenancy.context import clinic_context
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.records.world import logged_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def in_browser(base_url, cookies, steps):
    """`steps(page, problems)` in a Chromium of its own, on a thread of its own: Playwright's sync API will not
    start a second instance on a thread where one (tests/e2e's session browser) already runs its loop."""

    def run():
        problems = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(base_url=base_url, locale="pl-PL",
                                              viewport={"width": 1280, "height": 900})
                context.set_default_timeout(15_000)
                context.add_cookies([{"name": k, "value": v, "url": base_url} for k, v in cookies.items()])
                page = context.new_page()
                page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
                page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                        if r.status >= 400 and "/edocs/" not in r.url and not r.url.endswith("/favicon.ico") else None)
                steps(page, problems)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def screenshot(page, name):
    """Saved when KLINIKA_E2E_SCREENSHOTS names a directory (for looking at the UI)."""
    target = os.environ.get("KLINIKA_E2E_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def test_the_doctor_codes_and_signs_a_visit(world, live_server, purge_signed_versions):
    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, world.appointment().pk)
    session = logged_in(world.doctor_user, language="pl").cookies[settings.SESSION_COOKIE_NAME].value

    def steps(page, problems):
        page.goto(f"/records/encounters/{encounter.pk}/")
        expect(page.get_by_role("heading", name="Podsumowanie pacjenta")).to_be_visible()
        page.get_by_label("Wywiad").fill("Ból gardła od dwóch dni")

        search = page.locator("#id_icd10_q")
        search.fill("infekcja gór")
        page.locator("#icd10-results").get_by_role("button", name="J06.9").click()
        rows = page.locator("#diagnosis-rows li")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("input[type=radio]")).to_be_checked()  # the first diagnosis is the main one
        expect(page.locator("#icd10-results li")).to_have_count(0)  # the list closes after a pick
        expect(search).to_have_value("")  # and the box clears, ready for the next code

        search.fill("gorączka")
        page.locator("#icd10-results").get_by_role("button", name="R50.9").click()
        expect(rows).to_have_count(2)
        rows.nth(1).get_by_role("button", name="Usuń").click()
        expect(rows).to_have_count(1)

        page.locator("#id_icd9pl_q").fill("porada lek")
        page.locator("#icd9pl-results").get_by_role("button", name="89.00").click()
        expect(page.locator("#procedure-rows li")).to_have_count(1)
        screenshot(page, "records-visit-draft")

        page.get_by_role("button", name="Podpisz", exact=True).click()
        expect(page.locator(f'a[href="/records/encounters/{encounter.pk}/amend/"]')).to_be_visible()
        screenshot(page, "records-visit-signed")
        assert problems == []

    in_browser(live_server.url, {settings.SESSION_COOKIE_NAME: session, settings.LANGUAGE_COOKIE_NAME: "pl"}, steps)
    with clinic_context(world.clinic):
        signed = Encounter.objects.select_related("current").get(pk=encounter.pk)
    assert signed.status == "signed"
    assert [(d["code"], d["main"]) for d in signed.current.content["diagnoses"]] == [("J06.9", True)]
    assert [p["code"] for p in signed.current.content["procedures"]] == ["89.00"]
    assert signed.current.content["interview"] == "Ból gardła od dwóch dni"
