"""Sending a composed report: SMTP (STARTTLS, implicit TLS or plain) or a Maildir; backoff.

Transports take values, not settings (:func:`transport_from_config` maps the settings), and
raise :class:`~archive.errors.DeliveryError` with ``permanent`` set when retrying cannot help.

Which failures are permanent: a 5xx reply to the message itself (the sender, a recipient or
the data refused) is, and the report is marked failed.  A 4xx reply, a refused or dropped
connection, a timeout and a TLS error are temporary.  A failed login and a server without
STARTTLS are temporary too, although the server answers 5xx: they concern the configuration,
not this report, and a fixed setting should still deliver what was queued meanwhile.

The one rule that keeps reports exactly-once: the transport returns as soon as the server has
accepted the message, and nothing that happens afterwards (a failed QUIT, a dropped
connection) can turn that acceptance into an error that would cause a resend.
"""

from __future__ import annotations

import logging
import mailbox
import smtplib
import ssl
from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from archive.config import Config
from archive.errors import ConfigError, DeliveryError

logger = logging.getLogger(__name__)

#: The longest wait between two tries of a report: a mail server down for a day is retried
#: every six hours rather than once a week.
MAX_RETRY_DELAY = timedelta(hours=6)


class Security(StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (submission, port 587)
    SSL = "ssl"  # implicit TLS from the first byte (submissions, port 465)
    NONE = "none"  # no TLS at all: a local relay only


DEFAULT_PORTS = {Security.STARTTLS: 587, Security.SSL: 465, Security.NONE: 25}


class Transport(Protocol):
    """Something that delivers one message or raises ``DeliveryError``."""

    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> None: ...


class SMTPTransport:
    """Delivery through an SMTP server, one connection per message."""

    def __init__(
        self,
        host: str,
        port: int = 0,
        *,
        security: Security = Security.STARTTLS,
        user: str = "",
        password: str = "",
        timeout_s: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.user = user
        self.password = password
        self.timeout_s = timeout_s
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> None:
        """Deliver ``message``; returns once the server has accepted it.

        Raises:
            DeliveryError: refused (``permanent`` on a 5xx reply to the message) or failed.
        """
        where = f"{self.host}:{self.port}"
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"cannot connect to {where}: {_describe(exc)}") from exc
        try:
            self._greet(smtp, where)
            smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"{where} refused the recipient: {_describe(exc)}",
                permanent=all(500 <= code < 600 for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"{where} refused the message: {_describe(exc)}",
                permanent=500 <= exc.smtp_code < 600,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"sending through {where} failed: {_describe(exc)}") from exc
        finally:
            _quit(smtp)

    def _connect(self) -> smtplib.SMTP:
        if self.security is Security.SSL:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_s, context=self.tls_context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)

    def _greet(self, smtp: smtplib.SMTP, where: str) -> None:
        """EHLO, STARTTLS and login: failures here are about the configuration (temporary)."""
        try:
            smtp.ehlo()
            if self.security is Security.STARTTLS:
                smtp.starttls(context=self.tls_context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{where}: {_describe(exc)}") from exc


class MaildirTransport:
    """The embedded default: every report becomes a file in a Maildir (``new/``).

    ``mailbox.Maildir`` writes into ``tmp/`` and renames into ``new/``, so a reader never sees
    half a message.  A ``Delivered-To`` line says which subscriber a file was meant for.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> None:
        try:
            box = mailbox.Maildir(self.path, create=True)
            trace = f"Return-Path: <{sender}>\n" + "".join(
                f"Delivered-To: {rcpt}\n" for rcpt in recipients
            )
            data = message.as_bytes(policy=message.policy.clone(linesep="\n"))
            box.add(trace.encode("ascii", "replace") + data)
        except OSError as exc:
            raise DeliveryError(f"cannot write to the Maildir {self.path}: {exc}") from exc


def transport_from_config(config: Config) -> Transport:
    """SMTP when ``smtp_host`` is set, else the Maildir in the data directory.

    Raises:
        ConfigError: an unknown ``smtp_security``.
    """
    if not config.smtp_host:
        return MaildirTransport(maildir_path(config))
    try:
        security = Security(config.smtp_security.strip().lower())
    except ValueError:
        choices = ", ".join(s.value for s in Security)
        raise ConfigError(
            f"setting smtp_security: {config.smtp_security!r} is not one of {choices}"
        ) from None
    return SMTPTransport(
        config.smtp_host,
        config.smtp_port,
        security=security,
        user=config.smtp_user,
        password=config.smtp_password,
        timeout_s=config.smtp_timeout_s,
    )


def maildir_path(config: Config) -> Path:
    """Where the Maildir transport writes: ``Maildir`` in the data directory."""
    return config.data_dir / "Maildir"


def retry_delay(attempts: int, *, base_s: float) -> timedelta:
    """The wait after the ``attempts``-th failed try: ``base_s`` doubled per try, capped.

    >>> [retry_delay(n, base_s=60).total_seconds() for n in (1, 2, 3, 4)]
    [60.0, 120.0, 240.0, 480.0]
    >>> retry_delay(30, base_s=60) == MAX_RETRY_DELAY
    True
    """
    exponent = min(max(attempts - 1, 0), 32)  # 2**32 minutes is already past the cap
    return min(timedelta(seconds=base_s * 2**exponent), MAX_RETRY_DELAY)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a failure here changes nothing about what was accepted."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
