"""Every public page of the demo site passes axe-core's WCAG 2.1 A/AA rules.

The pages are found the way a visitor finds them: by following same-origin links from the home
page (plus the account pages and a search, which are linked only from forms or not at all).
New page types and features are covered as soon as the demo links to them.

Each page must also have a language, exactly one <h1>, a skip link as the first thing the Tab
key reaches, no broken images, styles or scripts, no script errors and no content security
policy violations. All problems of all pages are collected and reported together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import pytest

pytestmark = pytest.mark.browser

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

SEEDS = ["/", "/konto/login/", "/konto/signup/", "/konto/password/reset/", "/suche/?q=Stadthalle"]
# A visitor who mistypes an address sees this page too.
NOT_FOUND = "/diese-seite-gibt-es-nicht/"
SKIPPED_PREFIXES = (
    "/admin/",
    "/django-admin/",
    "/konto/logout/",
    "/konto/daten/",  # personal data download
    "/sprache/",  # the language switcher is a POST form
    "/dokumente/",  # document downloads
    "/documents/",
    "/media/",
    "/static/",
)
DOWNLOAD_SUFFIXES = re.compile(
    r"\.(pdf|csv|xlsx?|ods|odt|docx?|zip|json|geojson|ics|xml|txt|png|jpe?g|gif|svg|webp)$",
    re.IGNORECASE,
)
IGNORED_PARAMETERS = {"next"}
MAX_PAGES = 150

STRUCTURE = """
() => {
  const main = document.querySelector("main");
  return {
    lang: document.documentElement.getAttribute("lang") || "",
    h1: Array.from(document.querySelectorAll("h1")).map(h => h.textContent.trim()),
    hasMain: Boolean(main),
  };
}
"""
FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const href = el.getAttribute("href") || "";
  let target = null;
  if (href.startsWith("#") && href.length > 1) {
    target = document.getElementById(decodeURIComponent(href.slice(1)));
  }
  const main = document.querySelector("main");
  return {
    tag: el.tagName.toLowerCase(),
    href: href,
    text: (el.textContent || "").trim(),
    targetExists: Boolean(target),
    targetIsMain: Boolean(target && main && (target === main || target.contains(main)
                                             || main.contains(target))),
  };
}
"""
# Start keyboard navigation from the top of the document, also on pages opened at a #fragment
# (where browsers start from the fragment's target, as they should).
FROM_THE_TOP = """
() => {
  const body = document.body;
  const tabindex = body.getAttribute("tabindex");
  body.setAttribute("tabindex", "-1");
  body.focus();
  if (tabindex === null) body.removeAttribute("tabindex");
  else body.setAttribute("tabindex", tabindex);
}
"""
RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.join(" "),
      html: n.html.slice(0, 200),
      summary: (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 300),
    })),
  }));
}
"""


@dataclass
class PageReport:
    path: str
    problems: list[str] = field(default_factory=list)

    def format(self) -> str:
        return f"{self.path}\n" + "\n".join(f"  - {p}" for p in self.problems)


def crawlable(url: str, origin: str) -> str | None:
    """The path (and query) to visit for a link, or None if a crawl of public pages skips it."""
    url, _fragment = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED_PREFIXES) or DOWNLOAD_SUFFIXES.search(path):
        return None
    # "Log in" links carry ?next=<this page>; the page they lead to is the same for all.
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in IGNORED_PARAMETERS])
    return path + (f"?{query}" if query else "")


def describe_violation(violation: dict) -> str:
    lines = [
        f"axe {violation['id']} ({violation['impact']}): {violation['help']} "
        f"<{violation['helpUrl']}>"
    ]
    for node in violation["nodes"][:10]:
        lines.append(f"      at {node['target']}: {node['summary']}")
        lines.append(f"         {node['html']}")
    if len(violation["nodes"]) > 10:
        lines.append(f"      ... and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


def check_page(page, axe_source: str, report: PageReport, *, expected_lang: str = "de") -> None:
    structure = page.evaluate(STRUCTURE)
    if not structure["lang"]:
        report.problems.append("<html> has no lang attribute")
    elif structure["lang"].split("-")[0] != expected_lang:
        report.problems.append(f'<html lang="{structure["lang"]}">, expected "{expected_lang}"')
    if len(structure["h1"]) != 1:
        report.problems.append(f"expected exactly one <h1>, found {structure['h1']!r}")
    if not structure["hasMain"]:
        report.problems.append("no <main> landmark")

    # The first Tab from the top of the page must reach a visible "skip to content" link.
    page.evaluate(FROM_THE_TOP)
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if not focused or focused["tag"] != "a" or not focused["href"].startswith("#"):
        report.problems.append(f"the first Tab does not reach a skip link (focused: {focused})")
    elif not focused["targetExists"] or not focused["targetIsMain"]:
        report.problems.append(f"the skip link {focused['href']} does not lead to <main>")
    elif not focused["text"]:
        report.problems.append("the skip link has no text")

    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)  # evaluated by the browser's debugger: the page's CSP allows it
    for violation in page.evaluate(RUN_AXE, AXE_TAGS):
        report.problems.append(describe_violation(violation))


class Visitor:
    """Opens pages in one browser tab and collects what went wrong while each one loaded."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.axe_source = AXE_SOURCE.read_text(encoding="utf-8")
        self.events: list[str] = []
        page.on("pageerror", lambda error: self.events.append(f"script error: {error}"))
        page.on("console", self._on_console)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.events.append(f"content security policy: {message.text}")

    def _on_response(self, response) -> None:
        kind = response.request.resource_type
        if response.status >= 400 and kind in {"stylesheet", "script", "image", "font"}:
            self.events.append(f"broken {kind}: HTTP {response.status} {response.url}")

    def visit(self, path: str, *, expected_status: int = 200) -> tuple[PageReport, list[str]]:
        """Open and check one page; return the report and the pages it links to."""
        report = PageReport(path)
        self.events.clear()
        response = self.page.goto(urljoin(self.origin, path))
        status = response.status if response else None
        links: list[str] = []
        if status != expected_status:
            report.problems.append(f"answered HTTP {status}, expected {expected_status}")
        if status == expected_status or expected_status != 200:
            check_page(self.page, self.axe_source, report)
            hrefs = self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            links = [p for p in (crawlable(h, self.origin) for h in hrefs) if p is not None]
        report.problems += self.events
        return report, links


def template_of(path: str) -> str:
    """Pages that differ only in ids or parameter values share a template: check one of them.

    ``/kommentare/7/melden/`` stands for every comment's report form, ``?sort=newest`` for every
    sort order, ``?topic=...`` for every filter value.
    """
    parts = urlsplit(path)
    shape = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return shape + ("?" + "&".join(f"{name}=*" for name in names) if names else "")


def crawl(visitor: Visitor, seeds: list[str]) -> tuple[list[str], list[PageReport]]:
    """Visit the seeds and every same-origin page they lead to, breadth first, one page per
    template (see ``template_of``)."""
    failures: list[PageReport] = []
    queue = list(seeds)
    seen = set(queue)
    templates = {template_of(path) for path in queue}
    checked: list[str] = []
    while queue and len(checked) < MAX_PAGES:
        path = queue.pop(0)
        report, links = visitor.visit(path)
        final = crawlable(visitor.page.url, visitor.origin) or path
        if final != path and final in checked:
            continue  # redirected to a page already checked (e.g. the login page)
        checked.append(final)
        seen.add(final)
        templates.add(template_of(final))
        for link in links:
            if link not in seen and template_of(link) not in templates:
                seen.add(link)
                templates.add(template_of(link))
                queue.append(link)
        if report.problems:
            failures.append(report)
    assert len(checked) < MAX_PAGES, f"the crawl stopped at {MAX_PAGES} pages; raise the limit"
    return checked, failures


def assert_no_failures(checked: list[str], failures: list[PageReport]) -> None:
    print(f"checked {len(checked)} pages: " + ", ".join(checked))
    assert not failures, (
        f"{len(failures)} of {len(checked)} pages have accessibility problems:\n\n"
        + "\n\n".join(report.format() for report in failures)
    )


def test_every_public_page_passes_axe(page, live_site, network_guard):
    visitor = Visitor(page, live_site.base_url)
    checked, failures = crawl(visitor, SEEDS)

    report, _links = visitor.visit(NOT_FOUND, expected_status=404)
    checked.append(NOT_FOUND)
    if report.problems:
        failures.append(report)

    assert_no_failures(checked, failures)
    network_guard.assert_no_external_requests()


# Demo accounts (manage.py load_demo): what residents and moderators see when signed in.
SIGNED_IN = {
    "resident": "anna@mitreden.test",
    "moderator": "moderation@mitreden.test",
    # Communication staff: the surveys' evaluation, free-text lists and paper entry.
    "editor": "redaktion@mitreden.test",
}
DEMO_PASSWORD = "mitreden-demo"


@pytest.mark.parametrize("role", list(SIGNED_IN))
def test_every_page_a_signed_in_person_sees_passes_axe(role, page, live_site, network_guard):
    page.goto("/konto/login/")
    form = page.get_by_role("main").locator("form").filter(has=page.get_by_label("E-Mail"))
    form.get_by_label("E-Mail").fill(SIGNED_IN[role])
    form.get_by_label(re.compile(r"^Passwort:?$")).fill(DEMO_PASSWORD)
    form.get_by_role("button", name=re.compile(r"^(Anmelden|Anmeldung)$")).click()
    page.wait_for_url(lambda url: "/konto/login/" not in url)

    visitor = Visitor(page, live_site.base_url)
    checked, failures = crawl(visitor, ["/", "/konto/profil/", "/suche/?q=Stadthalle"])
    assert_no_failures(checked, failures)
    network_guard.assert_no_external_requests()
