"""Settings from the environment, in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(default=f"sqlite:///{ROOT / 'var' / 'cases.db'}")
    knowledge_dir: Path = ROOT / "knowledge"
    # The province's region code; requests may name a city or county below it.
    default_region: str = "520000"
    # Secrets for field encryption and keyed hashes. Development values are derived at start-up
    # and logged as such; production must set them.
    secret_key: str = ""
    log_level: str = "INFO"
    redis_url: str = "redis://127.0.0.1:6379/0"
    api_public_url: str = "http://127.0.0.1:8000"
    # the assistant (Rasa) behind the widget's proxy POST /api/v1/chat: its REST channel, with a timeout
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # pages of other origins (the provincial site) that embed the widget: comma-separated origins
    widget_origins: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
