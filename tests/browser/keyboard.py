"""Driving pages the way keyboard users do."""


def tab_to(page, target, *, limit: int = 100) -> None:
    """Move the keyboard focus to ``target`` with the Tab key alone, as a keyboard user would.

    Fails if the element is not reachable by Tab (not focusable, hidden, or trapped behind
    something) within ``limit`` presses from the current focus.
    """
    target.wait_for(state="visible")
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("element => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    if not page.evaluate("element => document.activeElement === element", handle):
        raise AssertionError(f"{target} cannot be reached with the Tab key")
