"""Security configuration read from the environment, and the development secret.

Environment (all optional in development):

- ``SECRET_KEY`` (via api.settings): master secret for field encryption and keyed hashes.
- ``OLD_SECRET_KEYS``: comma-separated former master secrets, used only to decrypt (key rotation).
- ``LOOKUP_HASH_SECRET``: the secret of the keyed lookup hashes when it must differ from
  ``SECRET_KEY`` (set it to the former secret when rotating; see docs/security.md).
- ``APP_ENV``: unset, ``development``, ``dev``, ``test``, ``testing``, ``ci`` or ``local`` is
  development; any other value (``production``, ``prod``, ``staging``, a typo) is production: the
  API refuses to start without ``SECRET_KEY``, ``DEPARTMENT_API_KEYS`` and ``STAFF_TOKENS``, and
  every development key and token is disabled.
- ``DEV_SECRET_FILE``: where the development secret lives (default ``var/dev-secret``).
- ``DEPARTMENT_API_KEYS``: JSON ``{department_key: api_key}``.
- ``STAFF_TOKENS``: JSON ``{token: {"role": ..., "staff_id": ...}}``.
- ``ASSISTANT_API_KEY``: the service credential of the assistant's action server (header
  ``X-Assistant-Key``); with it the action server's requests are rate-limited per conversation
  (``X-Conversation-Id``) instead of per address. Development default ``DEV_ASSISTANT_API_KEY``
  (the action server reads the same variable with the same default); production refuses to start
  without it.
- ``RATE_LIMIT_*``: the rate limits (``RATE_LIMIT_DEFAULTS``), in the ``limits`` notation
  ``"10/hour"``, ``"60/minute"``, ``"5 per 30 seconds"``.

Values are re-read on every call (parsing is cached per raw value), so tests and operators can
change them without restarting the code that imports this module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from functools import lru_cache
from pathlib import Path

from api.settings import ROOT, get_settings

log = logging.getLogger("api.security")

STAFF_ROLES = ("window_staff", "hotline_staff", "admin")
# Development staff accounts: one per staff role, with stable tokens derived from the dev secret.
DEV_STAFF = (("window_staff", "w001"), ("hotline_staff", "h001"), ("admin", "a001"))

_lock = threading.Lock()
_warned: set[str] = set()


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


# APP_ENV values that mean "not production"; anything else (production, prod, staging, Production, a
# typo ...) is treated as production: no development credentials, secrets required. Fail safe.
DEVELOPMENT_ENVS = ("", "development", "dev", "test", "testing", "ci", "local")


def is_production() -> bool:
    return os.environ.get("APP_ENV", "").strip().lower() not in DEVELOPMENT_ENVS


def dev_secret_path() -> Path:
    return Path(os.environ.get("DEV_SECRET_FILE") or ROOT / "var" / "dev-secret")


def _warn_once(key: str, message: str) -> None:
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message)


@lru_cache(maxsize=8)
def _read_or_create_dev_secret(path: Path) -> str:
    """32 random bytes in hex, created once with mode 0600; concurrent creators agree on one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode())
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic: fails if another process created it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    value = path.read_text().strip()
    if len(value) < 32:
        raise ConfigError(f"开发密钥文件 {path} 内容不完整，请删除它后重启（会重新生成）。")
    return value


def master_secret() -> str:
    """SECRET_KEY, or in development a stable secret kept in var/dev-secret."""
    configured = get_settings().secret_key
    if configured:
        return configured
    if is_production():
        raise ConfigError("生产环境必须设置 SECRET_KEY（至少 32 个随机字符），否则无法加密个人信息。")
    path = dev_secret_path()
    value = _read_or_create_dev_secret(path)
    _warn_once(
        "dev-secret",
        f"SECRET_KEY is not set: using the development secret in {path}. "
        "Set SECRET_KEY (and APP_ENV=production) before handling real data.",
    )
    return value


def lookup_hash_secret() -> str:
    """The secret of the keyed lookup hashes: LOOKUP_HASH_SECRET, else the master secret."""
    return os.environ.get("LOOKUP_HASH_SECRET", "").strip() or master_secret()


def old_secrets() -> list[str]:
    return [s.strip() for s in os.environ.get("OLD_SECRET_KEYS", "").split(",") if s.strip()]


def derive(label: str, secret: str | None = None) -> bytes:
    """A 32-byte key for one purpose, derived from the master secret (HMAC-SHA256 as a KDF)."""
    base = (secret if secret is not None else master_secret()).encode()
    return hmac.new(base, b"guizhou-afterlife/" + label.encode(), hashlib.sha256).digest()


def _dev_value(prefix: str, label: str) -> str:
    return prefix + derive("dev-credential/" + label).hex()[:32]


@lru_cache(maxsize=32)
def _parse_json_object(raw: str, name: str) -> dict:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"环境变量 {name} 不是有效的 JSON：{exc.msg}（第 {exc.pos} 个字符）") from None
    if not isinstance(value, dict):
        raise ConfigError(f'环境变量 {name} 应是 JSON 对象，如 {{"键": "值"}}')
    return value


def department_keys() -> dict[str, str]:
    """{department: api_key}: DEPARTMENT_API_KEYS, or development keys for every catalog department."""
    raw = os.environ.get("DEPARTMENT_API_KEYS", "").strip()
    if raw:
        parsed = _parse_json_object(raw, "DEPARTMENT_API_KEYS")
        return {str(k): str(v) for k, v in parsed.items() if v}
    if is_production():
        return {}
    from api.catalog.loader import get_catalog

    return {dept: _dev_value("dk_", "department/" + dept) for dept in get_catalog().departments}


# The action server's development credential: a known constant, so that the action server (another
# virtualenv, without the API's secret) can send it. Development only: production sets
# ASSISTANT_API_KEY or refuses to start, and never accepts this value.
DEV_ASSISTANT_API_KEY = "dev-assistant-key-development-only"
ASSISTANT_KEY_MIN_LENGTH = 32


def assistant_api_key() -> str | None:
    """ASSISTANT_API_KEY, or in development DEV_ASSISTANT_API_KEY; None in production without it."""
    raw = os.environ.get("ASSISTANT_API_KEY", "").strip()
    if raw:
        return raw
    if is_production():
        return None
    return DEV_ASSISTANT_API_KEY


# Rate limits (docs/security.md "Rate limits"): environment variable → default. Each is read on
# every request (parsed once per value), so an operator changes one by setting the variable.
RATE_LIMIT_DEFAULTS = {
    "RATE_LIMIT_CASE_CREATE": "10/hour",  # new cases per conversation / address (replays are free)
    "RATE_LIMIT_LOOKUP": "60/minute",  # GET /lookup per conversation / address
    "RATE_LIMIT_CHECKLIST": "120/minute",  # POST /checklist per conversation / address
    "RATE_LIMIT_CASE_LOOKUP_FAILURES": "30/minute",  # wrong case number or token, per client and case
    "RATE_LIMIT_CREDENTIAL_FAILURES": "30/minute",  # wrong X-Api-Key/X-Staff-Token/token/assistant key
    "RATE_LIMIT_CHAT": "60/minute",  # POST /chat and /chat/ratings (the website widget) per address
}


def rate_limit_value(name: str) -> str:
    """The configured limit (``"10/hour"``) of one RATE_LIMIT_* setting."""
    return os.environ.get(name, "").strip() or RATE_LIMIT_DEFAULTS[name]


@lru_cache(maxsize=64)
def parse_rate_limit(name: str, value: str):  # -> limits.RateLimitItem
    from limits import parse

    try:
        return parse(value)
    except ValueError:
        raise ConfigError(
            f"环境变量 {name} 不是有效的限流设置：{value[:40]!r}（应如 10/hour、60/minute）"
        ) from None


def rate_limit_item(name: str):  # -> limits.RateLimitItem
    return parse_rate_limit(name, rate_limit_value(name))


def check_assistant_and_limits() -> None:
    """Start-up: every RATE_LIMIT_* parses; production has an ASSISTANT_API_KEY of 32+ characters."""
    for name in RATE_LIMIT_DEFAULTS:
        rate_limit_item(name)
    if is_production() and len(os.environ.get("ASSISTANT_API_KEY", "").strip()) < ASSISTANT_KEY_MIN_LENGTH:
        raise ConfigError(
            f"生产环境（APP_ENV=production）必须设置 ASSISTANT_API_KEY（至少 {ASSISTANT_KEY_MIN_LENGTH} 个"
            "随机字符，API 和助手的动作服务器用同一个值），服务不启动。"
        )


def staff_tokens() -> dict[str, tuple[str, str]]:
    """{token: (role, staff_id)}: STAFF_TOKENS, or one development account per staff role."""
    raw = os.environ.get("STAFF_TOKENS", "").strip()
    if raw:
        parsed = _parse_json_object(raw, "STAFF_TOKENS")
        out: dict[str, tuple[str, str]] = {}
        for token, info in parsed.items():
            if not isinstance(info, dict) or info.get("role") not in STAFF_ROLES or not info.get("staff_id"):
                raise ConfigError(
                    '环境变量 STAFF_TOKENS 的每一项应为 {"role": window_staff|hotline_staff|admin, '
                    '"staff_id": "工号"}'
                )
            out[str(token)] = (info["role"], str(info["staff_id"]))
        return out
    if is_production():
        return {}
    return {_dev_value("st_", f"staff/{role}/{sid}"): (role, sid) for role, sid in DEV_STAFF}
