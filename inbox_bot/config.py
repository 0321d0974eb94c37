"""The operator's TOML file, then INBOX_BOT_* environment variables; a typo in a key is an error.

Relative paths in the file are read from the file's own folder, so `inbox-bot --config /etc/inbox-bot.toml`
works from any working directory.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from inbox_bot.errors import ConfigError, describe_validation_error


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FolderSource(Section):
    """Saved mails on disk: a Maildir, a folder of .eml files or an mbox file."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    path: Path


class ArchiveSettings(Section):
    max_total_uncompressed_mb: Annotated[int, Field(gt=0)] = 200
    max_ratio: Annotated[int, Field(gt=1)] = 100
    max_members: Annotated[int, Field(gt=0)] = 200
    max_depth: Annotated[int, Field(ge=0)] = 2


class LimitSettings(Section):
    max_mail_mb: Annotated[float, Field(gt=0)] = 40.0
    archives: ArchiveSettings = ArchiveSettings()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INBOX_BOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    rules_dir: Path = Path("rules")
    database: Path = Path("var/inbox-bot.sqlite")
    storage: Path = Path("var/storage")
    sources: list[FolderSource] = []
    limits: LimitSettings = LimitSettings()

    @model_validator(mode="after")
    def _unique_source_names(self) -> Settings:
        names = [source.name for source in self.sources]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"source names must be unique, repeated: {', '.join(duplicated)}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file, so a unit or a container can override one key.
        return env_settings, init_settings


def _resolve(base: Path, data: dict[str, Any]) -> dict[str, Any]:
    for key in ("rules_dir", "database", "storage"):
        if key in data:
            data[key] = str(base / Path(str(data[key])).expanduser())
    for source in data.get("sources", []):
        if isinstance(source, dict) and "path" in source:
            source["path"] = str(base / Path(str(source["path"])).expanduser())
    return data


def load_settings(path: Path | None) -> Settings:
    """Settings from a TOML file (or defaults and the environment when no file is given)."""
    if path is None:
        try:
            return Settings()
        except ValidationError as exc:
            raise describe_validation_error(exc, "environment (INBOX_BOT_*)") from exc
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", file=str(path), fix="copy config.example.toml and edit it") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path), fix="check quotes, brackets and commas") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path), fix="save the file as UTF-8") from exc
    try:
        return Settings(**_resolve(path.resolve().parent, data))
    except ValidationError as exc:
        raise describe_validation_error(exc, path) from exc
