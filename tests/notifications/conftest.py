"""A real SMTP server on loopback (aiosmtpd) and a way to point the app at it for one test."""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the server received, and answers it should give (to play a refusing server)."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> SMTP answer
    defer_data_once: set[str] = field(default_factory=set)  # addresses answered 451 on their first DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        deferred = self.defer_data_once & set(envelope.rcpt_tos)
        if deferred:
            self.defer_data_once -= deferred
            return "451 4.3.0 Temporary failure, try again later"
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for _sender, rcpts, message in self.received if address in rcpts]


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int, credentials: tuple[str, str] | None = None) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self.credentials = credentials
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.credentials is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials)
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    def start(self) -> None:
        options = {}
        if self.credentials:
            options = dict(authenticator=self._authenticate, auth_require_tls=False, auth_required=True)
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_config(app):
    """Set mail settings on the (session-wide) app for one test; everything is put back afterwards."""
    saved: dict[str, object] = {}

    def configure(**values: object) -> None:
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield configure
    app.config.update(saved)


@pytest.fixture
def smtp_server(mail_config):
    """A running loopback SMTP server, with the app configured to send through it (no TLS)."""
    server = SmtpServer(free_port())
    server.start()
    mail_config(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none", SMTP_USER=None, SMTP_PASSWORD=None,
                MAIL_FROM="専門人材バンク <no-reply@talentbank.test>", SMTP_TIMEOUT_SECONDS=5,
                PUBLIC_BASE_URL="https://talentbank.test")
    yield server
    server.stop()
