"""The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The service runs in a thread (uvicorn on a free loopback port) on the session's real
store. The test loads the dashboard, checks that the timeline chart is drawn from data,
hovers it, runs a product lookup and a duty, checks an article
(claims highlighted with verdicts), and saves a screenshot of each page under tmp_path.
Playwright's own browser download is never used: ``executable_path`` is Debian's.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium not found: install Debian's chromium (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def base_url(real_store):
    import uvicorn

    from tradewar.interfaces.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(real_store), host="127.0.0.1", port=port, log_level="warning",
        access_log=False,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright missing")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, base_url):
    page = browser.new_page()
    page.errors = []
    page.requests = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    page.close()


def _open(page, base_url, name):
    page.goto(f"{base_url}/#/{name}")
    page.wait_for_selector(f"body[data-ready='{name}']", timeout=60_000)


def test_dashboard_timelines_chart(page, base_url, tmp_path):
    _open(page, base_url, "timelines")
    chart = page.locator("svg[data-chart='timelines']")
    lines = chart.locator("path.series-line")
    assert lines.count() >= 3  # US on China, China on the US, collected duty (and others)
    for i in range(lines.count()):
        assert int(lines.nth(i).get_attribute("data-points")) > 1
        assert len(lines.nth(i).get_attribute("d")) > 40  # a drawn step path, not empty
    keys = {lines.nth(i).get_attribute("data-series") for i in range(lines.count())}
    assert {"us-cn", "cn-us", "collected"} <= keys
    markers = chart.locator("circle.marker")
    assert markers.count() >= 8  # one per measure step (lists 1-4A, rounds 1-4, 232, ...)
    dates = {chart.locator("g.marker-group").nth(i).get_attribute("data-date")
             for i in range(markers.count())}  # fmt: skip
    assert {"2018-07-06", "2018-09-24", "2019-05-10"} <= dates
    box = chart.locator("rect.hover-area").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    tip = page.locator(".chart-wrap .tooltip")
    assert tip.is_visible() and "%" in tip.inner_text()
    assert "As of: Store built" in page.locator("#page-timelines footer.sources").inner_text()
    page.screenshot(path=tmp_path / "timelines.png", full_page=True)
    assert (tmp_path / "timelines.png").stat().st_size > 10_000
    assert not page.errors
    assert all(url.startswith(base_url) or url.startswith("data:") for url in page.requests)


def test_product_lookup(page, base_url, tmp_path):
    _open(page, base_url, "products")
    page.fill("#product-q", "9403.60.80.81")
    page.click("#product-search")
    page.wait_for_selector("#product-sides svg path.series-line", timeout=30_000)
    sides = page.locator("#product-sides .side")
    assert sides.count() == 2
    us = page.locator("#product-sides .side[data-importer='US']")
    assert "9903.88.03" in us.inner_text() and "84 FR 20459" in us.inner_text()
    cn = page.locator("#product-sides .side[data-importer='CN']")
    assert "9403.60" in cn.inner_text() and cn.locator("table.layers tbody tr").count() > 0
    page.click("#duty-form button")
    page.wait_for_selector("#duty-result table", timeout=30_000)
    assert "total 25%" in page.locator("#duty-result").inner_text()
    page.screenshot(path=tmp_path / "product.png", full_page=True)
    # a search by words lists lines to pick from
    page.fill("#product-q", "wooden furniture")
    page.click("#product-search")
    page.wait_for_selector("#product-table button.product-hit", timeout=30_000)
    assert page.locator("#product-table button.product-hit").count() > 1
    assert not page.errors


def test_article_checker(page, base_url, tmp_path):
    _open(page, base_url, "articles")
    page.fill(
        "#article-text",
        "Without an agreement, a 10 percent tariff increase imposed in July on USD200 billion "
        "of Chinese goods is due to rise to 25 percent on March 2.",
    )
    page.fill("#article-date", "2019-02-20")
    page.click("#article-check")
    result = page.locator("#article-result .checked")
    result.wait_for(timeout=60_000)
    claims = page.locator("#article-result .claim")
    assert claims.count() >= 1
    assert page.locator("#article-result .article-text mark").count() >= 1
    kinds = [claims.nth(i).get_attribute("data-kind") for i in range(claims.count())]
    assert "tariff_rate_change" in kinds
    assert "2019-05-10" in result.inner_text()  # as it turned out
    page.screenshot(path=tmp_path / "articles.png", full_page=True)
    assert not page.errors


def test_commitments_page(page, base_url, tmp_path):
    """Charts when the commitments engine is there, a plain 501 notice when it is not."""
    from tradewar.interfaces.web.routes import capabilities

    _open(page, base_url, "commitments")
    root = page.locator("#page-commitments")
    if capabilities()["commitments"]:
        root.locator("svg[data-chart^='commitment-'] path.series-line").first.wait_for()
        assert root.locator("svg[data-chart^='commitment-']").count() >= 2
        assert "Basis us-exports" in root.locator("footer.sources").last.inner_text()
    else:
        assert root.locator("[data-status='501']").count() == 1
        assert root.locator("table, svg").count() == 0  # no data shown
    page.screenshot(path=tmp_path / "commitments.png", full_page=True)
    assert not page.errors


def test_refunds_tab(page, base_url, tmp_path):
    """The IEEPA refunds tab: upload entries, see the total, headings, basis and caveats."""
    entries = tmp_path / "entries.csv"
    entries.write_text(
        "entry_number,code,importer,origin,entered,value\n"
        "E1,6109.10.00.12,US,CN,2025-03-10,1000\n"
        "E2,6109.10.00.12,US,CN,2025-06-01,2000\n",
        encoding="utf-8",
    )
    _open(page, base_url, "refunds")
    page.set_input_files("#refunds-file", str(entries))
    page.click("#refunds-run")
    page.wait_for_selector("#refunds-total", timeout=60_000)
    # 1000 x 20% (9903.01.24) + 2000 x (20% + 10% of 9903.01.25)
    assert page.locator("#refunds-total").inner_text() == "$800.00"
    text = page.locator("#refunds-result").inner_text()
    assert "9903.01.24" in text and "9903.01.25" in text and "protest" in text
    page.screenshot(path=tmp_path / "refunds.png", full_page=True)
    assert not page.errors
