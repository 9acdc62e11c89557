"""The self-service pages in a real headless Chromium (Debian's, deploy/local/browser.sh):
the attendee follows the cancel link of her confirmation mail, confirms, and the next one on the
waiting list gets the promotion mail. Bad links show a Danish error page."""

import asyncio
import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.async_api import Browser, Page, async_playwright

from registration.config import Settings
from tests.e2e.kafka_io import Producer, Tail, eventually
from tests.e2e.mailbox import Mailbox
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event, sign_up
from tests.e2e.services import ROOT, ServiceProcess
from tilmeld_runtime import links

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / ".run" / "screenshots" / "selvbetjening.png"
SETTINGS = Settings()  # the services' link secret and base address (same environment)
_SELF_SERVICE_HREF = re.compile(r'href="([^"]*/selvbetjening/[^"]+)"')


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


def built_link(action: links.Action, fact: dict[str, Any]) -> str:
    claims = links.LinkClaims(
        action,
        fact["data"]["registration_id"],
        fact["data"]["event_id"],
        datetime.now(UTC) + timedelta(days=30),
    )
    return links.url(SETTINGS.public_base_url, links.sign(SETTINGS.link_secret, claims))


def mail_link(mail: EmailMessage, action: links.Action) -> str | None:
    """The mail's own self-service link for `action`, if the mail carries one."""
    part = mail.get_body(("html",))
    if part is None:
        return None
    for href in _SELF_SERVICE_HREF.findall(part.get_content()):
        link = html.unescape(href)
        token = unquote(link.rsplit("/", 1)[1])
        if links.verify(SETTINGS.link_secret, token, datetime.now(UTC)).action == action:
            return link
    return None


def facts_about(
    events: list[dict[str, Any]], type_: str, registration_id: str
) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == type_ and e["subject"] == registration_id]


async def open_link(page: Page, mail: EmailMessage, link: str) -> None:
    """Open the mail's HTML in the browser and click the link, as the attendee would."""
    body = mail.get_body(("html",))
    assert body is not None
    await page.set_content(body.get_content())
    async with page.expect_navigation():
        await page.locator(f'a[href="{link}"]').first.click()


async def test_cancel_from_the_mail_promotes_the_next_on_the_waitlist(
    producer: Producer, outcomes: Tail, mailbox: Mailbox, browser: Browser
) -> None:
    event_id = new_event_id("selv")
    day = datetime.fromisoformat(conference(event_id, 1)["starts_at"])
    rounds = [
        {
            "id": "runde-1",
            "starts_at": (day + timedelta(hours=2)).isoformat(),
            "ends_at": (day + timedelta(hours=3)).isoformat(),
            "sessions": [{"id": "temamoede-1", "title": "Leg og læring i vuggestuen"}],
        }
    ]
    definition = conference(event_id, capacity=1, rounds=rounds)
    title = definition["title"]
    await publish_event(producer, definition)
    first, second = (attendee(i, domain=f"{event_id}.dk") for i in (1, 2))
    choices = {"runde-1": ["temamoede-1"]}
    await sign_up(producer, event_id, first, choices)
    await sign_up(producer, event_id, second, choices)
    await eventually(lambda: len(outcomes.events(event_id)) >= 2, what="confirmed + waitlisted")
    confirmed, waitlisted = outcomes.events(event_id)[:2]
    assert confirmed["type"] == "dk.tilmeld.registration.confirmed.v1"
    assert waitlisted["type"] == "dk.tilmeld.registration.waitlisted.v1"
    await eventually(lambda: bool(mailbox.to(first["email"])), what="confirmation mail")
    [confirmation] = mailbox.to(first["email"])
    assert confirmation["Subject"] == f"Bekræftelse af tilmelding: {title}"

    # The attendee clicks the link in the mail they received.
    cancel_link = mail_link(confirmation, "cancel")
    assert cancel_link is not None, "the confirmation mail carries a cancel link"
    page = await browser.new_page()
    await open_link(page, confirmation, cancel_link)
    assert await page.locator("h1").inner_text() == "Din tilmelding"
    assert await page.locator("#status").inner_text() == "bekræftet"
    assert "Leg og læring i vuggestuen" in await page.locator("#sessions").inner_text()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Ja, afmeld mig").click()
    assert await page.locator("h1").inner_text() == "Din afmelding er modtaget"
    # The same form sent twice more at once (a double click, a reload): a receipt again, or
    # "nothing to cancel" once the first has been handled; one effect either way (below).
    again = await asyncio.gather(*(page.request.post(cancel_link) for _ in range(2)))
    assert sorted({r.status for r in again} - {409}) in ([], [200])

    promotion_subject = f"Du har fået en plads: {title}"
    await eventually(
        lambda: any(m["Subject"] == promotion_subject for m in mailbox.to(second["email"])),
        what="the promotion mail to the next on the waiting list",
    )
    promoted_id = waitlisted["data"]["registration_id"]
    promoted = facts_about(
        outcomes.events(event_id), "dk.tilmeld.registration.promoted.v1", promoted_id
    )
    assert len(promoted) == 1
    assert promoted[0]["data"]["sessions"] == {"runde-1": "temamoede-1"}
    cancelled_id = confirmed["data"]["registration_id"]
    facts = outcomes.events(event_id)
    assert len(facts_about(facts, "dk.tilmeld.registration.cancelled.v1", cancelled_id)) == 1
    assert facts_about(facts, "dk.tilmeld.registration.rejected.v1", cancelled_id) == []

    # The receipt's link shows the outcome, read from the registration service's store.
    await page.get_by_role("link", name="Se din tilmelding").click()
    assert await page.locator("#status").inner_text() == "afmeldt"
    assert "Du har selv afmeldt dig." in await page.locator("main").inner_text()

    promotion = next(m for m in mailbox.to(second["email"]) if m["Subject"] == promotion_subject)
    promoted_view = mail_link(promotion, "view")
    assert promoted_view is not None, "the promotion mail carries a view link"
    await page.goto(promoted_view)
    assert await page.locator("#status").inner_text() == "bekræftet"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)


async def test_tampered_and_expired_links_show_a_danish_error_page(
    services: dict[str, ServiceProcess], browser: Browser
) -> None:
    fact = {
        "data": {
            "registration_id": "00000000-0000-0000-0000-000000000000",
            "event_id": new_event_id("selv"),
        }
    }
    page = await browser.new_page()
    good = built_link("cancel", fact)
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    response = await page.goto(tampered)
    assert response is not None and response.status == 400
    assert await page.locator("h1").inner_text() == "Linket er ugyldigt"
    assert "Åbn linket direkte fra din mail" in await page.locator("main").inner_text()

    claims = links.LinkClaims("cancel", "r", "e", datetime.now(UTC) - timedelta(minutes=5))
    expired = links.url(SETTINGS.public_base_url, links.sign(SETTINGS.link_secret, claims))
    response = await page.goto(expired)
    assert response is not None and response.status == 410
    assert await page.locator("h1").inner_text() == "Linket er udløbet"
    assert "Traceback" not in await page.content()

    response = await page.goto(good)  # well signed, but no such registration
    assert response is not None and response.status == 404
    assert await page.locator("h1").inner_text() == "Tilmeldingen findes ikke"
