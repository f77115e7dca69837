"""The researcher's workbench in a real Chromium, at a desktop width (1,400 px) and a phone's (400 px).

Five tasks a researcher of international relations does without writing SPARQL, end to end:
the 国际金融服务 question, reading section 三 with its facts, following footnote 7 to what it cites,
finding a work by 戈特曼 or a phrase of the text, and reading the map. Then every page type at both
widths: no horizontal scroll (``scrollWidth <= innerWidth``), including the query UI after three
gallery examples, and axe-core (npm, tests/ui/axe) finds no serious or critical violation.
Screenshots go to test-artifacts/ui/ (task-*-1400.png, task-*-400.png, page-*-<width>.png); the axe
figures to test-artifacts/axe.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import ARTIFACTS, CHROMEDRIVER, CHROMIUM, RELEASE, ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver at /usr/bin (CI installs them)",
    ),
    pytest.mark.skipif(not RELEASE.exists(), reason="the tasks read the built graph (ccdkg build)"),
]

WIDTHS = (1400, 400)
AXE_DIR = Path(__file__).parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORT = ROOT / "test-artifacts" / "axe.json"


def sized(browser, width: int, height: int = 1000) -> None:
    browser.set_window_size(width, height)


def wait(browser, css: str, timeout: float = 30):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_for(browser, predicate, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(lambda d: predicate(d))


def no_horizontal_scroll(browser) -> tuple[int, int]:
    widths = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{browser.current_url}: page {widths[0]} px wide in a {widths[1]} px window"
    )
    return widths[0], widths[1]


def shot(browser, name: str) -> Path:
    """A full-page screenshot (the window grown to the page's height, then put back)."""
    width = browser.execute_script("return window.innerWidth")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    size = browser.get_window_size()
    browser.set_window_size(size["width"], min(max(height, 600), 6000))
    time.sleep(0.2)
    path = ARTIFACTS / name
    browser.save_screenshot(str(path))
    browser.set_window_size(size["width"], size["height"])
    assert path.stat().st_size > 1000 and width
    return path


def click(browser, element) -> None:
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))", element
    )


def follow(browser, element) -> None:
    """Go where a link points (SVG links and links under overlays included)."""
    href = browser.execute_script(
        "const h = arguments[0].href;"
        " return new URL(h.baseVal !== undefined ? h.baseVal : h, location.href).href",
        element,
    )
    browser.get(href)


# --------------------------------------------------------------------------- the five tasks


@pytest.mark.parametrize("width", WIDTHS)
def test_task_1_which_clusters_have_international_financial_services(live_server, browser, width):
    from selenium.webdriver.common.by import By

    sized(browser, width)
    browser.get(live_server + "/?lang=zh-Hans")
    wait(browser, "svg.table1")
    no_horizontal_scroll(browser)
    if width >= 700:  # the picture; on a phone the same table as cards
        target = next(
            a
            for a in browser.find_elements(By.CSS_SELECTOR, "svg.table1 a.function")
            if a.text.strip() == "国际金融服务"
        )
    else:
        assert not browser.find_element(By.CSS_SELECTOR, ".table1-picture").is_displayed()
        target = next(
            a
            for a in browser.find_elements(By.CSS_SELECTOR, ".table1-cards a.chip.fn")
            if a.text.strip() == "国际金融服务"
        )
    shot(browser, f"task-1-home-{width}.png")
    follow(browser, target)
    wait(browser, "article.resource")
    assert browser.find_element(By.TAG_NAME, "h1").text == "国际金融服务"
    clusters = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.props ul.values a")}
    assert {"美国东北部城市群", "英国伦敦城市群"} <= clusters
    # where the article says so: each crediting cluster's row of Table 1, once
    rows = browser.find_elements(By.CSS_SELECTOR, "details.fact-evidence figure.evidence")
    assert len(rows) == 2
    assert all(any("国际金融服务" in m.text for m in r.find_elements(By.CSS_SELECTOR, "mark")) for r in rows)
    assert "<sup>" not in browser.page_source.split("<main", 1)[1].split("</main>")[0].replace(
        "<sup class", ""
    )
    no_horizontal_scroll(browser)
    shot(browser, f"task-1-answer-{width}.png")
    # "show in the article": the reader, with the row (or the passage) highlighted
    follow(browser, rows[0].find_element(By.CSS_SELECTOR, "a.read-link"))
    key = browser.current_url.rsplit("#", 1)[1]
    cell = wait(browser, f"[id='{key}']")
    assert "国际金融服务" in cell.text
    assert browser.execute_script("return document.querySelector(':target') === arguments[0]", cell)
    assert (
        browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", cell)
        != "rgba(0, 0, 0, 0)"
    )
    no_horizontal_scroll(browser)
    shot(browser, f"task-1-in-the-article-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_task_2_reading_section_three_with_its_facts(live_server, browser, width):
    from selenium.webdriver.common.by import By

    sized(browser, width)
    browser.get(live_server + "/read?lang=zh-Hans")
    wait(browser, "nav.reader-toc")
    link = next(
        a for a in browser.find_elements(By.CSS_SELECTOR, "nav.reader-toc a") if a.text.startswith("三、")
    )
    follow(browser, link)
    heading = wait(browser, "article.reader h1")
    assert heading.text.startswith("三、城市群外交的政治影响与挑战")
    subheads = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "article.reader h2.heading")]
    assert subheads[0].startswith("（一）积极的政治影响") and subheads[1].startswith("（二）面临的挑战")
    paragraphs = browser.find_elements(By.CSS_SELECTOR, "article.reader p.para")
    assert len(paragraphs) >= 8
    # click a sentence: the facts the graph draws from it, with their kind
    sentence = wait(browser, ".sentence.has-facts")
    click(browser, sentence)
    panel = browser.find_element(By.ID, "facts-panel")
    wait_for(browser, lambda d: panel.is_displayed())
    facts = panel.find_elements(By.CSS_SELECTOR, "ul.facts li")
    assert facts and all(f.find_elements(By.CSS_SELECTOR, "a") for f in facts)
    assert panel.find_elements(By.CSS_SELECTOR, "span.badge.kind")
    assert "selected" in sentence.get_attribute("class")
    assert "/query?query=" in panel.find_element(By.PARTIAL_LINK_TEXT, "查询界面").get_attribute("href")
    no_horizontal_scroll(browser)
    shot(browser, f"task-2-section-three-{width}.png")
    # previous / next
    assert browser.find_element(By.CSS_SELECTOR, "a[rel=prev]").get_attribute("href").endswith("/read/s2")
    assert browser.find_element(By.CSS_SELECTOR, "a[rel=next]").get_attribute("href").endswith("/read/s4")


@pytest.mark.parametrize("width", WIDTHS)
def test_task_3_footnote_seven_to_what_it_cites(live_server, browser, width):
    from selenium.webdriver.common.by import By

    sized(browser, width)
    browser.get(live_server + "/read/s1?lang=zh-Hans")
    marker = wait(browser, "sup.fnref a[href='#fn07']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", marker)
    wait_for(browser, lambda d: d.current_url.endswith("#fn07"))
    note = browser.find_element(By.ID, "fn07")
    assert browser.execute_script("return document.querySelector(':target') === arguments[0]", note)
    assert "何亚非" in note.text and "选择：中国与全球治理" in note.text
    # the sentence it is attached to, and back
    assert note.find_element(By.CSS_SELECTOR, "a.fn-back").get_attribute("href").endswith("#ref-fn07")
    mark = browser.find_element(By.ID, "ref-fn07")
    assert browser.execute_script(
        "return arguments[0].closest('p').querySelector('#s1-4-p1-3') !== null", mark
    )
    no_horizontal_scroll(browser)
    shot(browser, f"task-3-footnote-7-{width}.png")
    follow(browser, note.find_element(By.CSS_SELECTOR, "a.work-link"))
    wait(browser, "article.resource")
    assert browser.find_element(By.TAG_NAME, "h1").text == "选择：中国与全球治理"
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "何亚非" in page and "2015" in page
    no_horizontal_scroll(browser)
    shot(browser, f"task-3-work-{width}.png")
    # the bibliography has it under footnote 7, with the sentence that cites it and what is drawn from it
    browser.get(live_server + "/works?lang=zh-Hans#he-2015")
    entry = wait(browser, "li.work#he-2015")
    assert "脚注 7" in entry.text and "何亚非" in entry.text
    assert (
        entry.find_element(By.CSS_SELECTOR, "code.copyable")
        .get_attribute("textContent")
        .startswith("何亚非 (2015)")
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_task_4_a_work_by_gottmann_and_a_phrase_of_the_text(live_server, browser, width):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    sized(browser, width)
    browser.get(live_server + "/?lang=zh-Hans")
    box = wait(browser, "header form.search input[name=q]")
    box.send_keys("戈特曼", Keys.ENTER)
    wait(browser, "ol.hits li.hit a")
    hits = {a.text: a for a in browser.find_elements(By.CSS_SELECTOR, "ol.hits li.hit > a")}
    assert "Megalopolis: or the Urbanization of the Northeastern Seaboard" in hits
    no_horizontal_scroll(browser)
    shot(browser, f"task-4-search-gottmann-{width}.png")
    follow(browser, hits["Megalopolis: or the Urbanization of the Northeastern Seaboard"])
    wait(browser, "article.resource")
    assert "Jean Gottmann" in browser.find_element(By.TAG_NAME, "main").text
    # a phrase of the text, typed in traditional characters, finds its passage and opens the reader on it
    browser.get(live_server + "/search?lang=zh-Hans&q=" + quote("城市群外交是空間集聚的城市群落"))
    hit = wait(browser, "ol.text-hits li.text-hit")
    assert "城市群外交是空间集聚的城市群落" in hit.text
    no_horizontal_scroll(browser)
    shot(browser, f"task-4-search-phrase-{width}.png")
    follow(browser, hit.find_element(By.CSS_SELECTOR, "a.read-link"))
    key = browser.current_url.rsplit("#", 1)[1]
    sentence = wait(browser, f"[id='{key}']")
    assert sentence.text.startswith("城市群外交是空间集聚的城市群落")
    assert browser.execute_script("return document.querySelector(':target') === arguments[0]", sentence)


@pytest.mark.parametrize("width", WIDTHS)
def test_task_5_reading_the_map(live_server, browser, width):
    from selenium.webdriver.common.by import By

    sized(browser, width)
    browser.get(live_server + "/map?lang=zh-Hans")
    wait(browser, "#world-map[data-drawn='true'] svg path.land")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.coords tbody tr")
    dots = browser.find_elements(By.CSS_SELECTOR, "#world-map circle.city")
    assert len(rows) >= 20 and len(dots) == len(rows)  # every city with coordinates is on the map
    minis = browser.find_elements(By.CSS_SELECTOR, ".mini-map svg")
    assert len(minis) == 7
    shanghai = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mini-map text.city-label')).map(t => t.textContent)"
    )
    assert "上海" in shanghai and "伦敦" in shanghai
    # the drawing stays in the window and needs nothing from outside this server
    box = browser.find_element(By.CSS_SELECTOR, "#world-map svg").rect
    assert box["width"] <= width
    outside = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(location.origin))"
    )
    assert outside == []
    no_horizontal_scroll(browser)
    shot(browser, f"task-5-map-{width}.png")
    # a city on the map opens its page
    city = browser.find_element(By.CSS_SELECTOR, ".mini-map a")
    follow(browser, city)
    wait(browser, "article.resource")
    assert "坐标" in browser.find_element(By.TAG_NAME, "main").text


# --------------------------------------------------------------------------- every page type

PAGES = {
    "home": "/",
    "reader-part": "/read/s3",
    "reader-whole": "/read",
    "cluster": "/id/cluster/yangtze-river-delta",
    "core-function": "/id/core-function/international-financial-services",
    "recommendation": "/id/recommendation/central-city-leadership",
    "passage": "/id/passage/s3-1-p2-1",
    "footnote": "/id/footnote/fn07",
    "work": "/id/work/gottmann-1957",
    "article": "/id/article/han-2022",
    "ontology": "/ontology",
    "ontology-term": "/ontology/term/CityCluster",
    "ontology-terms": "/ontology/terms",
    "search": "/search?q=" + quote("伦敦"),
    "map": "/map",
    "works": "/works",
    "interpretations": "/interpretations",
    "validation": "/validation",
    "validate-form": "/validate",
    "downloads": "/downloads/",
    "void": "/.well-known/void",
    "not-found": "/no/such/page",
    "not-found-id": "/id/city/atlantis",
    "query": "/query",
}


def _axe_source() -> str:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("axe-core needs npm (tests/ui/axe/package.json)")
        subprocess.run(
            [npm, "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund"], check=True, timeout=300
        )
    return AXE_JS.read_text(encoding="utf-8")


def _axe(browser, source: str) -> list[dict]:
    browser.execute_script(source)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done(String(e)));"
    )
    assert isinstance(result, list), result
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": len(v["nodes"]),
            "targets": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result
    ]


def _load_three_examples(browser) -> None:
    from selenium.webdriver.common.by import By

    wait(browser, ".yasqe .CodeMirror")
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.example")
    for button in (buttons[0], buttons[5], buttons[7]):
        handles = len(browser.window_handles)
        click(browser, button)
        wait_for(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr table tbody tr td"),
            40,
        )
        time.sleep(0.5)
        assert len(browser.window_handles) == handles  # in the same tab of the same window
    tabs = browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab")
    assert len(tabs) == 1, "examples load into the open tab rather than piling up tabs"
    body = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr").text
    assert "Megalopolis" in body or "城市群" in body


def test_every_page_type_fits_both_widths_and_passes_axe(live_server, browser):
    source = _axe_source()
    figures: dict[str, dict] = {}
    failures: list[str] = []
    for width in WIDTHS:
        sized(browser, width)
        for name, path in PAGES.items():
            browser.get(live_server + path + ("&" if "?" in path else "?") + "lang=zh-Hans")
            wait(browser, "main")
            if name == "query":
                _load_three_examples(browser)
            if name == "map":
                wait(browser, "#world-map[data-drawn='true']")
            scroll, inner = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > inner:
                failures.append(f"{name}@{width}: page {scroll} px wide in a {inner} px window")
            violations = _axe(browser, source)
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            figures[f"{name}@{width}"] = {
                "path": path,
                "width": width,
                "scrollWidth": scroll,
                "innerWidth": inner,
                "violations": len(violations),
                "serious_or_critical": len(bad),
                "by_impact": {
                    i: sum(v["impact"] == i for v in violations)
                    for i in ("minor", "moderate", "serious", "critical")
                },
                "details": violations,
            }
            if bad:
                failures.append(
                    f"{name}@{width}: " + ", ".join(f"{v['id']} ({v['impact']}) {v['targets']}" for v in bad)
                )
            shot(browser, f"page-{name}-{width}.png")
    AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
    AXE_REPORT.write_text(
        json.dumps(
            {
                "axe_core": json.loads((AXE_DIR / "node_modules" / "axe-core" / "package.json").read_text())[
                    "version"
                ],
                "pages": len(figures),
                "serious_or_critical": sum(f["serious_or_critical"] for f in figures.values()),
                "violations": sum(f["violations"] for f in figures.values()),
                "results": figures,
            },
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    assert not failures, "\n".join(failures)
