"""The website chat widget in Chromium, against the whole stack (tests/browser/stack.py): a family
types a colloquial question and answers every question by typing (the simulator's widow, whose
answers are short and in Guizhou speech) until a case is submitted; the case is then read from the
database; the progress view, a page reload, the rating of an answer, the larger-text switch, 320 px
width and the one-tag embedding on another site's page. axe-core on each state; screenshots."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser.conftest import axe_clean, screenshot
from tests.browser.stack import stack  # noqa: F401 (the session fixture)
from tests.sim.personas import WIDOW
from tests.sim.run import Family, Outcome

HOST = "#gz-afterlife-chat"
PANEL = f"{HOST} .gzw-panel"
INPUT = f"{HOST} input.gzw-input"
STORE = "gz-afterlife-chat:v1"
MAX_TURNS = 30


def transcript(page: Any) -> list[dict[str, Any]]:
    raw = page.evaluate(f"localStorage.getItem('{STORE}')")
    return json.loads(raw)["messages"] if raw else []


def say(page: Any, text: str, timeout_ms: int = 90_000) -> list[dict[str, Any]]:
    """Type a message as a family does and wait for the assistant's answer; the new bot messages."""
    before = len(transcript(page))
    box = page.locator(INPUT)
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        f"""() => {{
          const p = document.querySelector('{HOST}')?.shadowRoot?.querySelector('.gzw-panel');
          const t = JSON.parse(localStorage.getItem('{STORE}') || '{{"messages": []}}');
          return p && p.dataset.busy === 'false' && t.messages.length > {before} + 1;
        }}""",
        timeout=timeout_ms,
    )
    return [m for m in transcript(page)[before:] if m["from"] == "bot"]


def show(page: Any, card: str | None = None) -> None:
    """Bring the chat window (and a card in it, top first) into view for a screenshot."""
    if card:  # scrolls the message list (and the page) to the card's top
        page.locator(f"{HOST} section[aria-label='{card}']").last.evaluate(
            "e => e.scrollIntoView({block: 'start'})"
        )
    page.locator(PANEL).evaluate("e => e.scrollIntoView({block: 'end'})")  # then the whole window


def serve_page(port: int, html: str) -> ThreadingHTTPServer:
    """A page of another site, served from its own origin."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def open_landing(page: Any, url: str) -> None:
    page.goto(url + "/")
    page.locator(INPUT).wait_for(state="visible", timeout=20_000)


@pytest.fixture(scope="module")
def filed(browser: Any, stack: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The widow's whole conversation in one browser context, kept for the tests of this module."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_landing(page, stack["url"])
    assert "可以一起办的事项" in page.inner_text("body"), "the landing page keeps its item table"
    axe_clean(page, "widget-landing")
    screenshot(page, "widget-landing", full_page=False)

    persona = dataclasses.replace(WIDOW, opening="老伴前天走了，要办些啥子手续")
    family = Family(persona, Outcome(persona, "widget"))
    message = family.opening()
    said: list[str] = []
    checklist_seen = None
    case: dict[str, Any] | None = None
    for _ in range(MAX_TURNS):
        said.append(message)
        bot = say(page, message)
        texts = [m["text"] for m in bot if m.get("text")]
        if checklist_seen is None and any((m.get("custom") or {}).get("checklist") for m in bot):
            checklist_seen = len(said)
            page.locator(f"{HOST} section[aria-label='办理清单']").last.wait_for()
            axe_clean(page, "widget-checklist")
            show(page, "办理清单")
            screenshot(page, "widget-checklist", full_page=False)
        case = next((m["custom"] for m in bot if (m.get("custom") or {}).get("case_no")), None)
        if case:
            break
        message, _ = family.reply(texts)
    assert case, f"no case after {len(said)} typed messages: {said}"
    return {
        "context": context,
        "page": page,
        "said": said,
        "case": case,
        "checklist_turn": checklist_seen,
        "requests": requests,
    }


def test_a_family_files_a_case_by_typing(filed: dict[str, Any], stack: dict[str, Any]) -> None:  # noqa: F811
    page, case = filed["page"], filed["case"]
    assert filed["checklist_turn"], "the checklist card was shown before the case was filed"
    # every message was typed (the input), none was a button
    assert all(not s.startswith("/") for s in filed["said"])
    card = page.locator(f"{HOST} section[aria-label='已提交的申请']").last
    card.wait_for()
    assert case["case_no_readable"] in card.inner_text()
    with sqlite3.connect(stack["db"]) as db:
        row = db.execute(
            "SELECT case_no, channel FROM cases WHERE case_no = ?", (case["case_no"],)
        ).fetchone()
        items = {
            r[0]
            for r in db.execute(
                "SELECT item_key FROM tasks JOIN cases ON cases.id = tasks.case_id WHERE cases.case_no = ?",
                (case["case_no"],),
            )
        }
    assert row is not None, "the case is in the database"
    assert {"death_cert_normal", "hukou_cancel"} <= items
    # the page fetched nothing from anywhere but the API (no CDN at run time)
    others = [u for u in filed["requests"] if not u.startswith(stack["url"])]
    assert others == []
    axe_clean(page, "widget-case")
    show(page, "已提交的申请")
    screenshot(page, "widget-case", full_page=False)


def test_progress_view_reload_and_rating(filed: dict[str, Any], stack: dict[str, Any]) -> None:  # noqa: F811
    page = filed["page"]
    bot = say(page, "办到哪了")
    progress = next(m["custom"]["progress"] for m in bot if (m.get("custom") or {}).get("progress"))
    view = page.locator(f"{HOST} section[aria-label='办理进度']").last
    view.wait_for()
    text = view.inner_text()
    assert progress["case_no"] in text and "开死亡证明" in text and "各部门同时办理" in text
    axe_clean(page, "widget-progress")
    show(page, "办理进度")
    screenshot(page, "widget-progress", full_page=False)

    # the conversation survives a reload: the transcript is back, and the assistant still knows the case
    before = transcript(page)
    page.reload()
    page.locator(INPUT).wait_for(state="visible")
    assert transcript(page) == before
    assert page.locator(f"{HOST} section[aria-label='办理进度']").count() >= 1
    again = say(page, "现在办到哪一步了")
    assert any((m.get("custom") or {}).get("progress") for m in again), [m.get("text") for m in again]

    # 有帮助 on the last answer: stored through the API
    useful = page.locator(f"{HOST} button:has-text('有帮助')").last
    useful.click()
    page.wait_for_function(
        f"""() => [...document.querySelector('{HOST}').shadowRoot
              .querySelectorAll('button[aria-pressed=true]')].some(b => b.textContent.includes('有帮助'))"""
    )
    page.locator(HOST).get_by_text("谢谢您的反馈").last.wait_for()
    with sqlite3.connect(stack["db"]) as db:
        assert db.execute("SELECT count(*) FROM answer_ratings WHERE helpful").fetchone()[0] >= 1


def test_larger_text_switch_and_keyboard(filed: dict[str, Any]) -> None:
    page = filed["page"]

    def bubble_px() -> float:
        return page.locator(f"{HOST} .Bubble").last.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")

    assert bubble_px() >= 18
    switch = page.locator(f"{HOST} button:has-text('大字')")
    switch.focus()
    page.keyboard.press("Enter")
    assert switch.get_attribute("aria-pressed") == "true"
    assert bubble_px() >= 22
    axe_clean(page, "widget-large-text")
    show(page)
    screenshot(page, "widget-large-text", full_page=False)
    # tap targets: every button of the widget is at least 44 px high
    heights = page.locator(f"{HOST} button:visible").evaluate_all(
        "bs => bs.map(b => b.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
    page.keyboard.press("Enter")  # back to normal size
    assert switch.get_attribute("aria-pressed") == "false"


def test_one_tag_on_another_site_at_320_px(browser: Any, stack: dict[str, Any]) -> None:  # noqa: F811
    """A provincial page on another origin embeds the widget with one script tag (data-api)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 320, "height": 640})
    page = context.new_page()
    html = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>贵州省政务服务网</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'></head><body><main>"
        "<h1>贵州省政务服务网</h1><p>个人身后“一件事”</p></main>"
        f"<script src='{stack['url']}/static/widget/widget.js' data-api='{stack['url']}'></script>"
        "</body></html>"
    )
    server = serve_page(stack["site_port"], html)
    # a browser with a Chinese voice (headless Chromium has none): speech synthesis recorded
    page.add_init_script(
        """window.__spoken = [];
        window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
        Object.defineProperty(window, 'speechSynthesis', {value: {
          getVoices: () => [{lang: 'en-US', name: 'en'}, {lang: 'zh-CN', name: 'zh'}],
          speak: (u) => window.__spoken.push({text: u.text, lang: u.lang}), cancel: () => {},
          addEventListener: () => {}, removeEventListener: () => {}}});"""
    )
    page.goto(f"{stack['site']}/")
    launcher = page.locator(f"{HOST} .gzw-launcher")
    launcher.wait_for()
    launcher.focus()
    page.keyboard.press("Enter")  # keyboard only
    box = page.locator(INPUT)
    box.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "gz-afterlife-chat"  # focus moved into the widget
    panel = page.locator(PANEL).bounding_box()
    assert panel and panel["width"] <= 320 and panel["x"] >= 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # suggestions while typing, from the catalog's phrasings
    box.type("销户口")
    options = page.locator(f"{HOST} [role=option]")
    options.first.wait_for()
    assert "注销户口" in options.first.inner_text()
    axe_clean(page, "widget-320-suggestions")
    screenshot(page, "widget-320-suggestions", full_page=False)
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_function(
        f"""() => document.querySelector('{HOST}').shadowRoot.querySelector('.gzw-panel')
              .dataset.busy === 'false'
              && JSON.parse(localStorage.getItem('{STORE}')).messages.length >= 2""",
        timeout=90_000,
    )
    answers = [m["text"] for m in transcript(page)[1:] if m["from"] == "bot"]
    assert any(re.search("户口", t) for t in answers), answers
    frequent = page.locator(f"{HOST} button:has-text('常见问题')")
    assert frequent.get_attribute("aria-expanded") == "false"  # folded after the first question
    # read-aloud of an answer in the Chinese voice
    page.locator(f"{HOST} button:has-text('朗读')").last.click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and spoken[-1]["lang"] == "zh-CN" and spoken[-1]["text"] == answers[-1]
    axe_clean(page, "widget-320-answer")
    screenshot(page, "widget-320-answer", full_page=False)
    page.keyboard.press("Escape")  # closes the floating window, focus back on the launcher
    launcher.wait_for()
    context.close()
    server.shutdown()


def test_landing_widget_at_200_percent_zoom(browser: Any, stack: dict[str, Any]) -> None:  # noqa: F811
    """A 1280×900 window at 200% zoom is a 640×450 CSS-pixel viewport: the chat still fits, types, reads."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 640, "height": 450})
    page = context.new_page()
    open_landing(page, stack["url"])
    panel = page.locator(PANEL)
    box = panel.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 640
    assert panel.evaluate("e => e.scrollWidth <= e.clientWidth"), "no sideways scrolling inside the chat"
    page.locator(INPUT).scroll_into_view_if_needed()
    assert page.locator(INPUT).is_visible() and page.locator(f"{HOST} button.gzw-send").is_visible()
    axe_clean(page, "widget-zoom-200")
    context.close()
