"""Settings: one typed object, read once at start, every mistake named by its key.

The token never lives in the file: it comes from ``DISCORD_TOKEN``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bot.library.yamlpos import YamlReadError, read_yaml_file
from bot.sharding import ShardPlan, parse_shard_ids
from bot.validation_messages import explain, key_name, unknown

DEFAULT_CONFIG = Path("config.yaml")
DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg"
SLACK_API = "https://slack.com/api"
SUPPORT_MESSAGE_MAX = 1024  # one embed field in /about
DEFAULT_SUPPORT = (
    "If this material brings up something difficult, it is fine to step away, skip a "
    "prompt or mute the channel at any time. Your facilitators can tell you where to find "
    "support, in confidence."
)


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming the file and key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    path: Path = Path("data/cohort.sqlite3")
    # sqlite:///relative/or/absolute/path, or postgresql://user@host:port/dbname.
    # The DATABASE_URL environment variable (hosting platforms set it) wins over both.
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _known_engine(cls, value: str | None) -> str | None:
        if value is not None:
            database_engine(value)
        return value


class DiscordSettings(_Section):
    guild_ids: list[int] = Field(default_factory=list)
    api_base_url: str = DISCORD_API
    gateway_url: str = DISCORD_GATEWAY
    # Sharding (several processes over one PostgreSQL database): how many shards the bot
    # has in all, and which of them this process runs (all of them if not given).
    shard_count: Annotated[int, Field(ge=1)] | None = None
    shard_ids: list[int] | None = None
    # Discord's global rate limit for the bot token, shared by all its processes: each
    # paces its REST requests to its part of it (see bot/discord_face/pacing.py).
    requests_per_second: Annotated[float, Field(gt=0)] = 50.0

    @field_validator("api_base_url", "gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(f"'{value}' is not a URL (it needs a scheme such as https://)")
        return value.rstrip("/")

    @field_validator("shard_ids")
    @classmethod
    def _shards_fit(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if value is None:
            return value
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs discord.shard_count too (how many shards the bot has in all)")
        ShardPlan(count, tuple(value))
        return value


class SlackSettings(_Section):
    """The Slack face: where Bolt listens (HTTP mode) and where the Web API is."""

    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    api_base_url: str = SLACK_API
    # A user group (S…) whose members are facilitators, besides workspace owners/admins.
    facilitator_group: Annotated[str, StringConstraints(pattern=r"^S[A-Z0-9]+$")] | None = None

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(f"'{value}' is not a URL (it needs a scheme such as https://)")
        return value.rstrip("/") + "/"


class ContentSettings(_Section):
    watch: bool = False
    reload_by: Literal["owner", "facilitators"] = "owner"


class PromptSettings(_Section):
    when_finished: Literal["stop", "restart"] = "stop"


class DailyLoopSettings(_Section):
    """The loop that posts prompts and sends reminders, digests and summaries."""

    # How often it looks for what is due.
    every_seconds: Annotated[float, Field(ge=1, le=3600)] = 20.0
    # A send reserved but never confirmed (the process stopped mid-send) is looked for in its
    # channel once it is this old, then recorded, or released and sent again.
    settle_after_seconds: Annotated[float, Field(ge=1, le=86400)] = 60.0


class ReflectionSettings(_Section):
    allow_anonymous: bool = True
    facilitators_see_anonymous_authors: bool = False
    retention_days: Annotated[int, Field(ge=1)] | None = None


class Settings(_Section):
    content_dir: Path = Path("content")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    database: DatabaseSettings = DatabaseSettings()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    facilitator_role: str | None = None
    support_message: Annotated[str, StringConstraints(pattern=r"\S", max_length=1024)] | None = None
    content: ContentSettings = ContentSettings()
    prompts: PromptSettings = PromptSettings()
    reflections: ReflectionSettings = ReflectionSettings()
    daily_loop: DailyLoopSettings = DailyLoopSettings()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def support_text(self) -> str:
        """Where members find support: the facilitators' text, or a kind general note."""
        return self.support_message or DEFAULT_SUPPORT

    @property
    def database_url(self) -> str:
        """Where the store lives: DATABASE_URL, else database.url, else database.path."""
        url = os.environ.get("DATABASE_URL") or self.database.url
        return url or f"sqlite:///{self.database.path}"

    @property
    def shards(self) -> ShardPlan | None:
        """The shards this process runs (SHARD_COUNT and SHARD_IDS win over the file);
        None when the bot is not sharded. ConfigError (one line) for bad values."""
        return resolve_shards(self.discord)

    @property
    def token(self) -> str | None:
        """The bot token, from the environment only."""
        return os.environ.get("DISCORD_TOKEN") or None

    @property
    def slack_tokens(self) -> SlackTokens | None:
        """Slack's tokens, from the environment only; None unless SLACK_BOT_TOKEN is set."""
        bot = os.environ.get("SLACK_BOT_TOKEN")
        if not bot:
            return None
        return SlackTokens(
            bot=bot,
            signing_secret=os.environ.get("SLACK_SIGNING_SECRET") or None,
            app=os.environ.get("SLACK_APP_TOKEN") or None,
        )


@dataclass(frozen=True)
class SlackTokens:
    """SLACK_BOT_TOKEN, and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)."""

    bot: str
    signing_secret: str | None = None
    app: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app is not None


def database_engine(url: str) -> Literal["sqlite", "postgresql"]:
    """Which engine a database URL names; ValueError (with what is accepted) otherwise."""
    scheme = url.partition("://")[0].lower()
    if scheme == "sqlite" and url.lower().startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    from bot.store.postgres_engine import safe_url  # the store is heavy; needed only here

    raise ValueError(
        f"'{safe_url(url)}' is not a database URL this bot knows: use "
        "sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/dbname"
    )


def resolve_shards(discord: DiscordSettings) -> ShardPlan | None:
    """The file's shard settings with SHARD_COUNT / SHARD_IDS applied, checked together."""
    count_text = os.environ.get("SHARD_COUNT", "").strip()
    ids_text = os.environ.get("SHARD_IDS", "").strip()
    count = discord.shard_count
    if count_text:
        try:
            count = int(count_text)
        except ValueError:
            count = 0
        if count < 1:
            raise ConfigError(f"SHARD_COUNT: '{count_text}' is not a whole number of at least 1")
    ids = None if discord.shard_ids is None else tuple(discord.shard_ids)
    if ids_text:
        try:
            ids = parse_shard_ids(ids_text)
        except ValueError as error:
            raise ConfigError(f"SHARD_IDS: {error}") from None
    if count is None:
        if ids_text:
            raise ConfigError("SHARD_IDS: needs SHARD_COUNT (or discord.shard_count) too")
        return None
    try:
        return ShardPlan.every(count) if ids is None else ShardPlan(count, ids)
    except ValueError as error:
        where = "SHARD_IDS" if ids_text else "SHARD_COUNT (with discord.shard_ids)"
        raise ConfigError(f"{where}: {error}") from None


def load_settings(path: Path | None) -> Settings:
    """Read settings from ``path`` (or ./config.yaml if present, else defaults)."""
    shown = path or DEFAULT_CONFIG
    settings = Settings() if path is None and not DEFAULT_CONFIG.exists() else _read(shown)
    _check_paths(settings, shown)
    logging.getLogger(__name__).debug("settings read from %s", shown)
    return settings


def _read(path: Path) -> Settings:
    try:
        data = read_yaml_file(path, "settings").data
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (copy config.example.yaml to start)") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror or error}") from None
    except YamlReadError as error:
        raise ConfigError(f"{path}:{error.line}: {error.message}") from None
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected settings as key: value lines")
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_first_error(path, error)) from None


def _first_error(path: Path, error: ValidationError) -> str:
    detail = error.errors(include_url=False)[0]
    loc = tuple(detail["loc"])
    key = key_name(loc)
    if detail["type"] == "extra_forbidden":
        if loc[-1] == "token":
            return f"{path}: {key}: never put the token in a file; set DISCORD_TOKEN instead"
        section: type[BaseModel] = Settings
        for part in loc[:-1]:
            annotation = section.model_fields[str(part)].annotation
            section = annotation if isinstance(annotation, type) else section
        return f"{path}: {key}: {unknown('setting', str(loc[-1]), list(section.model_fields))}"
    ctx = detail.get("ctx") or {}
    if detail["type"] == "value_error":
        return f"{path}: {key}: {ctx.get('error', detail['msg'])}"
    return f"{path}: {key}: {explain(detail['type'], detail.get('input'), ctx)}"


def _check_paths(settings: Settings, shown: Path) -> None:
    if not settings.content_dir.is_dir():
        raise ConfigError(
            f"{shown}: content_dir: '{settings.content_dir}' is not a folder "
            "(run from the project folder, or set content_dir)"
        )
    env_url = os.environ.get("DATABASE_URL")
    if env_url:
        try:
            database_engine(env_url)
        except ValueError as error:
            raise ConfigError(f"DATABASE_URL: {error}") from None
    resolve_shards(settings.discord)
    if settings.database.path.is_dir():
        raise ConfigError(f"{shown}: database.path: '{settings.database.path}' is a folder")
