"""Accounts tests: the loopback SMTP server of the notification tests, abuse limits on demand, mail links."""
from __future__ import annotations

import re

import pytest

from talentbank.notifications.mail import deliver_due_messages

# The real SMTP server on loopback (aiosmtpd) and the per-test mail settings.
from ..notifications.conftest import mail_config, smtp_server  # noqa: F401  (fixtures)

LINK = re.compile(r"https://talentbank\.test(/\S+)")


@pytest.fixture
def limits(app):
    """Abuse limits on for one test, from fresh counts; ``limits(RATELIMIT_LOGIN="3 per minute")`` sets numbers."""
    from talentbank.extensions import limiter

    saved = {key: value for key, value in app.config.items() if key.startswith("RATELIMIT_")}
    app.config["RATELIMIT_ENABLED"] = True
    limiter.reset()

    def configure(**values: str) -> None:
        app.config.update(values)

    yield configure
    app.config.update(saved)
    limiter.reset()


def mailed_links(server, address: str) -> list[str]:
    """Send what waits in the outbox through the SMTP server; the paths of the links ``address`` was sent."""
    deliver_due_messages()
    return [m for mail in server.mailbox.to(address) for m in LINK.findall(mail.get_content())]


def mails_to(server, address: str) -> list:
    deliver_due_messages()
    return server.mailbox.to(address)
