"""The operator's TOML file, then INBOX_BOT_* environment variables; a typo in a key is an error.

Relative paths in the file are read from the file's own folder, so `inbox-bot --config /etc/inbox-bot.toml`
works from any working directory.
"""

from __future__ import annotations

import ipaddress
import string
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from inbox_bot.core.errors import ConfigError, describe_validation_error
from inbox_bot.core.limits import Limits


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FolderSource(Section):
    """Saved mails on disk: a Maildir, a folder of .eml files or an mbox file."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    path: Path


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_duration(value: object) -> object:
    """'90s', '5m', '2h', '1d' or a number of seconds."""
    if isinstance(value, str):
        text = value.strip().lower()
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        if text and text[-1] in units and text[:-1].replace(".", "", 1).isdigit():
            return timedelta(seconds=float(text[:-1]) * units[text[-1]])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Security = Literal["ssl", "starttls", "none"]
DEFAULT_FILE_INTO = "inbox-bot/{call}/{verdict}"
FILING_FIELDS = {"call", "verdict", "organisation"}


class MailboxSettings(Section):
    """One IMAP mailbox to watch. The secret comes from an environment variable, a file or a command."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    host: Annotated[str, Field(min_length=1, max_length=253)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    security: Security = "ssl"
    ca_file: Path | None = Field(
        default=None,
        description="PEM file of the private CA that signed a self-hosted server's certificate; "
        "the system's trusted CAs otherwise.",
    )
    username: Annotated[str, Field(min_length=1, max_length=320)]
    password_env: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = Field(
        default=None, description="A command printing an OAuth2 access token (XOAUTH2), e.g. for Gmail/Outlook."
    )
    folder: str = "INBOX"
    poll_every: Duration = timedelta(minutes=5)
    idle: bool = Field(
        default=True,
        description="Wait for new mail with IDLE (RFC 2177) where the server has it; the polls go on beside it.",
    )
    # RFC 2177: a server may end an IDLE after 30 minutes of silence; the client re-issues it within 29.
    idle_renew: Annotated[Duration, Field(gt=timedelta(0), le=timedelta(minutes=29))] = timedelta(minutes=25)
    file_into: str = Field(
        default=DEFAULT_FILE_INTO, description="Folder template; fields {call}, {verdict}, {organisation}."
    )
    leave_verdicts: list[
        Literal["complete", "incomplete", "late", "duplicate", "unmatched", "ignored", "needs_review", "rejected"]
    ] = ["unmatched", "ignored"]
    addresses: list[str] = Field(default=[], description="This mailbox's own addresses: never replied to.")
    authserv_ids: list[str] = Field(
        default=[], description="authserv-id of this mailbox's own server in Authentication-Results."
    )
    batch_size: Annotated[int, Field(gt=0, le=1000)] = 50
    folder_delimiter: Annotated[str, Field(pattern=r"^[!-$&-)+-~]$")] | None = Field(
        default=None, description="The server's folder level separator; detected (LIST) when not set."
    )
    folder_prefix: Annotated[str, Field(max_length=100, pattern=r"^[^*%\x00-\x1f\x7f]*$")] | None = Field(
        default=None, description="Where personal folders live, e.g. 'INBOX.'; detected (NAMESPACE) when not set."
    )
    connect_timeout: Annotated[Duration, Field(gt=timedelta(0), le=timedelta(minutes=5))] = timedelta(seconds=15)
    read_timeout: Annotated[Duration, Field(gt=timedelta(0), le=timedelta(hours=1))] = timedelta(seconds=120)

    @field_validator("username")
    @classmethod
    def _one_line_username(cls, value: str) -> str:
        # imaplib puts it in the LOGIN line as is: a line break would split the command.
        if any(char in value for char in "\r\n\0"):
            raise ValueError("must not contain a line break or NUL")
        return value

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.security == "ssl" else 143

    @model_validator(mode="after")
    def _secret_and_transport(self) -> MailboxSettings:
        given = [k for k in ("password_env", "password_file", "oauth2_token_command") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of password_env (an environment variable holding the password), "
                "password_file or oauth2_token_command"
            )
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security = 'none' sends the password in clear: only for a loopback host, not {self.host!r}; "
                "use 'ssl' (port 993) or 'starttls' (port 143)"
            )
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(self.file_into) if name}
        except ValueError as exc:
            raise ValueError(f"file_into {self.file_into!r} is not a valid template: {exc}") from exc
        if names - FILING_FIELDS:
            raise ValueError(f"file_into may use only {{call}}, {{verdict}}, {{organisation}}, not {sorted(names)}")
        return self


class RetentionSettings(Section):
    """How long personal data of a finished call is kept (Moroccan law 09-08, GDPR: no longer than needed)."""

    days_after_deadline: Annotated[int, Field(ge=0)] = 365


def _is_address(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain and value.isascii() and not any(c.isspace() or c in "<>,;\"" for c in value)


def _addresses(values: list[str], what: str) -> list[str]:
    cleaned = [value.strip().lower() for value in values]
    for value in cleaned:
        if not _is_address(value):
            raise ValueError(f"{what}: {value!r} is not an email address (expected name@domain.tld)")
    return cleaned


class SmtpSettings(Section):
    """The server that sends replies, digests and alerts. The password never sits in this file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    security: Security = "starttls"
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    from_address: str = Field(alias="from", description="The From address of every mail inbox-bot sends.")
    from_name: str = "inbox-bot"
    timeout: Duration = timedelta(seconds=30)
    retry_after: Duration = Field(default=timedelta(minutes=5), description="First retry delay; doubles each time.")
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 8

    @model_validator(mode="after")
    def _secret_and_transport(self) -> SmtpSettings:
        if self.password_env and self.password_file:
            raise ValueError("give password_env or password_file, not both")
        if bool(self.username) != bool(self.password_env or self.password_file):
            raise ValueError("username and a password (password_env or password_file) go together")
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security = 'none' sends mail and password in clear: only for a loopback host, not {self.host!r}; "
                "use 'ssl' (port 465) or 'starttls' (port 587)"
            )
        _addresses([self.from_address], "from")
        return self

    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]


class ReplySettings(Section):
    """Replies to applicants; each call turns them on in its own rule (`[replies] enabled`)."""

    window: Duration = Field(
        default=timedelta(hours=24), description="At most one reply of a kind per sender and call in this window."
    )
    max_age: Duration = Field(
        default=timedelta(days=2),
        description="A mail older than this when it is read (by our server's arrival date) is never answered.",
    )
    own_addresses: list[str] = Field(default=[], description="Never replied to, besides every call's addresses.")
    null_sender: bool = Field(
        default=True, description="Send replies with an empty envelope sender (MAIL FROM:<>), as RFC 3834 advises."
    )

    @model_validator(mode="after")
    def _valid(self) -> ReplySettings:
        _addresses(self.own_addresses, "own_addresses")
        return self


class DigestOrganisation(Section):
    name: Annotated[str, Field(min_length=1, description="As the rules spell it in `organisation`.")]
    to: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _valid(self) -> DigestOrganisation:
        _addresses(self.to, f"digest recipients of {self.name!r}")
        return self


class DigestSettings(Section):
    time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, Africa/Casablanca.")] = (
        "08:00"
    )
    send_empty: bool = True
    alert_after: Duration = Field(default=timedelta(hours=2), description="Alert when a mailbox fails this long.")
    organisations: list[DigestOrganisation] = []
    operator: list[str] = Field(default=[], description="Gets mailbox alerts and mail no organisation's address got.")

    @model_validator(mode="after")
    def _valid(self) -> DigestSettings:
        names = [organisation.name for organisation in self.organisations]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"organisation names must be unique, repeated: {', '.join(repeated)}")
        _addresses(self.operator, "operator")
        return self

    def recipients(self, organisation: str) -> list[str]:
        return next((o.to for o in self.organisations if o.name == organisation), [])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INBOX_BOT_", env_nested_delimiter="__", extra="forbid", frozen=True)

    rules_dir: Path = Path("rules")
    database: Path = Path("var/inbox-bot.sqlite")
    storage: Path = Path("var/storage")
    sources: list[FolderSource] = []
    mailboxes: list[MailboxSettings] = []
    limits: Limits = Limits()
    smtp: SmtpSettings | None = None
    replies: ReplySettings = ReplySettings()
    digest: DigestSettings = DigestSettings()
    retention: RetentionSettings = RetentionSettings()
    _file: str | None = PrivateAttr(default=None)

    @property
    def file(self) -> str | None:
        """The config file these settings were read from; None for defaults and the environment alone."""
        return self._file

    @model_validator(mode="after")
    def _unique_source_names(self) -> Settings:
        names = [source.name for source in self.sources] + [box.name for box in self.mailboxes]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"source and mailbox names must be unique, repeated: {', '.join(duplicated)}")
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
    for mailbox in data.get("mailboxes", []):
        for key in ("password_file", "ca_file"):
            if isinstance(mailbox, dict) and key in mailbox:
                mailbox[key] = str(base / Path(str(mailbox[key])).expanduser())
    smtp = data.get("smtp")
    if isinstance(smtp, dict) and "password_file" in smtp:
        smtp["password_file"] = str(base / Path(str(smtp["password_file"])).expanduser())
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
        settings = Settings(**_resolve(path.resolve().parent, data))
    except ValidationError as exc:
        raise describe_validation_error(exc, path, data) from exc
    settings._file = str(path)
    return settings
