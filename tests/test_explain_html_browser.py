"""The HTML report in a real headless Chromium (Debian's, driven by Playwright).

The page must load without any network request (its Content-Security-Policy forbids
them; the test also watches every request), a step must open on a click, and the
wording of the article version in force must then be visible. A screenshot is written
to tests/artifacts/ (git-ignored). Skipped, with the reason, when Playwright or
/usr/bin/chromium is missing (`.ci/run` installs both).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpf_rules import load_rules
from cpf_rules.explain.report import explain, render_explain_html
from explain_support import AS_OF, EXAMPLES, hostile_rules

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
OPEN_ANCESTORS = (
    "node => { for (let n = node.parentElement; n; n = n.parentElement) if (n.tagName === 'DETAILS') n.open = true; }"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[browser]' for the browser tests")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _report(tmp_path: Path, name: str, html: str) -> Path:
    target = tmp_path / name
    target.write_text(html, encoding="utf-8")
    return target


def test_report_opens_offline_expands_and_shows_the_article(browser: Any, tmp_path: Path) -> None:
    # The part-time cashier of the service-public example: 700 h of 1,607 h in 2019.
    explanation = explain(
        load_rules(),
        EXAMPLES / "part_time_cashier.yaml",
        ["credit(2019)", "amount_due(2019)"],
        AS_OF,
        max_evaluations=40,
    )
    report = _report(tmp_path, "credit_2019.html", render_explain_html(explanation))
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    page.set_default_timeout(5000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    assert requests == [report.as_uri()], "the report must not fetch anything"

    # Summary first, French formats (R6323-1 II: 500 € × 700/1,607 rounded up to the cent).
    assert (
        page.locator(".summary li")
        .first.inner_text()
        .startswith("Droits acquis au titre de l'année au 31/12/2019 : 217,80 €")
    )
    # The step that compares the work ratio with half of the reference duration.
    decision = page.locator(":scope > .body > .decision code", has_text="work_ratio(y) >= full_credit_share(y.start)")
    step = page.locator("details.kind-rule", has=decision).first
    step.evaluate(OPEN_ANCESTORS)
    wording = step.locator(":scope > .body > details.cite blockquote.wording").first
    assert step.get_attribute("open") is None and not wording.is_visible()
    step.locator(":scope > summary").click()
    assert step.get_attribute("open") is not None
    # The greyed arm: below half-time the full 500 € is "non applicable" (L6323-11 al. 2).
    untaken = step.locator(":scope > .body .arm.na").first
    assert untaken.is_visible() and "annual_amount(y.start)" in untaken.inner_text()
    assert "non applicable" in untaken.inner_text()
    citation = step.locator(":scope > .body > details.cite").first
    citation.locator(":scope > summary").click()
    assert wording.is_visible()
    # L6323-11 as written by the loi 2018-771, in force on 1 January 2019.
    assert "la moitié de la durée légale ou conventionnelle" in wording.inner_text()
    link = citation.locator("a.official")
    assert link.get_attribute("href", timeout=1000) is not None and link.get_attribute("href").startswith("http")

    # A shared step is rendered once; the later occurrence links to it and opens it.
    reference = page.locator(".step.ref a.ref-link").first
    target_id = reference.get_attribute("href").lstrip("#")
    page.locator(f"details#{target_id}").evaluate("node => { node.open = false; }")
    page.evaluate(f"document.querySelector('a.ref-link[href=\"#{target_id}\"]').click()")
    assert page.locator(f"details#{target_id}").get_attribute("open") is not None

    # The counterfactual of the threshold of L6323-11 al. 2: 803.5 h is half of 1,607 h.
    assert "803,5 h au lieu de 700 h" in page.locator("section.counterfactuals").inner_text()

    page.locator("#collapse-all").click()  # the screenshot: this step and its article open
    step.evaluate(OPEN_ANCESTORS)
    step.locator(":scope > summary").click()
    citation.locator(":scope > summary").click()
    assert wording.is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "explain_report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    page.emulate_media(media="print")
    assert not page.locator("#expand-all").is_visible()  # the print stylesheet hides the buttons
    assert requests == [report.as_uri()] and dialogs == []
    page.close()


def test_hostile_labels_do_not_run_in_the_browser(browser: Any, tmp_path: Path) -> None:
    rules = load_rules(hostile_rules(tmp_path))
    explanation = explain(rules, EXAMPLES / "part_time_cashier.yaml", ["credit(2019)"], AS_OF, max_evaluations=30)
    report = _report(tmp_path, "hostile.html", render_explain_html(explanation))
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    page.locator("#expand-all").click()  # the page's own script runs (allowed by its hash)
    assert page.locator("details:not([open])").count() == 0
    page.locator("summary").first.hover()
    page.mouse.move(10, 10)
    assert dialogs == [] and requests == [report.as_uri()]
    assert page.locator("img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.locator(".summary").inner_text()  # shown as text
    page.close()
