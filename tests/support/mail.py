"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread) that keeps every message it accepts, or refuses every
recipient with a reply of the test's choosing. `with smtp_server() as box:` starts it on a free port."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller


class Mailbox:
    """The aiosmtpd handler: what the server received, in order. `refuse` (e.g. "550 5.1.1 Mailbox unavailable")
    answers every RCPT TO with that reply instead of accepting it."""

    def __init__(self, refuse: str | None = None):
        self.refuse = refuse
        self.host, self.port = "127.0.0.1", 0
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # each message as it arrived
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TOs) of each accepted message
        self.refused = 0  # RCPT TOs refused
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            with self._lock:
                self.refused += 1
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.raw.append(envelope.content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(str(m["Message-ID"]) for m in self.received())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(refuse: str | None = None, *, box: Mailbox | None = None) -> Iterator[Mailbox]:
    """A started SMTP server on 127.0.0.1 (its port in box.port), stopped at the end; `box` is a handler of the
    caller's (a Mailbox subclass) instead of a new Mailbox."""
    box = box or Mailbox(refuse)
    for attempt in range(5):  # another process may take the free port between finding and binding it
        box.port = free_port()
        controller = Controller(box, hostname="127.0.0.1", port=box.port)
        try:
            controller.start()
            break
        except OSError:
            if attempt == 4:
                raise
    try:
        yield box
    finally:
        controller.stop()
