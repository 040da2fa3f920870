"""Shared by the load and fault scripts: the stack's addresses, a typed family, the open-loop driver,
latency figures and the exactly-once checks against PostgreSQL and the department simulator.

The family answers the assistant's questions the way a family types them ("火化", "户口在遵义",
"企业退休的，职工医保", "都没有", "不清楚", "好的", "王秀英 <ID>", "李建国 <ID> <phone>", an account,
"提交"), reading which topics a question asks with the typed-family simulator's reader
(``tests.sim.run.topics_of``). Each conversation has a deceased of its own (a fresh, valid ID number),
so every conversation may file one case.

Only loopback addresses are used: the URLs come from var/scaleout/state.env, written by
``scripts/scaleout.sh start``, and are refused unless they point at 127.0.0.1/localhost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import re
import shlex
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.sim.personas import check_digit  # noqa: E402
from tests.sim.run import CASE_NO, OFFER, RESUME, china_today, is_submitted, topics_of  # noqa: E402

SCALEOUT = ROOT / "scripts" / "scaleout.sh"


# ------------------------------------------------------------------ the stack
def load_state(directory: str | None = None) -> dict[str, str]:
    base = Path(directory or os.environ.get("SCALE_DIR", ROOT / "var" / "scaleout"))
    if not base.is_absolute():
        base = ROOT / base
    state: dict[str, str] = {}
    for name in ("state.env", "secrets.env"):
        path = base / name
        if not path.exists():
            raise SystemExit(f"{path} missing: start the stack first (scripts/scaleout.sh start)")
        for line in path.read_text().splitlines():
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                state[key] = shlex.split(value)[0] if value else ""
    for key, value in state.items():
        if key.endswith("_URL") and value.startswith("http"):
            host = urlparse(value).hostname
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise SystemExit(f"{key}={value}: load and fault traffic goes to loopback only")
    state["DIR"] = str(base)
    return state


def pid_of(state: dict[str, str], name: str) -> int | None:
    path = Path(state["DIR"]) / "pids" / name
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def restart(state: dict[str, str], name: str) -> float:
    """scripts/scaleout.sh restart-one NAME; returns the seconds it took to answer again."""
    started = time.monotonic()
    env = {**os.environ, "SCALE_DIR": state["DIR"]}
    subprocess.run(
        [str(SCALEOUT), "restart-one", name], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    return time.monotonic() - started


# ------------------------------------------------------------------ a typed family
def new_id_number(rng: random.Random, area: str, born_from: int, born_to: int) -> str:
    birth = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{area}{birth:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + check_digit(first17)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗"
GIVEN = ["秀英", "建国", "国华", "明贵", "桂芬", "志刚", "光明", "世勇", "正武", "红梅", "丽", "小军"]


@dataclass
class Family:
    """One conversation's answers: a deceased and an applicant of its own."""

    rng: random.Random
    sender: str = ""
    deceased_name: str = ""
    deceased_id: str = ""
    applicant_name: str = ""
    applicant_id: str = ""
    phone: str = ""
    account: str = ""
    said: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        r = self.rng
        self.sender = self.sender or f"load-{uuid.uuid4().hex[:16]}"
        surname = r.choice(SURNAMES)
        self.deceased_name = surname + r.choice(GIVEN)
        self.applicant_name = surname + r.choice(GIVEN)
        area = r.choice(["520102", "520302", "520402", "522601"])
        self.deceased_id = new_id_number(r, area, 1938, 1956)
        self.applicant_id = new_id_number(r, area, 1965, 1990)
        self.phone = "1" + r.choice("3589") + "".join(str(r.randint(0, 9)) for _ in range(9))
        digits = "62170023" + "".join(str(r.randint(0, 9)) for _ in range(11))
        self.account = digits

    OPENING = "我爸昨天在医院病死的"
    ANSWERS: ClassVar[dict[str, str]] = {
        "death_cause": "病死的",
        "place": "在医院",
        "funeral": "火化",
        "hukou": "户口在遵义",
        "pension": "企业退休的",
        "medical": "职工医保",
        "deposits": "没有存款",
        "relationship": "我是他儿子",
        "choice": "都办",
        "checklist": "好的",
        "summary": "提交",
        "death_date": "昨天",
    }
    NO_TOPICS: ClassVar[tuple[str, ...]] = ("driving", "housing_fund", "loan", "welfare", "equity")

    def reply(self, texts: list[str]) -> str:
        """The next message: what the last bot question asks, answered by keywords."""
        topics: list[str] = []
        for text in reversed(texts):
            topics = topics_of(text)
            if topics:
                break
        last = texts[-1] if texts else ""
        if not topics:
            if RESUME.search(last):
                return RESUME.search(last).group(1)
            if OFFER.search(last):
                return "好的"
            return "好的"
        parts: list[str] = []
        noes = [t for t in topics if t in self.NO_TOPICS]
        if "deceased_name" in topics or "deceased_id" in topics:
            parts.append(f"{self.deceased_name} {self.deceased_id}")
        if {"applicant_name", "applicant_id", "applicant_phone"} & set(topics):
            who = [self.applicant_name] if "applicant_name" in topics else []
            who += [self.applicant_id] if "applicant_id" in topics else []
            who += [self.phone] if "applicant_phone" in topics else []
            parts.append(" ".join(who))
        for t in topics:
            if (t in self.ANSWERS and t not in ("summary", "checklist", "choice")) or (
                t in ("summary", "checklist", "choice") and len(topics) == 1
            ):
                parts.append(self.ANSWERS[t])
        if "account" in topics:
            parts.append(self.account)
        if noes:
            parts.append("都没有" if len(parts) == 0 else "别的都没有")
        message = "，".join(p for p in parts if p) or "不清楚"
        # the very same question a third time: say "不清楚" rather than loop
        key = texts[-1] if texts else ""
        self.said[key] = self.said.get(key, 0) + 1
        if self.said[key] >= 3:
            return "不清楚"
        return message


# ------------------------------------------------------------------ figures
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds, answered turns
    errors: dict[str, int] = field(default_factory=dict)
    turns_sent: int = 0  # every request, retries and the drain included
    scheduled: int = 0  # turns started by the schedule (the offered load)
    scheduled_seconds: float = 0.0  # how long the schedule ran
    retries: int = 0  # a message said again after a failed turn
    late_starts: int = 0  # turns that could not start on schedule (the open loop fell behind)
    degraded: int = 0  # answers that said the service is down and asked to try again (再试一次)
    empty: int = 0  # answers without any text (the family sees nothing)
    conversations: int = 0
    submitted: dict[str, str] = field(default_factory=dict)  # sender -> case number acknowledged
    unfinished: list[str] = field(default_factory=list)
    timeline: list[tuple[float, float, bool]] = field(default_factory=list)  # (t, latency, ok)
    by_turn: dict[int, list[float]] = field(default_factory=dict)  # n-th turn of a conversation → latencies
    sent_by: dict[str, int] = field(default_factory=dict)  # sender → messages sent (retries included)
    answered_by: dict[str, int] = field(default_factory=dict)  # sender → messages answered

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def started_between(self, start: float, end: float) -> dict:
        """Figures of the turns that started in [start, end) seconds: count, failed, p50/p95/max."""
        turns = [(lat, ok) for t, lat, ok in self.timeline if start <= t < end]
        ms = [lat * 1000 for lat, ok in turns if ok]
        return {
            "from_s": start,
            "to_s": end,
            "turns": len(turns),
            "failed": sum(1 for _, ok in turns if not ok),
            "p50_ms": percentile(ms, 0.5),
            "p95_ms": percentile(ms, 0.95),
            "max_ms": max(ms, default=float("nan")),
        }

    def over_time(self, step: float = 15.0) -> list[dict]:
        """Turns by the second they started, in ``step``-second bins: shows when latency grew (a
        backlog that builds and never drains looks different from a slow start)."""
        bins = sorted({int(t // step) for t, _lat, _ok in self.timeline})
        return [self.started_between(b * step, (b + 1) * step) for b in bins]

    def summary(self, label: str, seconds: float | None = None) -> str:
        seconds = seconds or self.scheduled_seconds
        ms = [x * 1000 for x in self.latencies]
        errors = sum(self.errors.values())
        return (
            f"{label}: {self.scheduled} turns scheduled in {seconds:.0f} s "
            f"({self.scheduled / max(seconds, 1e-9):.2f}/s; {self.turns_sent} sent in all with "
            f"{self.retries} retries and the drain), "
            f"answered {len(ms)}, p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
            f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms, default=float('nan')):.0f} ms; "
            f"errors {errors} {self.errors or ''}; 'try again' answers {self.degraded}, "
            f"empty answers {self.empty}; "
            f"conversations {self.conversations}, "
            f"cases acknowledged {len(self.submitted)}, "
            f"unfinished {self.conversations - len(self.submitted)}"
        )


# ------------------------------------------------------------------ the open-loop driver
class OpenLoop:
    """Starts turns on a fixed schedule (rate/s), whatever the answers' latency (open loop).

    Each conversation sends its next message only after the previous answer (a family reads the
    answer first); so many conversations are open at once and the schedule hands each due turn to a
    conversation that is waiting. A new conversation starts when none is waiting. Bounded: stops
    starting turns after ``seconds`` and then waits at most ``drain`` seconds for the last answers;
    conversations left unfinished are reported.
    """

    def __init__(
        self,
        url: str,
        rate: float,
        seconds: float,
        *,
        timeout: float = 90.0,
        drain: float = 120.0,
        seed: int | None = None,
        max_turns: int = 40,
    ) -> None:
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.rate, self.seconds, self.timeout, self.drain = rate, seconds, timeout, drain
        self.rng = random.Random(seed)
        self.max_turns = max_turns
        self.stats = Stats()
        self.waiting: asyncio.Queue = asyncio.Queue()
        self.t0 = 0.0
        self.stop_new = False
        self.retry_transport = True

    async def _send(self, client: httpx.AsyncClient, conv: dict) -> str:
        """One turn of a conversation: "next" (answered, its reply is ready), "retry" (failed, say it
        again), "done" (a case filed or the conversation given up)."""
        fam: Family = conv["family"]
        message = conv["next"]
        started = time.monotonic()
        self.stats.turns_sent += 1
        self.stats.sent_by[fam.sender] = self.stats.sent_by.get(fam.sender, 0) + 1
        try:
            r = await client.post(
                self.url, json={"sender": fam.sender, "message": message}, timeout=self.timeout
            )
            latency = time.monotonic() - started
            if r.status_code != 200:
                raise httpx.HTTPStatusError(f"{r.status_code}", request=r.request, response=r)
            texts = [m["text"] for m in r.json() if m.get("text")]
        except (httpx.HTTPError, ValueError) as exc:
            kind = (
                f"http {exc.response.status_code}"
                if isinstance(exc, httpx.HTTPStatusError)
                else type(exc).__name__
            )
            self.stats.error(kind)
            self.stats.timeline.append((started - self.t0, time.monotonic() - started, False))
            conv["failures"] += 1
            if conv["failures"] <= 5:  # say it again after a pause, as a person would
                self.stats.retries += 1
                return "retry"
            self.stats.unfinished.append(fam.sender)
            return "done"
        self.stats.latencies.append(latency)
        self.stats.timeline.append((started - self.t0, latency, True))
        self.stats.answered_by[fam.sender] = self.stats.answered_by.get(fam.sender, 0) + 1
        self.stats.by_turn.setdefault(conv["turns"] + 1, []).append(latency)
        conv["turns"] += 1
        if not texts:
            self.stats.empty += 1
        if any(RESUME.search(t) for t in texts):
            self.stats.degraded += 1
        done = next((t for t in texts if is_submitted(t)), None)
        if done:
            m = CASE_NO.search(done)
            self.stats.submitted[fam.sender] = m.group(0) if m else "?"
            conv["done"] = True
            return "done"
        if not texts:
            texts = conv.get("last") or []
        conv["last"] = texts
        if conv["turns"] >= self.max_turns:
            self.stats.unfinished.append(fam.sender)
            conv["done"] = True
            return "done"
        conv["next"] = fam.reply(texts)
        return "next"

    async def _turn(self, client: httpx.AsyncClient, conv: dict) -> None:
        outcome = await self._send(client, conv)
        if outcome == "retry":
            await asyncio.sleep(1.0)
        if outcome != "done":
            self.waiting.put_nowait(conv)

    def _new_conversation(self) -> dict:
        self.stats.conversations += 1
        fam = Family(random.Random(self.rng.random()))
        return {"family": fam, "next": Family.OPENING, "turns": 0, "failures": 0, "done": False}

    async def run(self, on_tick=None, stop_when=None) -> Stats:
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
        async with httpx.AsyncClient(limits=limits) as client:
            tasks: set[asyncio.Task] = set()
            self.t0 = time.monotonic()
            interval = 1.0 / self.rate
            n = 0
            while True:
                due = self.t0 + n * interval
                now = time.monotonic()
                if due - self.t0 >= self.seconds:
                    break
                if stop_when is not None and stop_when(due - self.t0):
                    break
                if due > now:
                    await asyncio.sleep(due - now)
                elif now - due > 0.5:
                    self.stats.late_starts += 1
                if on_tick is not None:
                    await on_tick(time.monotonic() - self.t0)
                try:
                    conv = self.waiting.get_nowait()
                except asyncio.QueueEmpty:
                    conv = self._new_conversation()
                task = asyncio.create_task(self._turn(client, conv))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                self.stats.scheduled = n
                self.stats.scheduled_seconds = n * interval
            self.stop_new = True
            # drain: conversations already open go on (bounded) so that their cases get filed
            deadline = time.monotonic() + self.drain
            while time.monotonic() < deadline and (tasks or not self.waiting.empty()):
                while not self.waiting.empty():
                    conv = self.waiting.get_nowait()
                    task = asyncio.create_task(self._turn(client, conv))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                await asyncio.sleep(0.05)
            for task in tasks:
                task.cancel()
            while not self.waiting.empty():
                self.stats.unfinished.append(self.waiting.get_nowait()["family"].sender)
        return self.stats


class SessionLoop(OpenLoop):
    """Families that arrive on their own and read before they answer (an open model of sessions).

    Conversations start at ``rate`` divided by the turns a conversation takes (10 to begin with, then
    the mean of the conversations finished so far), whatever the answers' latency: evenly spaced
    (``arrivals="even"``, a constant arrival rate of sessions) or as a Poisson process
    (``"poisson"``: the same mean with clumps). Each family reads an answer for ``think`` seconds on
    average (1 s plus an exponential draw) before typing the next one. So the offered load is about
    ``rate`` turns/s once the first conversations are well under way, and nothing in the families'
    pace follows the server's. Arrivals and reading times are drawn from ``pace_seed`` (even arrivals
    are the same in every run); the families themselves (names, ID numbers) are new in every run.

    OpenLoop (turns on a fixed clock, each handed to the longest-waiting conversation) couples the
    families to the server: after one slow spell it starts dozens of conversations at once, which
    then move in step and file their cases together; every case releases a wave of department work,
    whose CPU slows the next turns. That loop is kept for the fault scenarios, where it is harmless
    at 2 turns/s, and as ``load.py --model turns``.
    """

    def __init__(
        self,
        *args,
        think: float = 5.0,
        arrivals: str = "even",
        pace_seed: int = 1,
        turns_per_conversation: float = 10.0,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if arrivals not in ("even", "poisson"):
            raise ValueError(f"arrivals: even or poisson, not {arrivals!r}")
        self.arrivals = arrivals
        self.pace = random.Random(pace_seed)
        self.think = max(think, 1.0)
        self.turns_estimate = turns_per_conversation
        self.finished_turns: list[int] = []

    def think_time(self) -> float:
        return 1.0 + self.pace.expovariate(1.0 / (self.think - 1.0)) if self.think > 1.0 else 1.0

    def next_arrival(self) -> float:
        """Seconds until the next family starts a conversation."""
        per_second = self.rate / self.turns_estimate
        return self.pace.expovariate(per_second) if self.arrivals == "poisson" else 1.0 / per_second

    def ramp_seconds(self) -> float:
        """About how long one conversation lasts: before that, fewer families are mid-conversation
        than at the steady rate (the figures of the steady window leave it out)."""
        return self.turns_estimate * self.think

    async def _conversation(self, client: httpx.AsyncClient, conv: dict, deadline: float) -> None:
        while time.monotonic() < deadline:
            outcome = await self._send(client, conv)
            if outcome == "done":
                if conv["done"]:
                    self.finished_turns.append(conv["turns"])
                return
            await asyncio.sleep(1.0 if outcome == "retry" else self.think_time())
        self.stats.unfinished.append(conv["family"].sender)

    async def run(self, on_tick=None, stop_when=None) -> Stats:
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
        async with httpx.AsyncClient(limits=limits) as client:
            tasks: set[asyncio.Task] = set()
            self.t0 = time.monotonic()
            deadline = self.t0 + self.seconds + self.drain
            t = 0.0
            while True:
                if len(self.finished_turns) >= 5:
                    self.turns_estimate = sum(self.finished_turns) / len(self.finished_turns)
                t += self.next_arrival()
                if t >= self.seconds or (stop_when is not None and stop_when(t)):
                    break
                wait = self.t0 + t - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if on_tick is not None:
                    await on_tick(time.monotonic() - self.t0)
                task = asyncio.create_task(self._conversation(client, self._new_conversation(), deadline))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            self.stop_new = True
            self.stats.scheduled_seconds = self.seconds
            if tasks:
                await asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0.0) + 5)
            for task in tasks:
                task.cancel()
        self.stats.scheduled = sum(1 for t0, _lat, _ok in self.stats.timeline if t0 < self.seconds)
        return self.stats


# ------------------------------------------------------------------ checks
def db_rows(dsn: str, sql: str, *args) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn, connect_timeout=5) as conn:
        return conn.execute(sql, args).fetchall()


def db_now(state: dict[str, str]) -> str:
    return str(db_rows(state["DATABASE_URL"], "select (now() at time zone 'utc')::timestamp")[0][0])


def check_cases_once(state: dict[str, str], stats: Stats, since: str = "1970-01-01") -> list[str]:
    """Every acknowledged case is in the database exactly once, and one case per deceased among the
    cases created since ``since`` (a deceased whose earlier case is completed may be filed again)."""
    problems: list[str] = []
    dsn = state["DATABASE_URL"]
    acked = set(stats.submitted.values()) - {"?"}
    rows = db_rows(dsn, "select case_no from cases")
    counts: dict[str, int] = {}
    for (case_no,) in rows:
        counts[case_no] = counts.get(case_no, 0) + 1
    norm = {re.sub(r"-", "", c): c for c in counts}
    for case_no in acked:
        n = counts.get(case_no) or counts.get(norm.get(re.sub(r"-", "", case_no), ""), 0)
        if n != 1:
            problems.append(f"acknowledged case {case_no} is in the database {n} times")
    dup = (
        db_rows(
            dsn,
            "select deceased_id_hash, count(*) from cases where created_at >= %s::timestamp "
            "group by 1 having count(*) > 1",
            since,
        )
        if _has_column(dsn, "cases", "deceased_id_hash")
        else []
    )
    if dup:
        problems.append(f"{len(dup)} deceased have more than one case")
    return problems


def check_trackers_complete(state: dict[str, str], stats: Stats) -> tuple[list[str], str]:
    """Every answered message is in its conversation's tracker in PostgreSQL: at least the messages
    answered, at most the messages sent (a failed turn may or may not have been handled). A turn
    answered from an empty tracker and kept only in a Rasa process's memory (Rasa's fail-safe
    fallback while PostgreSQL restarts) is missing there, and the family's next turn did not see it."""
    senders = list(stats.sent_by)
    stored = dict(
        db_rows(
            state["TRACKER_DATABASE_URL"],
            "select sender_id, count(*) from events where type_name = 'user' and sender_id = any(%s) "
            "group by sender_id",
            senders,
        )
    )
    short = [s for s in senders if stored.get(s, 0) < stats.answered_by.get(s, 0)]
    extra = [s for s in senders if stored.get(s, 0) > stats.sent_by[s]]
    problems = []
    if short:
        missing = sum(stats.answered_by.get(s, 0) - stored.get(s, 0) for s in short)
        problems.append(f"{len(short)} conversations miss {missing} answered messages in the tracker store")
    if extra:
        problems.append(f"{len(extra)} conversations hold more messages than were sent")
    answered = sum(stats.answered_by.values())
    summary = (
        f"trackers: {sum(stored.values())} user messages stored for {answered} answered and "
        f"{sum(stats.sent_by.values())} sent, in {len(senders)} conversations"
    )
    return problems, summary


def _has_column(dsn: str, table: str, column: str) -> bool:
    return bool(
        db_rows(
            dsn,
            "select 1 from information_schema.columns where table_name=%s and column_name=%s",
            table,
            column,
        )
    )


def wait_outbox_drained(state: dict[str, str], seconds: float) -> dict[str, int]:
    """Waits (bounded) until no outbox event is pending or delivering; returns the status counts."""
    deadline = time.monotonic() + seconds
    while True:
        counts = dict(db_rows(state["DATABASE_URL"], "select status, count(*) from outbox_events group by 1"))
        if (not counts.get("pending") and not counts.get("delivering")) or time.monotonic() > deadline:
            return counts
        time.sleep(2)


def check_deliveries_once(state: dict[str, str], since_case_ids: int = 0) -> tuple[list[str], str]:
    """Every outbox event delivered, each acknowledged once by the simulator, one release per task."""
    problems: list[str] = []
    dsn = state["DATABASE_URL"]
    counts = dict(db_rows(dsn, "select status, count(*) from outbox_events group by 1"))
    events = db_rows(dsn, "select event_id, task_id, event, status from outbox_events")
    sim = httpx.get(state["SIM_URL"] + "/deliveries", timeout=30).json()
    acked = sim["acknowledged"]
    received = sim["received"]
    not_delivered = [e for e in events if e[3] != "delivered"]
    if not_delivered:
        problems.append(f"{len(not_delivered)} outbox events not delivered: {dict(counts)}")
    missing = [e for e in events if e[3] == "delivered" and e[0] not in acked]
    if missing:
        problems.append(f"{len(missing)} events marked delivered but never acknowledged by the department")
    released: dict[int, int] = {}
    for entry in acked.values():
        if entry.get("event") == "task.released" and entry.get("task_id") is not None:
            released[entry["task_id"]] = released.get(entry["task_id"], 0) + 1
    twice = {t: n for t, n in released.items() if n > 1}
    if twice:
        problems.append(f"{len(twice)} tasks released to their department more than once (different events)")
    processed_twice = [r for r in received if r.get("outcome") == "duplicate"]
    dup_note = f"{len(processed_twice)} re-deliveries answered as duplicates (dropped by the department)"
    summary = (
        f"outbox {dict(counts)}; department acknowledged {len(acked)} events for "
        f"{len(released)} released tasks; {dup_note}"
    )
    return problems, summary


def print_result(problems: list[str]) -> int:
    for p in problems:
        print(f"  FAIL {p}")
    print("PASS" if not problems else "FAIL")
    return 0 if not problems else 1


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def today_china() -> dt.date:
    return china_today()
