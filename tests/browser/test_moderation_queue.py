"""The moderation queue in pages: with more items than one page holds, the moderator moves to
page 2 (a plain link, so it works without JavaScript), and a comment held meanwhile refreshes
the page being shown — same page, same filters — and is announced, without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_discussions import (  # noqa: F401
    ANNA,
    BLOCKED_WORD,
    MODERATOR,
    QUEUE,
    QUEUE_CHANGED,
    discussion_path,
    sign_in,
    unique,
    wait_until_live,
)
from tests.browser.test_surveys import axe_clean

pytestmark = pytest.mark.browser

POST = """
async ([path, texts]) => {
  const section = document.querySelector("[data-discussion]");
  const token = section.getAttribute("data-csrf-token");
  const ids = [];
  for (const text of texts) {
    const body = new URLSearchParams({text});
    const response = await fetch(path + "kommentieren/", {
      method: "POST", body, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"},
    });
    if (!response.ok) throw new Error("posting answered " + response.status);
    ids.push((await response.json()).id);
  }
  return ids;
}
"""


DELETE = """
async ([ids, token]) => {
  for (const id of ids) {
    const response = await fetch(`/kommentare/${id}/loeschen/`, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"},
    });
    if (!response.ok && response.status !== 404) {
      throw new Error("deleting answered " + response.status);
    }
  }
}
"""


def withdraw(person, path: str, ids: list[int]) -> None:
    """The author deletes their held comments again (the queue is shared by later tests)."""
    person.goto(path)
    token = person.page.locator("[data-discussion]").get_attribute("data-csrf-token")
    person.page.evaluate(DELETE, [ids, token])


def hold_comments(person, path: str, count: int) -> list[int]:
    """Post ``count`` comments that the word list holds for review (the page's own fetch)."""
    person.goto(path)
    texts = [unique(f"Halteschleife {n}: ein {BLOCKED_WORD}.") for n in range(count)]
    return person.page.evaluate(POST, [path, texts])


def test_the_second_page_of_the_queue_follows_changes_live(sign_in, network_guard):  # noqa: F811
    anna = sign_in(ANNA)
    path = discussion_path(anna)
    held = hold_comments(anna, path, 22)
    try:
        check_the_second_page(sign_in, anna, path, held)
    finally:
        withdraw(anna, path, held)
    network_guard.assert_no_external_requests()


def check_the_second_page(sign_in, anna, path, held):  # noqa: F811

    moderator = sign_in(MODERATOR)
    moderator.goto(QUEUE)
    page = moderator.page
    pagination = page.get_by_role("navigation", name="Seiten")
    expect(pagination).to_contain_text(re.compile(r"Seite 1 von \d+"))
    pagination.get_by_role("link", name="Nächste Seite").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    expect(pagination).to_contain_text(re.compile(r"Seite 2 von \d+"))
    wait_until_live(moderator, "[data-queue]")
    axe_clean(page)
    count = page.locator("[data-queue-count]")
    before = int(re.search(r"\d+", count.inner_text()).group())
    moderator.stay()

    held += hold_comments(anna, path, 1)
    expect(count).to_contain_text(str(before + 1), timeout=10_000)
    expect(page.locator("#live-announcer")).to_contain_text(QUEUE_CHANGED)
    expect(pagination).to_contain_text(re.compile(r"Seite 2 von \d+"))
    moderator.assert_stayed()
