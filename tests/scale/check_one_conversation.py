"""Messages of ONE conversation sent concurrently to two Rasa processes: handled one at a time, in
order, none lost. What makes it so is the Redis lock store shared by both processes
(deploy/endpoints.production.yml): each message takes a ticket on the conversation's lock and waits
its turn; the PostgreSQL tracker store then gives the next process the events of the previous turn.

    .venv/api/bin/python tests/scale/check_one_conversation.py   (stack from scripts/scaleout.sh start)

1. **Burst**: N different questions sent at the same instant, alternately to Rasa 1 and Rasa 2.
   Checks: every message is in the tracker exactly once; the turns never interleave (each user
   message is followed by the bot's actions and an ``action_listen`` before the next one); the
   answer each HTTP request received is exactly the bot messages recorded for that message's turn
   (so every process read the tracker as the previous turn left it).
2. **Queued**: N more questions alternately to the two processes, each sent as soon as the one
   before holds its ticket on the conversation's Redis lock, none waiting for an answer (they queue
   on the lock). Checks the same, and that the tracker holds them in the order they were sent.
3. **Through the one address** (haproxy, round robin): a burst of N/2 questions, same checks.

Prints the figures and PASS/FAIL; exits 1 on FAIL. Loopback only, bounded (every request times out
after --timeout seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.common import load_state  # noqa: E402

QUESTIONS = [
    "注销户口要带什么材料",
    "公积金取出来要多久",
    "养老金停发去哪里办",
    "医保个人账户的钱谁能取",
    "丧葬费抚恤金能领多少",
    "驾驶证注销要哪些东西",
    "死亡证明去哪里开",
    "火化证明要多久能拿到",
    "户口注销在哪里办",
    "提取公积金要带什么",
    "养老保险个人账户余额怎么取",
    "驾照注销要多久",
    "注销户口要多久",
    "丧葬补助金去哪里领",
    "医保卡怎么注销",
    "死亡证明要带什么材料",
]


async def send(client: httpx.AsyncClient, url: str, sender: str, text: str, timeout: float) -> dict:
    started = time.monotonic()
    try:
        r = await client.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        r.raise_for_status()
        texts = [m.get("text") or "" for m in r.json()]
        return {
            "text": text,
            "url": url,
            "texts": texts,
            "latency": time.monotonic() - started,
            "error": None,
        }
    except (httpx.HTTPError, ValueError) as exc:
        return {
            "text": text,
            "url": url,
            "texts": [],
            "latency": time.monotonic() - started,
            "error": repr(exc),
        }


def turns_of(events: list[dict]) -> list[dict]:
    """The tracker's user turns: the user text, the bot texts and the actions up to the next one."""
    turns: list[dict] = []
    for e in events:
        if e["event"] == "user":
            turns.append({"text": e.get("text") or "", "bot": [], "actions": []})
        elif turns and e["event"] == "bot":
            turns[-1]["bot"].append(e.get("text") or "")
        elif turns and e["event"] == "action":
            turns[-1]["actions"].append(e.get("name"))
    return turns


def check(phase: str, results: list[dict], turns: list[dict], sent_order: list[str] | None) -> list[str]:
    problems = []
    errors = [r for r in results if r["error"]]
    for r in errors:
        problems.append(f"{phase}: request “{r['text']}” to {r['url']} failed: {r['error']}")
    texts = [r["text"] for r in results]
    mine = [t for t in turns if t["text"] in texts]
    for text in texts:
        n = sum(1 for t in mine if t["text"] == text)
        if n != 1:
            problems.append(f"{phase}: “{text}” is in the tracker {n} times (expected once)")
    for t in mine:
        if not t["actions"] or t["actions"][-1] != "action_listen":
            problems.append(
                f"{phase}: the turn of “{t['text']}” did not end in action_listen before the "
                f"next message (actions {t['actions']}): turns interleaved"
            )
        if len(t["actions"]) < 2:
            problems.append(f"{phase}: “{t['text']}” got no action before the next message")
    by_text = {t["text"]: t for t in mine}
    for r in results:
        t = by_text.get(r["text"])
        if t is not None and not r["error"] and [x for x in r["texts"] if x] != [x for x in t["bot"] if x]:
            problems.append(
                f"{phase}: the answer to “{r['text']}” differs from the bot messages recorded "
                f"for its turn (the process did not see the previous turn)"
            )
    if sent_order is not None:
        got = [t["text"] for t in mine]
        if got != sent_order:
            problems.append(f"{phase}: tracker order {got} differs from the sending order {sent_order}")
    return problems


async def tracker(client: httpx.AsyncClient, url: str, sender: str, token: str) -> list[dict]:
    r = await client.get(f"{url}/conversations/{sender}/tracker", params={"token": token}, timeout=60)
    r.raise_for_status()
    return r.json()["events"]


async def main_async(args: argparse.Namespace) -> int:
    state = load_state(args.dir)
    token = state["RASA_TOKEN"]
    procs = [state["RASA1_URL"], state["RASA2_URL"]]
    sender = f"scale-{uuid.uuid4().hex[:12]}"
    n = min(args.messages, len(QUESTIONS))
    problems: list[str] = []
    async with httpx.AsyncClient() as client:
        first = await send(client, procs[0], sender, "你好", args.timeout)  # the conversation exists
        if first["error"]:
            print(f"FAIL: Rasa 1 did not answer: {first['error']}")
            return 1

        # 1. burst
        qs = QUESTIONS[:n]
        t0 = time.monotonic()
        burst = await asyncio.gather(
            *(send(client, procs[i % 2], sender, q, args.timeout) for i, q in enumerate(qs))
        )
        t_burst = time.monotonic() - t0
        events = await tracker(client, procs[1], sender, token)
        turns = turns_of(events)
        p1 = check("burst", burst, turns, None)
        problems += p1
        order = [t["text"] for t in turns if t["text"] in qs]
        print(
            f"burst: {n} messages at once, alternately to {procs[0]} and {procs[1]}: all answered in "
            f"{t_burst:.1f} s (latency {min(r['latency'] for r in burst):.2f}–"
            f"{max(r['latency'] for r in burst):.2f} s: they waited for the lock); tracker order "
            f"{[qs.index(t) for t in order]}; {'ok' if not p1 else f'{len(p1)} problems'}"
        )

        # 2. queued in a known order: message k+1 is sent (to the other process) only once message k
        # holds its ticket in Redis, without waiting for its answer; the tracker must hold them in
        # that order. (Sending them a fixed gap apart does not fix the order on a busy machine: a
        # process whose event loop is busy with a turn takes the ticket of a message it received
        # after the other process took the next one's.)
        qs2 = [q + "？" for q in QUESTIONS[:n]]
        t0 = time.monotonic()
        lock_key = f"{state.get('REDIS_KEY_PREFIX') or 'afterlife'}:lock:{sender}"
        red = redis.Redis.from_url(state["REDIS_LOCK_URL"], socket_timeout=2)
        done: list[int] = []
        pending: list[asyncio.Task] = []
        ticket_waits: list[float] = []

        async def counted(i: int, q: str) -> dict:
            r = await send(client, procs[i % 2], sender, q, args.timeout)
            done.append(i)
            return r

        def tickets_now() -> int:
            raw = red.get(lock_key)
            return len(json.loads(raw).get("tickets", [])) if raw else 0

        for i, q in enumerate(qs2):
            pending.append(asyncio.create_task(counted(i, q)))
            started = time.monotonic()
            # issued tickets = tickets still in the lock + requests already answered
            while tickets_now() + len(done) < i + 1 and time.monotonic() - started < args.timeout:
                await asyncio.sleep(args.stagger)
            ticket_waits.append(time.monotonic() - started)
        stag = list(await asyncio.gather(*pending))
        t_stag = time.monotonic() - t0
        events = await tracker(client, procs[0], sender, token)
        turns = turns_of(events)
        p2 = check("queued", stag, turns, qs2)
        problems += p2
        queued = sum(1 for i in range(n) if i > 0 and stag[i]["latency"] > ticket_waits[i] + 0.05)
        print(
            f"queued: {n} messages, alternating processes, each sent once the previous one held its "
            f"ticket (after {1000 * sum(ticket_waits) / n:.0f} ms on average), none waiting for an answer: "
            f"done in {t_stag:.1f} s, {queued} waited on the lock for the one before; "
            f"{'in sending order, ok' if not p2 else f'{len(p2)} problems'}"
        )

        # 3. through the one address
        lb = state["LB_URL"]
        qs3 = [q + "呢" for q in QUESTIONS[: max(2, n // 2)]]
        via = await asyncio.gather(*(send(client, lb, sender, q, args.timeout) for q in qs3))
        events = await tracker(client, lb, sender, token)
        p3 = check("via one address", via, turns_of(events), None)
        problems += p3
        print(
            f"via one address ({lb}): {len(qs3)} messages at once: "
            f"{'ok' if not p3 else f'{len(p3)} problems'}"
        )

        users = sum(1 for e in events if e["event"] == "user")
        print(
            f"conversation {sender}: {users} user messages in the PostgreSQL tracker "
            f"(expected {1 + n + n + len(qs3)})"
        )
        if users != 1 + n + n + len(qs3):
            problems.append(f"tracker has {users} user messages, expected {1 + n + n + len(qs3)}")
    for p in problems:
        print(f"  FAIL {p}")
    print("PASS" if not problems else "FAIL")
    return 0 if not problems else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=12, help="messages per phase (max 16)")
    ap.add_argument("--stagger", type=float, default=0.005, help="seconds between polls of the Redis lock")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--dir", default=None, help="scale-out state directory (default var/scaleout)")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
