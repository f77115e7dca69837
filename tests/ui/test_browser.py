"""A real headless Chromium against a live server: what a reader who writes no SPARQL does.

Screenshots go to test-artifacts/ui/ (gitignored); the walk from the home page to the answer of
"which clusters does the article credit with 国际金融服务, and where does it say so?" is
02-financial-services-zh.png (Chinese) and 03-financial-services-en.png (English).
"""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS, CHROMEDRIVER, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver at /usr/bin (CI installs them)",
    ),
]


@pytest.fixture(autouse=True)
def desktop_window(browser):
    """These walks are at a desktop width, whatever width the shared browser was left at."""
    browser.set_window_size(1280, 1400)


def wait(driver, css: str, timeout: float = 30):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / name))


def test_financial_services_question_from_the_home_page(live_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/?lang=zh-Hans")
    svg = wait(browser, "svg.table1")
    assert svg.find_elements(By.CSS_SELECTOR, "a.cluster") and svg.find_elements(By.CSS_SELECTOR, "a.city")
    shot(browser, "01-home-zh.png")

    # one click on the function in the Table 1 picture
    target = next(
        a for a in svg.find_elements(By.CSS_SELECTOR, "a.function") if a.text.strip() == "国际金融服务"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", target)
    wait(browser, "article.resource")
    assert browser.find_element(By.TAG_NAME, "h1").text == "国际金融服务"
    # the statement's evidence once: each crediting cluster's row of Table 1, as cells
    rows = browser.find_elements(By.CSS_SELECTOR, "details.fact-evidence figure.evidence")
    assert len(rows) >= 2
    assert all(any("国际金融服务" in m.text for m in r.find_elements(By.CSS_SELECTOR, "mark")) for r in rows)
    browser.execute_script("document.querySelector('details.fact-evidence').scrollIntoView({block: 'start'})")
    shot(browser, "02-financial-services-zh.png")

    # the same page in English, and the choice is remembered on the next page
    browser.find_element(By.CSS_SELECTOR, "a.lang-switch[data-lang='en']").click()
    wait(browser, "body[data-lang='en']")
    assert "Where the article says so" in browser.page_source
    browser.execute_script("document.querySelector('details.fact-evidence').scrollIntoView({block: 'start'})")
    shot(browser, "03-financial-services-en.png")
    browser.get(live_server + "/")
    wait(browser, "svg.table1")
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-lang") == "en"
    shot(browser, "04-home-en.png")


@pytest.mark.parametrize("query", ["長三角", "changsanjiao"])
def test_search_finds_the_yangtze_river_delta(live_server, browser, query):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server + "/?lang=zh-Hans")
    box = wait(browser, "form.search input[name=q]")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    wait(browser, "ol.hits li.hit a")
    top = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ol.hits li.hit > a")][:3]
    assert "长三角城市群" in top, top
    shot(browser, f"05-search-{'traditional' if query == '長三角' else 'pinyin'}.png")


def test_cluster_page_labels_evidence_and_language_switch(live_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/search?q=长三角城市群&lang=zh-Hans")
    wait(browser, "ol.hits li.hit a").click()
    wait(browser, "article.resource")
    labels = {
        row.get_attribute("data-lang"): row.text
        for row in browser.find_elements(By.CSS_SELECTOR, ".label-row")
    }
    assert "长三角城市群" in labels["zh-Hans"] and "長三角城市群" in labels["zh-Hant"]
    assert labels.get("en")
    quote = browser.find_element(By.CSS_SELECTOR, "section.evidence-list figure.evidence blockquote")
    assert "长三角城市群" in quote.text or quote.text
    assert browser.find_element(By.TAG_NAME, "h1").text == "长三角城市群"
    shot(browser, "06-cluster-zh.png")
    browser.find_element(By.CSS_SELECTOR, "a.lang-switch[data-lang='en']").click()
    wait(browser, "body[data-lang='en']")
    assert browser.find_element(By.TAG_NAME, "h1").text in labels["en"]
    shot(browser, "07-cluster-en.png")
    browser.find_element(By.CSS_SELECTOR, "a.lang-switch[data-lang='zh-Hant']").click()
    wait(browser, "body[data-lang='zh-Hant']")
    assert browser.find_element(By.TAG_NAME, "h1").text == "長三角城市群"


def test_example_query_runs_in_yasgui_offline(live_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/query?lang=zh-Hans")
    wait(browser, ".yasqe .CodeMirror")
    browser.find_element(By.CSS_SELECTOR, "button.example[data-example='01-financial-services']").click()
    wait(browser, ".tabPanel.active .yasr table tbody tr td", timeout=40)
    body = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr").text
    assert "美国东北部城市群" in body and "英国伦敦城市群" in body
    shot(browser, "08-query-financial-services.png")
