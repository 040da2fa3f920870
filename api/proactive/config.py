"""Settings of the invitations (environment, read on every call so operators and tests can change them).

- ``INVITATIONS_ENABLED`` (default 1): 0 turns proactive invitations off (death records still work).
- ``INVITATION_SEND_WINDOW`` (default ``08:00-20:00``, China time): an invitation is sent only inside
  it; one created outside waits for the next opening (a death record pushed at 23:00 is sent at 08:00).
- ``INVITATION_TEMPLATE``: the wording. Placeholders: ``{start_url}`` (where to start), ``{opt_out_url}``
  (required: the opt-out link), ``{hotline}``. No placeholder for a name, an ID number or a cause of
  death exists: the invitation carries none (docs/proactive.md says why).
- ``INVITATION_START_URL`` (default ``<API_PUBLIC_URL>/``), ``INVITATION_HOTLINE`` (default 12345).
- ``INVITATION_MAX_AGE_DAYS`` (default 60): no invitation for a death older than this (a backfill of
  old records must not reach families years later).
- ``INVITATIONS_IN_PROCESS=1``: the API process runs the sender loop (api.proactive.sender) in a thread.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from dataclasses import dataclass

from api.settings import get_settings

DEFAULT_TEMPLATE = (
    "【贵州政务服务】您好，惊悉您家中亲人离世，深表哀悼。亲人离世后的户口注销、养老金、医保等事项，"
    "现在可以一次申请、一套材料、各部门一起办理。需要时请打开 {start_url} 或拨打 {hotline} 咨询。"
    "不想再收到此类短信请点 {opt_out_url}"
)
PLACEHOLDERS = frozenset({"start_url", "opt_out_url", "hotline"})


class InvitationConfigError(ValueError):
    pass


@dataclass(frozen=True)
class InvitationConfig:
    enabled: bool
    window_start: dt.time
    window_end: dt.time
    template: str
    start_url: str
    hotline: str
    max_age_days: int
    public_url: str


def _time(text: str) -> dt.time:
    hh, mm = text.strip().split(":")
    return dt.time(int(hh), int(mm))


def check_template(template: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    unknown = names - PLACEHOLDERS
    if unknown:
        raise InvitationConfigError(
            f"INVITATION_TEMPLATE names {sorted(unknown)}; only {sorted(PLACEHOLDERS)} are allowed"
        )
    if "opt_out_url" not in names:
        raise InvitationConfigError("INVITATION_TEMPLATE must contain {opt_out_url} (the opt-out link)")
    return template


def get_config() -> InvitationConfig:
    raw_window = os.environ.get("INVITATION_SEND_WINDOW", "08:00-20:00")
    try:
        start, end = (_time(p) for p in raw_window.split("-"))
    except ValueError:
        raise InvitationConfigError(
            f"INVITATION_SEND_WINDOW must look like 08:00-20:00 (got {raw_window!r})"
        ) from None
    if not start < end:
        raise InvitationConfigError("INVITATION_SEND_WINDOW: the start must be before the end, same day")
    public = get_settings().api_public_url.rstrip("/")
    return InvitationConfig(
        enabled=os.environ.get("INVITATIONS_ENABLED", "1").strip().lower() not in ("0", "false", "no"),
        window_start=start,
        window_end=end,
        template=check_template(os.environ.get("INVITATION_TEMPLATE") or DEFAULT_TEMPLATE),
        start_url=os.environ.get("INVITATION_START_URL") or public + "/",
        hotline=os.environ.get("INVITATION_HOTLINE") or "12345",
        max_age_days=int(os.environ.get("INVITATION_MAX_AGE_DAYS") or 60),
        public_url=public,
    )


def in_process_enabled() -> bool:
    return os.environ.get("INVITATIONS_IN_PROCESS", "").strip().lower() in ("1", "true", "yes")
