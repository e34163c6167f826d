"""Live updates that must not confuse: a person's own comment, arriving over the socket (often
before the answer to their own POST), appears once and is not announced to them as somebody
else's new comment."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_discussions import (  # noqa: F401
    ANNA,
    NAMES,
    NEW_COMMENT_BY,
    newest_first_path,
    post_with_script,
    sign_in,
    unique,
    wait_until_live,
)

pytestmark = pytest.mark.browser


def test_my_own_comment_is_shown_once_and_not_announced_as_someone_elses(
    sign_in,  # noqa: F811
    network_guard,
):
    anna = sign_in(ANNA)
    path = newest_first_path(anna)  # where a new thread shows in place (test_discussions)
    anna.goto(path)
    wait_until_live(anna)
    anna.stay()
    announcer = anna.page.locator("#live-announcer")
    for n in range(3):
        text = unique(f"Mein eigener Beitrag Nummer {n}.")
        answer = post_with_script(anna, text)
        comment = anna.page.locator(f"#comment-{answer['id']}")
        expect(comment).to_have_count(1)
        expect(comment).to_contain_text(text)
        # The absence of an announcement has no event to wait for: give the socket half a
        # second (its events arrive within 100 ms here), then check what was announced.
        anna.page.wait_for_timeout(500)
        expect(comment).to_have_count(1)
        assert f"{NEW_COMMENT_BY} {NAMES[ANNA]}" not in announcer.inner_text()
    anna.assert_stayed()
    network_guard.assert_no_external_requests()
