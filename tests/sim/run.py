"""Typed-family simulator: every persona talks to a running assistant through the REST channel.

A persona reads the text of the bot's last message (never a payload, never a button), finds by
keyword which topics the question asks, and answers them in its own style, several facts in one
message when several are asked. Each conversation must reach "申请已经提交" with a case number and
an access code; the case is then read back from the case API and its items and death date checked.
Also checked: no identical bot question three times, no internal text in any bot message (ids,
enum values, English, API messages: ``tests.bot.leaks.find_internal``), facts told in the opening
not asked again, side questions answered. Turns (family messages from the first to the submitted
case) are printed per persona; ``--max-turns N`` makes more than N a failure for typical families.

    python tests/sim/run.py --rasa-url http://127.0.0.1:5005 --api-url http://127.0.0.1:8000
(scripts/sim.sh starts everything and runs this.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bot.leaks import find_internal  # noqa: E402
from tests.sim.personas import PERSONAS, Answer, Move, Persona  # noqa: E402

MAX_TURNS = 40
SUBMITTED = "申请已经提交"
CASE_NO = re.compile(r"SH\d{8}-?\d{5}-?\d")
ACCESS_CODE = re.compile(r"查询码[:：]\s*([A-Za-z0-9_\-]{8,})")
LINK_TOKEN = re.compile(r"#token=([A-Za-z0-9_\-]{8,})")

try:
    from zoneinfo import ZoneInfo

    CHINA = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database on the machine: China has no daylight saving
    CHINA = dt.timezone(dt.timedelta(hours=8))


def china_today() -> dt.date:
    return dt.datetime.now(CHINA).date()


# ------------------------------------------------------------------ reading a bot message
# Whole-message kinds, checked first and exclusively: these messages list item names and fields
# that would otherwise look like many questions at once.
def is_submitted(text: str) -> bool:
    return SUBMITTED in text


def is_summary(text: str) -> bool:
    return "核对" in text and bool(re.search(r"提交|逝者|申请人", text))


def is_choice(text: str) -> bool:
    return bool(re.search(r"都办|哪几件", text))


def is_checklist(text: str) -> bool:
    return bool(re.search(r"就按这个|提交[^。！，；]{0,8}[吗？?]", unquoted(text)))


WHOLE = ("summary", "choice", "checklist")

# Topics a question may ask (several at once). Patterns run on the question sentences only.
TOPICS: tuple[tuple[str, str], ...] = (
    ("death_cause", r"生病|意外|怎么走|因为什么|什么原因|去世原因"),
    ("place", r"医院|家里|在哪里走|在哪走|哪里走的|在哪儿走|去世地点"),
    ("funeral", r"火化|土葬|安葬|后事"),
    ("hukou", r"户口"),
    ("driving", r"驾驶证|驾照|驾驶本"),
    ("housing_fund", r"公积金(?!贷款)"),
    ("loan", r"贷款"),
    ("welfare", r"低保|补贴|特困|津贴"),
    ("equity", r"公司|股份|股权"),
    ("pension", r"养老保险|退休|养老金|新农保"),
    ("medical", r"医保|医疗保险|合作医疗"),
    ("deposits", r"存款"),
    ("relationship", r"什么人|关系"),
)
NAME_WORDS = r"姓名|名字|称呼|叫什么"
ID_WORDS = r"身份证号|证件号|身份证号码"
DECEASED_WORDS = r"逝者|亲人|去世的人|老人|过世"
APPLICANT_WORDS = r"您自己|您的|申请人|来办事|您本人|怎么称呼|您叫"
DATE_WORDS = r"哪天|日期|什么时候|哪一天|几号"
PHONE_WORDS = r"手机|电话"
ACCOUNT_WORDS = r"账号|银行卡|卡号|存折"
QUESTION_SENTENCE = re.compile(r"[？?]|吗|(?<![申邀])请(?!节哀)|说一下|告诉我|哪|什么|多少|怎么称呼")
OFFER = re.compile(r"开始吗|现在开始|要不要.{0,6}(申请|办)|帮您.{0,4}(申请|办)吗")
RESUME = re.compile(r"说“(接着办|继续|我要申请|再试一次)”")


def unquoted(text: str) -> str:
    """The text without its quoted examples (比如“注销户口要带啥”): they are not what is asked."""
    return re.sub(r"“[^”]*”|\"[^\"]*\"", "", text)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？?!\n])", text) if s.strip()]


def question_part(text: str) -> str:
    return "".join(s for s in sentences(unquoted(text)) if QUESTION_SENTENCE.search(s))


def topics_of(text: str) -> list[str]:
    """The topics one bot message asks, in a stable order; [] when it asks nothing we know."""
    if is_summary(text):
        return ["summary"]
    if is_choice(text):
        return ["choice"]
    if is_checklist(text):
        return ["checklist"]
    q = question_part(text)
    if not q:
        return []
    found = [topic for topic, pattern in TOPICS if re.search(pattern, q)]
    deceased = bool(re.search(DECEASED_WORDS, q))
    applicant = bool(re.search(APPLICANT_WORDS, q))
    whose = (["deceased"] if deceased or not applicant else []) + (["applicant"] if applicant else [])
    if re.search(NAME_WORDS, q):
        found += [f"{w}_name" for w in whose]
    if re.search(ID_WORDS, q):
        found += [f"{w}_id" for w in whose]
    if re.search(DATE_WORDS, q):
        found.append("death_date")
    if re.search(PHONE_WORDS, q):
        found.append("applicant_phone")
    if re.search(ACCOUNT_WORDS, q):
        found.append("account")
    if "relationship" in found and "deceased_name" in found and not re.search(r"什么人", q):
        found.remove("relationship")
    return found


# ------------------------------------------------------------------ one conversation
@dataclass
class Exchange:
    said: str
    bot: list[str]
    topics: list[str]


@dataclass
class Outcome:
    persona: Persona
    sender: str
    exchanges: list[Exchange] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    turns_to_case: int | None = None
    case_no: str | None = None
    access_code: str | None = None
    expected_date: dt.date | None = None

    @property
    def turns(self) -> int:
        return self.turns_to_case if self.turns_to_case is not None else len(self.exchanges)


def date_text(style: str, date: dt.date, days_ago: int) -> str:
    relative = {0: "今天", 1: "昨天", 2: "前天", 3: "大前天"}
    if style == "relative" and days_ago in relative:
        return relative[days_ago]
    if style == "month_day":
        return f"{date.month}月{date.day}号"
    return f"{date.year}年{date.month}月{date.day}日"


class Family:
    """A persona's state during one conversation: what it said, which moves fired."""

    def __init__(self, persona: Persona, outcome: Outcome) -> None:
        self.p = persona
        self.out = outcome
        self.answers: dict[str, Answer] = dict(persona.answers)
        self.fired: list[str] = []
        self.answered: set[str] = set()
        self.pending: Move | None = None
        self.unmatched_in_a_row = 0
        self.said_to: dict[tuple[str, ...], int] = {}
        self.told_again: set[str] = set()
        self.reasked: set[str] = set()

    def _death_date(self) -> str:
        today = china_today()
        date = today - dt.timedelta(days=self.p.died_days_ago)
        self.out.expected_date = date
        return date_text(self.p.date_style, date, self.p.died_days_ago)

    def opening(self) -> str:
        if re.search(r"昨天|前天|今天", self.p.opening):  # the date is told in the opening
            self.out.expected_date = china_today() - dt.timedelta(days=self.p.died_days_ago)
        return self.p.opening

    def _move_for(self, topics: list[str]) -> Move | None:
        for move in self.p.moves:
            if move.key in self.fired:
                continue
            if move.after and move.after not in self.fired:
                continue
            if move.after_topic and move.after_topic not in self.answered:
                continue
            if "*" in move.when or any(t in move.when for t in topics):
                return move
        return None

    def reply(self, bot_texts: list[str]) -> tuple[str, list[str]]:
        """The next message, and the topics read in the bot's question."""
        text, topics = "", []
        for candidate in reversed(bot_texts):  # the last message that asks something we know
            topics = topics_of(candidate)
            if topics:
                text = candidate
                break
        if self.pending is not None:  # the reply to a scripted move is checked once
            move, self.pending = self.pending, None
            joined = "\n".join(bot_texts)
            missing = [pat for pat in move.expect if not re.search(pat, joined)]
            if missing:
                self.out.failures.append(
                    f"after “{move.say}”: expected {move.why or 'a fitting reply'}, got: {short(joined)}"
                )
        if topics:
            self.unmatched_in_a_row = 0
            told = [t for t in topics if t in self.p.told_in_opening and t not in self.told_again]
            self.told_again.update(told)
            if told:
                self.out.failures.append(
                    f"asked again what the opening already said ({', '.join(told)}): {short(text)}"
                )
            move = self._move_for(topics)
            if move is not None:
                self.fired.append(move.key)
                self.answers.update(move.sets)
                if move.expect:
                    self.pending = move
                return move.say, topics
            reasked = [t for t in topics if t in self.answered and t not in WHOLE and t not in self.reasked]
            if reasked:  # not a failure by itself (a refusal asks again); each costs the family a turn
                self.reasked.update(reasked)
                self.out.notes.append(
                    f"asked again after it was answered: {', '.join(reasked)}: {short(text, 60)}"
                )
            # asked the same thing a second time: say it the other way (the full form) once
            again = self.said_to.get(tuple(topics), 0)
            self.said_to[tuple(topics)] = again + 1
            self.answered.update(topics)
            return self._compose(topics, alone=len(topics) == 1, retry=again == 1), topics
        last = bot_texts[-1] if bot_texts else ""
        if last and OFFER.search(last):
            return self.answers["yes"].short, ["offer"]
        m = RESUME.search(last)
        if m:
            note = f"told to say “{m.group(1)}”: {short(last)}"
            if note not in self.out.notes:
                self.out.notes.append(note)
            return m.group(1), ["resume"]
        self.unmatched_in_a_row += 1
        self.out.unmatched.append(short(last) if last else "(no bot message)")
        if self.unmatched_in_a_row == 1:
            return "没听懂，你再说一遍", []
        return "我要办手续", []

    def _compose(self, topics: list[str], alone: bool, retry: bool = False) -> str:
        """One message answering every topic; several plain noes say "都没有" / "有X，别的都没有"."""
        noes = [t for t in topics if t in self.answers and self.answers[t].no]
        if len(noes) >= 2:
            rest = [self._answer(t, alone=False, retry=retry) for t in topics if t not in noes]
            tail = self.answers["others_no" if rest else "all_no"].short
            return "，".join([*rest, tail])
        return "，".join(p for p in (self._answer(t, alone, retry) for t in topics) if p)

    def _answer(self, topic: str, alone: bool, retry: bool = False) -> str:
        if topic == "death_date":
            return self._death_date()
        answer = self.answers.get(topic)
        if answer is None:
            self.out.notes.append(f"no answer for topic {topic}; said 不清楚")
            return "不清楚"
        return answer.text(alone, retry)


def short(text: str, limit: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def bot_messages(response: httpx.Response) -> tuple[list[str], list[str]]:
    """The texts of the bot's messages, and every text a family sees (texts and button titles)."""
    response.raise_for_status()
    texts, seen = [], []
    for m in response.json():
        if m.get("text"):
            texts.append(m["text"])
            seen.append(m["text"])
        seen += [b.get("title") or "" for b in m.get("buttons") or []]
    return texts, seen


def converse(persona: Persona, rasa: httpx.Client, verbose: bool) -> Outcome:
    sender = f"sim-{persona.key}-{uuid.uuid4().hex[:10]}"
    out = Outcome(persona, sender)
    family = Family(persona, out)
    asked: dict[str, int] = {}
    leaks: set[str] = set()
    message = family.opening()
    topics: list[str] = []
    for turn in range(1, MAX_TURNS + 1):
        try:
            response = rasa.post("/webhooks/rest/webhook", json={"sender": sender, "message": message})
            texts, seen = bot_messages(response)
        except (httpx.HTTPError, ValueError) as exc:
            out.failures.append(f"turn {turn}: the REST channel failed: {exc!r}")
            break
        out.exchanges.append(Exchange(message, texts, topics))
        if verbose:
            print(f"  [{persona.key} {turn:2d}] family: {message}")
            for t in texts:
                print("             bot: " + t.replace("\n", "\n                  "))
        for t in seen:
            for hit in find_internal(t):
                if hit not in leaks:
                    leaks.add(hit)
                    out.failures.append(f"internal text shown to the family: {hit!r} in: {short(t)}")
        for t in texts:
            if re.search(r"[？?]|(?<![申邀])请(?!节哀)", t):
                asked[t] = asked.get(t, 0) + 1
                if asked[t] == 3:
                    out.failures.append(f"the same question 3 times: {short(t)}")
        doubled = [t for a, t in itertools.pairwise(texts) if a == t]
        if doubled:
            out.notes.append(f"turn {turn}: the same message twice in one reply: {short(doubled[0])}")
        done = next((t for t in texts if is_submitted(t)), None)
        if done:
            out.turns_to_case = turn
            numbers = CASE_NO.search(done)
            code = ACCESS_CODE.search(done) or LINK_TOKEN.search(done)
            if not numbers or not code:
                out.failures.append(f"submitted, but no case number or access code in: {short(done, 200)}")
            else:
                out.case_no, out.access_code = numbers.group(0), code.group(1)
            break
        if any(n >= 4 for n in asked.values()):
            out.failures.append(f"stuck: gave up at turn {turn}")
            break
        if family.unmatched_in_a_row >= 3:
            out.failures.append(f"stuck: nothing the family could answer three turns running (turn {turn})")
            break
        message, topics = family.reply(texts)
    else:
        out.failures.append(f"no case after {MAX_TURNS} turns")
    if out.turns_to_case is None and not any(f.startswith(("no case", "stuck")) for f in out.failures):
        out.failures.append("never reached “申请已经提交”")
    for text in dict.fromkeys(out.unmatched):
        times = out.unmatched.count(text)
        out.notes.append(f"no rule matched{f' ({times}x)' if times > 1 else ''}: {text}")
    for move in persona.moves:
        if move.key not in family.fired and out.turns_to_case is not None:
            out.notes.append(f"scripted move not used (no fitting question): {move.say}")
    return out


def check_case(out: Outcome, api: httpx.Client) -> None:
    if not out.case_no or not out.access_code:
        return
    try:
        r = api.get(f"/api/v1/cases/{out.case_no}", headers={"Authorization": f"Bearer {out.access_code}"})
    except httpx.HTTPError as exc:
        out.failures.append(f"case API unreachable: {exc!r}")
        return
    if r.status_code != 200:
        out.failures.append(f"GET /api/v1/cases/{out.case_no} answered {r.status_code}: {short(r.text)}")
        return
    case = r.json()
    items = {t["item"] for t in case.get("tasks", [])}
    p = out.persona
    missing = [k for k in p.want_items if k not in items]
    extra = [k for k in p.not_items if k in items]
    if missing:
        out.failures.append(f"case lacks items {missing} (has {sorted(items)})")
    if extra:
        out.failures.append(f"case has items the family did not want or cannot have {extra}")
    death_date = (case.get("deceased") or {}).get("death_date")
    if out.expected_date is None:
        out.failures.append("the family never told the death date, yet a case was filed")
    elif str(death_date) != out.expected_date.isoformat():
        out.failures.append(
            f"death date in the case is {death_date}, expected {out.expected_date} (China's date)"
        )
    masked = (case.get("deceased") or {}).get("name") or ""
    expected = p.deceased.name[0] + "*" * (len(p.deceased.name) - 1)
    if masked != expected:  # the API shows the family name only: a message taken as the name shows here
        out.failures.append(
            f"deceased name in the case is {masked!r}, expected {expected!r} ({p.deceased.name})"
        )
    relationship = (case.get("applicant") or {}).get("relationship")
    if relationship != p.relationship:
        out.failures.append(f"relationship in the case is {relationship!r}, expected {p.relationship!r}")
    out.notes.append(f"case {out.case_no}: {len(items)} tasks {sorted(items)}, died {death_date}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rasa-url", required=True)
    ap.add_argument("--api-url", required=True)
    ap.add_argument("--persona", action="append", help="run only these personas (repeatable)")
    ap.add_argument("--max-turns", type=int, default=None, help="fail a typical family above this many turns")
    ap.add_argument("--target", type=int, default=12, help="turn target printed for typical families")
    ap.add_argument("--transcripts", type=Path, default=None, help="write one transcript per persona here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every exchange")
    args = ap.parse_args(argv)

    chosen = [p for p in PERSONAS if not args.persona or p.key in args.persona]
    if not chosen:
        print(f"no persona named {args.persona}; known: {[p.key for p in PERSONAS]}", file=sys.stderr)
        return 2
    utc_today = dt.datetime.now(dt.timezone.utc).date()
    print(f"China date (Asia/Shanghai): {china_today()}; machine date (UTC): {utc_today}")
    outcomes = []
    with (
        httpx.Client(base_url=args.rasa_url, timeout=90) as rasa,
        httpx.Client(base_url=args.api_url, timeout=15) as api,
    ):
        for persona in chosen:
            started = time.monotonic()
            out = converse(persona, rasa, args.verbose)
            check_case(out, api)
            target = args.target if persona.typical else None
            if args.max_turns is not None and persona.typical and out.turns > args.max_turns:
                out.failures.append(f"{out.turns} turns, more than --max-turns {args.max_turns}")
            out.notes.append(f"{time.monotonic() - started:.1f} s")
            outcomes.append((out, target))
            if args.transcripts:
                write_transcript(args.transcripts, out)

    print()
    print(f"{'persona':<11} {'turns':>5} {'target':>6} {'unread':>6}  result")
    for out, target in outcomes:
        turns = str(out.turns) if out.turns_to_case is not None else f">{out.turns}"
        over = " over target" if target and out.turns_to_case and out.turns_to_case > target else ""
        result = ("pass" if not out.failures else f"FAIL ({len(out.failures)})") + over
        goal = f"<={target}" if target else "-"
        print(f"{out.persona.key:<11} {turns:>5} {goal:>6} {len(out.unmatched):>6}  {result}")
    print("turns: family messages from the first to the filed case (> : no case); unread: bot messages")
    print("the persona found nothing to answer in; target: typical families (--max-turns N fails above N)")
    for out, _ in outcomes:
        print(f"\n{out.persona.key} — {out.persona.title} (sender {out.sender})")
        for f in out.failures:
            print(f"  FAIL {f}")
        for n in out.notes:
            print(f"  note {n}")
        if out.failures:
            print("  last exchanges:")
            for ex in out.exchanges[-3:]:
                print(f"    family: {ex.said}")
                for t in ex.bot:
                    print(f"       bot: {short(t, 120)}")
    if args.transcripts:
        print(f"\nfull transcripts: {args.transcripts}/<persona>.txt")
    failed = [o.persona.key for o, _ in outcomes if o.failures]
    print(
        f"\n{len(outcomes) - len(failed)}/{len(outcomes)} personas passed"
        + (f"; failed: {failed}" if failed else "")
    )
    return 1 if failed else 0


def write_transcript(folder: Path, out: Outcome) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {out.persona.key}: {out.persona.title} (sender {out.sender})"]
    for n, ex in enumerate(out.exchanges, 1):
        read = f"   (read: {', '.join(ex.topics)})" if ex.topics else ""
        lines.append(f"[{n}] family: {ex.said}{read}")
        lines += ["    bot: " + t.replace("\n", "\n         ") for t in ex.bot]
    lines += [f"FAIL {f}" for f in out.failures] + [f"note {n}" for n in out.notes]
    (folder / f"{out.persona.key}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
