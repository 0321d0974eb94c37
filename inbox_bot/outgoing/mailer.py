"""Sends mail over SMTP: the only smtplib user.

The SMTP transaction is driven step by step (MAIL, RCPT, DATA, the message, the final reply) so that a failure
says whether the message may have been delivered:

- `retry`: refused for now (4xx) or the connection failed before the message was handed over: safe to resend;
- `refused`: refused for good (5xx): resending would only be refused again;
- `unknown`: the message was handed over but the server's answer was lost (timeout, disconnection): it may
  have been delivered, so it must not be resent blindly.

The password is read when the connection opens (inbox_bot.config.secrets), from the environment variable or the
file the settings name, and is held only as a SecretStr: it is never logged, nor part of any error message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from types import TracebackType
from typing import Literal, Self

from inbox_bot.config.secrets import read_password
from inbox_bot.config.settings import SmtpSettings
from inbox_bot.core.errors import DeliveryError
from inbox_bot.core.reasons import Cause

log = logging.getLogger(__name__)

Outcome = Literal["retry", "refused", "unknown"]


class DeliveryFailed(DeliveryError):
    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome,
        connection: bool = False,
        fix: str | None = None,
        cause: Cause = Cause.NETWORK,
    ) -> None:
        super().__init__(message, fix=fix)
        self.outcome = outcome
        self.connection = connection  # the server could not be reached or refused us: no message was attempted
        self.cause = cause  # why, for the mailbox's health (status, digest, alert)


class Mailer:
    """One SMTP connection, opened at the first send and kept for the batch. Use as a context manager."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def connect(self) -> None:
        """Open and authenticate the connection now; DeliveryFailed(connection=True) when it cannot be."""
        if self._smtp is not None:
            return
        where = f"{self.settings.host}:{self.settings.effective_port()}"
        try:
            self._smtp = self._open()
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(
                f"SMTP server {where} refused the login of {self.settings.username!r} ({exc.smtp_code})",
                outcome="retry",
                connection=True,
                fix="check smtp.username and the password (an app password may have expired)",
                cause=Cause.AUTH,
            ) from exc
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryFailed(
                f"cannot reach SMTP server {where}: {type(exc).__name__}: {exc}", outcome="retry", connection=True
            ) from exc

    def _open(self) -> smtplib.SMTP:
        settings, timeout = self.settings, self.settings.timeout.total_seconds()
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.effective_port(), timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.effective_port(), timeout=timeout)
        try:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            password = read_password(settings)
            if settings.username and password is not None:
                smtp.login(settings.username, password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, mail_from: str, rcpt: Sequence[str], message: bytes) -> None:
        """Hand one message over; raise DeliveryFailed saying whether it may have been delivered."""
        self.connect()
        assert self._smtp is not None
        try:
            self._envelope(self._smtp, mail_from, rcpt)
            code, reply = self._smtp.docmd("DATA")
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryFailed(f"SMTP connection lost before the message: {exc}", outcome="retry") from exc
        if code != 354:
            self._reset()
            raise self._refusal(code, reply, "DATA")
        self._data(self._smtp, message)

    def _envelope(self, smtp: smtplib.SMTP, mail_from: str, rcpt: Sequence[str]) -> None:
        code, reply = smtp.mail(mail_from)
        if code != 250:
            self._reset()
            raise self._refusal(code, reply, f"MAIL FROM:<{mail_from}>")
        for address in rcpt:
            code, reply = smtp.rcpt(address)
            if code not in (250, 251):
                self._reset()
                raise self._refusal(code, reply, f"RCPT TO:<{address}>", recipient=True)

    def _data(self, smtp: smtplib.SMTP, message: bytes) -> None:
        try:
            smtp.send(dot_stuffed(message))
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            # The message may be queued on the server already: only a person can tell.
            self._drop()
            raise DeliveryFailed(
                f"the SMTP server's answer to the message was lost ({type(exc).__name__}: {exc})", outcome="unknown"
            ) from exc
        if code != 250:
            raise self._refusal(code, reply, "the message")

    def _refusal(self, code: int, reply: bytes, step: str, *, recipient: bool = False) -> DeliveryFailed:
        text = reply.decode("utf-8", "replace")[:300]
        outcome: Outcome = "refused" if 500 <= code < 600 else "retry"
        message = f"SMTP server refused {step}: {code} {text}"
        return DeliveryFailed(message, outcome=outcome, cause=refusal_cause(code, recipient=recipient))

    def _reset(self) -> None:
        try:
            assert self._smtp is not None
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def refusal_cause(code: int, *, recipient: bool) -> Cause:
    """RFC 5321 reply codes: 452/552 storage (a full mailbox, a message too big), other 4xx for now."""
    if code in (452, 552):
        return Cause.QUOTA
    if code in (530, 534, 535, 538):
        return Cause.AUTH
    if code < 500:
        return Cause.SERVER
    return Cause.RECIPIENT if recipient else Cause.REFUSED


def dot_stuffed(message: bytes) -> bytes:
    """The DATA payload: CRLF line ends, a leading dot doubled (RFC 5321 4.5.2), and the final <CRLF>.<CRLF>."""
    lines = message.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    body = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    return body + b"\r\n.\r\n"
