"""Answers about items and referral topics, always from the service guide served by the case API."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import ApiRefused, ApiUnavailable, CaseApi
from actions.texts import API_DOWN, DEATH_WORDS, HOTLINE, OFFER_TO_APPLY, condolence_once, days
from actions.validation import entity_values, latest_intent, latest_text, say

KINDS = {
    "ask_materials": "materials",
    "ask_where": "where",
    "ask_duration": "duration",
    "ask_who": "who",
    "ask_amount": "amount",
    "ask_howto": "howto",
}
# Years typed by a family, in digits or Chinese numerals: "交了30年", "缴费满二十五年", "领了十年养老金".
_NUM = r"([0-9０-９]{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_YEAR = r"\s*(?:多|来)?\s*(?:个)?\s*(?:整)?年"
_STOP = r"0-9０-９，,。；;？?！!\s"
_YEARS_PAID = re.compile(rf"(?:交|缴|参保|买)[^{_STOP}领退]{{0,6}}?{_NUM}{_YEAR}")
_YEARS_DRAWN = re.compile(rf"(?:领|退休)[^{_STOP}交缴]{{0,6}}?{_NUM}{_YEAR}")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# The assistant's own offer to compute the months; a reply to it is about survivor benefits.
SURVIVOR_OFFER = "告诉我亲人交了多少年养老保险、领了几年养老金，我可以帮您按实际年限算月数。"
SURVIVOR_ITEM = "survivor_benefits"
# Items whose answer carries a figure of the catalog (knowledge/figures.yaml, served by the API).
ITEM_FIGURES = {"small_deposit_withdraw": "small_deposit_cap_per_bank"}
_ASKS_FIGURE = re.compile("限额|额度|上限|以内|以下|多少|几万|多少钱|最多")
# Staff-only parts of a time-limit note: a catalog default, a figure from elsewhere, configuration.
_STAFF_NOTE = re.compile("默认|非贵州|参考|配置|待核实|本编目|本系统")
_STAFF_PAREN = re.compile(r"（[^（）]*(?:默认|非贵州|配置|待核实)[^（）]*）")


def cn_number(text: str) -> int | None:
    """'30' → 30, '三十' → 30, '二十五' → 25, '十' → 10, '两' → 2; None when it is not a number."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens) if tens else 1
        o = _CN_DIGITS.get(ones) if ones else 0
        return None if t is None or o is None else t * 10 + o
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def years_in(text: str) -> tuple[int | None, int | None]:
    """(years of contribution, years of pension drawn) typed in a message; None when not given."""
    paid = _YEARS_PAID.search(text)
    drawn = _YEARS_DRAWN.search(text)
    return (cn_number(paid.group(1)) if paid else None, cn_number(drawn.group(1)) if drawn else None)


def last_bot_text(tracker: Tracker) -> str:
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot":
            return event.get("text") or ""
    return ""


def plain_time_note(note: str | None) -> str:
    """The part of an item's time-limit note a family needs: no catalog default, no other province."""
    if not note:
        return ""
    note = _STAFF_PAREN.sub("", note)
    clauses = [c.strip() for c in re.split("[；;，,。]", note)]
    kept = [c for c in clauses if c and not _STAFF_NOTE.search(c)]
    return "，".join(kept)


def wan(value: float) -> str:
    """50000 → '5 万元（50,000 元）'; a value that is not a whole number of 万 → '12,345 元'."""
    n = int(value) if float(value).is_integer() else value
    plain = f"{n:,} 元"
    if isinstance(n, int) and n >= 10_000 and n % 1_000 == 0:
        w = n / 10_000
        return f"{int(w) if w.is_integer() else w} 万元（{plain}）"
    return plain


def figure_text(figure: dict) -> str:
    """A figure as a family reads it: the value, in force from when, on what basis; never invented.

    The figure's own note is left out: the item's guide (conditions, faq) says the same in family words.
    """
    if figure.get("value") is None:
        return ""
    text = f"{figure['name']}：{wan(figure['value'])}" if figure.get("unit") == "元" else ""
    if not text:
        text = f"{figure['name']}：{figure['value']} {figure.get('unit') or ''}".rstrip()
    when = figure.get("effective_from")
    if when:
        y, m, d = (int(x) for x in str(when)[:10].split("-"))
        text += f"，{y}年{m}月{d}日起施行"
    basis = figure.get("basis") or {}
    if basis.get("title"):
        text += f"，依据{basis.get('source') or ''}{basis['title']}"
    return text + "。"


def _materials(guide: dict, brief: bool) -> str:
    parts = []
    for m in guide.get("materials_detail", []):
        if m["key"] == "application_form":
            continue
        text = m["name"] if brief else f"{m['name']}（{m.get('form') or ''}）"
        if not brief and m.get("when"):
            text += f"——{m['when']}时才要"
        if not brief and m.get("promise"):
            text += f"；{m['promise']}"
        parts.append(text)
    if brief:
        return "要带：" + "、".join(parts) + "。"
    lines = [f"· {p}" for p in parts]
    return (
        "要准备：\n"
        + "\n".join(lines)
        + "\n申请表由系统生成，不用自己写；几件事一起办时，重复的材料只交一次。"
    )


def _where(guide: dict) -> str:
    where = guide.get("where") or "政务服务中心“一件事”综合窗口"
    return f"去哪办：{where}（负责部门：{guide['department_name']}）。"


def _duration(guide: dict) -> str:
    n = guide.get("time_limit_days")
    text = f"办多久：{'一般 ' if n else ''}{days(n)}"
    note = plain_time_note(guide.get("time_limit_note"))
    if note:
        text += f"，{note}"
    return text + ("（工作日不含周末和法定节假日）" if n else "。")


def _who(guide: dict) -> str:
    conditions = guide.get("conditions") or []
    return "谁能办、要满足什么：" + "".join(f"\n· {c}" for c in conditions) if conditions else ""


def _howto(guide: dict, brief: bool) -> str:
    steps = guide.get("steps") or []
    if brief:
        return "流程：" + " → ".join(s["title"] for s in steps) + "。"
    lines = [f"{n}. {s['title']}：{s['detail']}" for n, s in enumerate(steps, 1)]
    tail = f"\n办好后：{guide['result']}" if guide.get("result") else ""
    return "怎么办：\n" + "\n".join(lines) + tail


async def _figures(api: CaseApi, key: str) -> str:
    wanted = ITEM_FIGURES.get(key)
    if not wanted:
        return ""
    for figure in await api.figures():
        if figure.get("key") == wanted:
            return figure_text(figure)
    return ""


async def _amount(api: CaseApi, guide: dict, tracker: Tracker) -> str:
    if guide["key"] != SURVIVOR_ITEM:
        figure = await _figures(api, guide["key"])
        faq = "".join(f"\n· {f.replace('（见政策数字）', '')}" for f in guide.get("faq") or [])
        if figure:
            return f"{figure}{faq}"
        return f"能领多少：{guide.get('result') or ''}，金额以部门核定为准。{faq}"
    paid, drawn = years_in(latest_text(tracker))
    retired = tracker.get_slot("pension_status") == "retired" or drawn is not None
    years = paid if paid is not None else 15
    estimate = await api.survivor_estimate(years, retired, drawn or 0)
    who = f"缴费满 {years} 年" if paid is not None else "比如缴费满 15 年"
    if retired:
        who += f"、已领养老金 {drawn or 0} 年"
    line = (
        f"能领多少：{who}的话，抚恤金是 {estimate['pension_months']} 个月的计发基数，"
        f"丧葬补助金是 {estimate['funeral_grant_months']} 个月的计发基数，"
        f"一共 {estimate['total_months']} 个月。"
    )
    if estimate.get("base_configured") and estimate.get("amount") is not None:
        line += f"按现在的计发基数，大约是 {estimate['amount']} 元。"
    if estimate.get("base_name"):
        line += f"计发基数是指{estimate['base_name']}。"
    line += "".join(f"\n· {c}" for c in estimate.get("caveats") or [] if not _STAFF_NOTE.search(c))
    if paid is None:
        line += "\n" + SURVIVOR_OFFER
    return line


async def answer_for(api: CaseApi, key: str, kind: str | None, brief: bool, tracker: Tracker) -> str:
    guide = await api.item(key)
    head = f"【{guide['colloquial_name']}】"
    if kind == "materials":
        body = _materials(guide, brief)
    elif kind == "where":
        body = _where(guide)
    elif kind == "duration":
        body = _duration(guide)
    elif kind == "who":
        body = _who(guide) or _howto(guide, brief)
    elif kind == "amount":
        body = await _amount(api, guide, tracker)
    elif kind == "howto":
        body = _howto(guide, brief)
    else:  # a general question: the essentials in a few lines
        body = "\n".join([_where(guide), _duration(guide), _materials(guide, brief=True)])
    if (
        kind != "amount"
        and key in ITEM_FIGURES
        and (kind is None or _ASKS_FIGURE.search(latest_text(tracker)))
    ):
        figure = await _figures(api, key)
        body = f"{figure}\n{body}" if figure else body
    return f"{head}{body}"


class ActionAnswerItem(Action):
    """ask_materials / ask_where / ask_duration / ask_who / ask_amount / ask_howto about one or more items."""

    def name(self) -> str:
        return "action_answer_item"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        api = CaseApi()
        items = [k for k in entity_values(tracker, "item") if isinstance(k, str)]
        topics = [t for t in entity_values(tracker, "topic") if isinstance(t, str)]
        kind = KINDS.get(latest_intent(tracker) or "")
        paid, drawn = years_in(latest_text(tracker))
        if (paid is not None or drawn is not None) and (
            SURVIVOR_OFFER in last_bot_text(tracker) or (not items and kind in ("amount", None))
        ):
            # "交了30年，领了10年养老金" answering the offer to compute the months
            items, kind = [SURVIVOR_ITEM], "amount"
        try:
            if not items and topics:
                await answer_referrals(api, topics, dispatcher)
                return []
            if not items:
                catalog = await api.items()
                intent = latest_intent(tracker) or "ask_howto"
                buttons = [
                    {"title": i["colloquial_name"], "payload": f'/{intent}{{"item": ["{i["key"]}"]}}'}
                    for i in catalog
                ]
                say(
                    dispatcher,
                    "您想问的是哪件事？点一下，或者直接说，比如“注销户口要带啥”。",
                    buttons=buttons,
                )
                return []
            brief = len(items) > 1
            texts = []
            for key in items:
                try:
                    texts.append(await answer_for(api, key, kind, brief, tracker))
                except ApiRefused:
                    continue  # an unknown key from NLU: skip it rather than confuse the family
            if not texts:
                say(dispatcher, f"这件事我这里查不到办事指南。可以拨打 {HOTLINE} 问一问。")
                return []
            if topics:
                texts.append(await referral_text(api, topics))
            events: list = []
            told_of_death = bool(DEATH_WORDS.search(latest_text(tracker)))
            condolence = condolence_once(tracker, events) if told_of_death else ""
            if told_of_death and not tracker.get_slot("case_no"):
                texts.append(OFFER_TO_APPLY)
            say(dispatcher, condolence + "\n\n".join(t for t in texts if t), json_message={"items": items})
            return events
        except ApiUnavailable:
            say(dispatcher, API_DOWN)
        return []


async def referral_text(api: CaseApi, topics: list[str]) -> str:
    known = {r["key"]: r for r in await api.referrals()}
    parts = []
    for key in topics:
        r = known.get(key)
        if r is None:
            continue
        text = f"【{r['name']}】{r['not_covered']}\n去哪办：{r['where']}"
        if r.get("what_to_bring"):
            text += f"\n一般要带：{r['what_to_bring']}"
        parts.append(text)
    return "\n\n".join(parts)


async def answer_referrals(api: CaseApi, topics: list[str], dispatcher: CollectingDispatcher) -> None:
    text = await referral_text(api, topics)
    if not text:
        say(dispatcher, f"这件事不在“一件事”里，我这里也没有它的指南。可以拨打 {HOTLINE} 问一问该去哪里办。")
        return
    say(dispatcher, text, json_message={"topics": topics})


class ActionAnswerReferral(Action):
    """A referral topic (房产过户、继承权公证 …): where to go, and what the one-stop does not cover."""

    def name(self) -> str:
        return "action_answer_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        api = CaseApi()
        topics = [t for t in entity_values(tracker, "topic") if isinstance(t, str)]
        try:
            if not topics:
                refs = await api.referrals()
                lines = [f"· {r['name']}：{r['where']}" for r in refs]
                say(
                    dispatcher,
                    "这些事不在“一件事”里一起办，需要另外去办：\n" + "\n".join(lines),
                    json_message={"topics": [r["key"] for r in refs]},
                )
                return []
            await answer_referrals(api, topics, dispatcher)
        except ApiUnavailable:
            say(dispatcher, API_DOWN)
        return []


class ActionOverview(Action):
    """ask_overview: what a family has to do after a death, in general, and the offer to help."""

    def name(self) -> str:
        return "action_overview"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        try:
            items = await CaseApi().items()
        except ApiUnavailable:
            say(dispatcher, API_DOWN)
            return []
        basic = [i for i in items if not i.get("extended")]
        extended = [i for i in items if i.get("extended")]
        text = (
            "亲人走后，一般要办这些事，在这里一次申请、各部门同时办：\n"
            + "、".join(i["colloquial_name"] for i in basic)
            + (f"；另外还可以一起办：{'、'.join(i['colloquial_name'] for i in extended)}" if extended else "")
            + "。\n不是每件都要办，我问您几个简单的问题，就能告诉您哪些要办、带什么材料。"
        )
        buttons: list[dict[str, Any]] = [
            {"title": "好的，帮我理一理", "payload": "/start_application"},
            {"title": "我先问问别的", "payload": "/deny"},
        ]
        say(dispatcher, text, buttons=buttons, json_message={"items": [i["key"] for i in items]})
        return []
