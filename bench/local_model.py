"""The trained assistant loaded in-process, shared by the NLU benchmarks (run from the bot environment).

``parse`` goes through ``processor.parse_message``, the code behind ``POST /model/parse``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


def quiet_logs() -> None:
    """Rasa logs every parse at debug level through structlog: keep only warnings."""
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def latest_model(models_dir: Path = ROOT / "models") -> Path:
    archives = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not archives:
        sys.exit(f"no model in {models_dir}: train first (see docs/nlu.md)")
    return archives[-1]


def load_parser(model: Path) -> Callable[[str], Awaitable[dict]]:
    """An async function text -> parse result dict, from the trained model, in-process."""
    sys.path.insert(0, str(ROOT))  # custom components: assistant.components.*
    os.chdir(ROOT)  # the marker reads assistant/generated/catalog.json relative to the root
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    agent = Agent.load(str(model))

    async def parse(text: str) -> dict:
        return await agent.processor.parse_message(UserMessage(text))

    return parse
