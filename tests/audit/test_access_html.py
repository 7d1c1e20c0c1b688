"""The HTML access page in a real browser: Debian's headless Chromium, driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (`make test`
installs Debian's package when it is missing). A missing browser fails the
test with what to do; it is never skipped. The page is opened from a file
with every request other than that file refused, so it must work offline.
A screenshot for people to look at is saved to tests/artifacts/access-report.png
(and access-report-phone.png, the same page on a phone's screen).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, Route, sync_playwright

from reconciler.model.audit import AccessReport, AccessRow, WorkspaceAccess
from reconciler.render.access import CONTENT_SECURITY_POLICY, render_access_html
from tests.audit.conftest import REPO, Tree

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
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


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: this test needs Debian's chromium package. Run `make test` "
            "(it installs it), or `apt-get install -y --no-install-recommends chromium`."
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
    )
    yield context
    context.close()


def open_page(browser: BrowserContext, html_file: Path, **viewport: int) -> tuple[Page, list[str]]:
    """The page, offline: any request but the file itself is aborted and recorded."""
    page = browser.new_page()
    if viewport:
        page.set_viewport_size({"width": viewport["width"], "height": viewport["height"]})
    outside: list[str] = []
    problems: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.url == html_file.as_uri():
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", refuse)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
    page.goto(html_file.as_uri())
    return page, problems + outside


def column(page: Page, index: int) -> list[str]:
    return list(
        page.eval_on_selector_all(
            "#access tbody tr:not([hidden])",
            f"rows => rows.map(r => r.cells[{index}].textContent)",
        )
    )


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`reconciler audit --access --format html specs/ > access.html`."""
    folder = tmp_path_factory.mktemp("html")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        result = Tree(REPO).run("--access", "--format", "html", "specs/")
    assert result.exit_code == 0, result.stderr
    page = folder / "access.html"
    page.write_text(result.stdout, encoding="utf-8")
    return page


def test_the_page_is_self_contained_and_strict(demo_page: Path) -> None:
    text = demo_page.read_text("utf-8")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">' in (
        text.replace("&#x27;", "'")
    )
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/]+=*';", CONTENT_SECURITY_POLICY)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert not re.search(r"\son[a-z]+\s*=", text), "no inline event handlers"
    assert not re.search(r"(src|href)\s*=", text), "nothing loaded from anywhere"


def test_sort_by_clicking_a_header_and_filter_by_typing(
    browser: BrowserContext, demo_page: Path
) -> None:
    page, problems = open_page(browser, demo_page)
    total = len(column(page, 0))
    assert total == 39
    assert page.text_content("#shown") == "39 of 39 rows"
    before = column(page, 0)
    assert before[0] == "ana@xyz.com" and before[-1] == "AD_XYZ"  # accounts, then AD groups

    account = page.locator("thead th").nth(0)
    account.locator("button").click()
    ascending = column(page, 0)
    assert account.get_attribute("aria-sort") == "ascending"
    assert ascending != before
    assert ascending == sorted(before, key=str.casefold)
    assert ascending[0] == "AD_Finance"
    account.locator("button").click()
    assert account.get_attribute("aria-sort") == "descending"
    assert column(page, 0) == sorted(before, key=str.casefold, reverse=True)

    group = page.locator("thead th").nth(5)
    group.locator("button").click()
    assert group.get_attribute("aria-sort") == "ascending"
    assert account.get_attribute("aria-sort") == "none"
    assert column(page, 5)[0] == "deputy"  # "deputy" < "manager" < "Managers", without case

    page.fill("#filter", "lucas")
    assert set(column(page, 0)) == {"lucas@xyz.com"}
    assert len(column(page, 0)) == 4
    assert page.text_content("#shown") == "4 of 39 rows"
    page.fill("#filter", "LUCAS finance")  # every word, without case
    assert sorted(column(page, 5)) == ["Members", "deputy"]
    page.fill("#filter", "implied owners")
    assert column(page, 0) == ["maria@xyz.com"]
    assert page.text_content("#shown") == "1 of 39 rows"
    page.fill("#filter", "comaccount")  # ana@xyz.com | account: a word stays in one cell
    assert column(page, 0) == []
    assert page.text_content("#shown") == "0 of 39 rows"
    page.fill("#filter", "ana@xyz.com account")
    assert set(column(page, 0)) == {"ana@xyz.com"}
    page.fill("#filter", "")
    assert len(column(page, 0)) == total

    account.locator("button").click()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "access-report.png"), full_page=True)
    assert problems == []
    page.close()


def test_readable_on_a_phone(browser: BrowserContext, demo_page: Path) -> None:
    page, problems = open_page(browser, demo_page, width=390, height=844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    display = page.eval_on_selector("#access tbody tr", "r => getComputedStyle(r).display")
    assert display == "block"  # each row a card of label: value lines
    label = page.eval_on_selector(
        "#access tbody td", "td => getComputedStyle(td, '::before').content"
    )
    assert label == '"Account"'
    page.locator("thead th").nth(3).locator("button").click()  # the headers still sort
    assert page.locator("thead th").nth(3).get_attribute("aria-sort") == "ascending"
    page.screenshot(path=str(ARTIFACTS / "access-report-phone.png"), full_page=False)
    assert problems == []
    page.close()


def test_numbers_sort_as_numbers_and_names_are_only_text(
    browser: BrowserContext, tmp_path: Path
) -> None:
    hostile = '<img src=x onerror="alert(1)">'

    def row(line: int, name: str) -> AccessRow:
        return AccessRow(
            "contoso",
            f"u{line}@xyz.com",
            "account",
            f"contoso/pr.{line}",
            name,
            "active",
            "Members",
            False,
            "listed",
            "specs/a.yaml",
            line,
        )

    report = AccessReport(
        "specs",
        (row(10, "Ten"), row(9, hostile), row(100, "</script><script>alert(2)</script>")),
        (WorkspaceAccess("contoso", "contoso/pr.9", hostile, "active", None, None, None),),
    )
    file = tmp_path / "page.html"
    file.write_text(render_access_html(report), encoding="utf-8")
    page, problems = open_page(browser, file)
    assert page.locator("#access img").count() == 0
    assert column(page, 4)[1] == hostile  # shown as the text it is
    page.locator("thead th").nth(8).locator("button").click()  # Source: specs/a.yaml:N
    assert column(page, 8) == ["specs/a.yaml:9", "specs/a.yaml:10", "specs/a.yaml:100"]
    page.locator("thead th").nth(3).locator("button").click()
    assert column(page, 3) == ["contoso/pr.9", "contoso/pr.10", "contoso/pr.100"]
    assert problems == []
    page.close()
