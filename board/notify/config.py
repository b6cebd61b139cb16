"""Where notifications go: the mail server, the sender, the app's address, from environment variables or the
[notify] section of .streamlit/secrets.toml (the variables win). Without a mail server every email is kept in the
app's local outbox (Admin > Outbox) instead of being sent."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from board.errors import Invalid

SECRETS_FILE = Path(".streamlit/secrets.toml")
SECURITY = ("none", "starttls", "ssl")

# setting -> its environment variable (the [notify] key is the setting's name)
ENV = {
    "smtp_host": "BOARD_SMTP_HOST",
    "smtp_port": "BOARD_SMTP_PORT",
    "smtp_user": "BOARD_SMTP_USER",
    "smtp_password": "BOARD_SMTP_PASSWORD",
    "smtp_security": "BOARD_SMTP_SECURITY",
    "sender": "BOARD_MAIL_FROM",
    "base_url": "BOARD_BASE_URL",
    "org_name": "BOARD_ORG_NAME",
    "interval_seconds": "BOARD_NOTIFY_INTERVAL",
    "secret": "BOARD_NOTIFY_SECRET",
}


@dataclass(frozen=True)
class NotifyConfig:
    """The settings of delivery; the password and the secret never appear in its repr (logs, tracebacks)."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "none"  # "none", "starttls" or "ssl"
    sender: str = "Frontline Board <board@localhost>"
    base_url: str = "http://localhost:8501"
    org_name: str = "Frontline Board"
    interval_seconds: float = 30
    secret: str | None = field(default=None, repr=False)

    def url(self, link: str | None) -> str | None:
        """A link into the app ("suggestion?id=7") made absolute on base_url; None for no link or anything that is
        not a path inside the app (a message never sends people to another site)."""
        if not link:
            return None
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or "\\" in link:
            return None
        return f"{self.base_url.rstrip('/')}/{link.lstrip('/')}"


def load(environ: Mapping[str, str] = os.environ, secrets_file: Path = SECRETS_FILE) -> NotifyConfig:
    """The configuration: each environment variable over its [notify] key, over the default. A value that makes
    no sense is refused with the setting named (Invalid), rather than mail silently going nowhere."""
    values: dict[str, Any] = {k: v for k, v in _secrets(secrets_file).items() if k in ENV}
    values.update({name: environ[var] for name, var in ENV.items() if environ.get(var, "").strip()})
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    errors: dict[str, str] = {}
    for name, kind, low in (("smtp_port", int, 1), ("interval_seconds", float, 1)):
        if name in values:
            try:
                values[name] = kind(values[name])
                if not low <= values[name] <= (65535 if name == "smtp_port" else 86400):
                    raise ValueError
            except (TypeError, ValueError):
                errors[ENV[name]] = _RANGE[name]
    if str(values.get("smtp_security", "none")).lower() not in SECURITY:
        errors[ENV["smtp_security"]] = "Choose none, starttls or ssl."
    elif "smtp_security" in values:
        values["smtp_security"] = values["smtp_security"].lower()
    if "sender" in values and "@" not in parseaddr(str(values["sender"]))[1]:
        errors[ENV["sender"]] = "Give the sender as an email address, e.g. Frontline Board <board@example.org>."
    if "base_url" in values and urlsplit(str(values["base_url"])).scheme not in ("http", "https"):
        errors[ENV["base_url"]] = "Give the app's address as people open it, e.g. https://board.example.org."
    if errors:
        raise Invalid(errors, "The notification settings are not valid.")
    if "smtp_port" not in values and values.get("smtp_security") == "ssl":
        values["smtp_port"] = 465
    values = {k: v for k, v in values.items() if v != ""}
    return NotifyConfig(**values)


_RANGE = {
    "smtp_port": "Give the mail server's port as a number from 1 to 65535.",
    "interval_seconds": "Give the seconds between delivery runs as a number from 1 to 86400.",
}


def _secrets(path: Path) -> dict[str, Any]:
    """The [notify] section of the secrets file, or nothing if there is no such file or section."""
    try:
        with path.open("rb") as f:
            section = tomllib.load(f).get("notify", {})
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise Invalid({str(path): f"The file is not valid TOML: {error}."},
                      "The notification settings are not valid.") from error
    return section if isinstance(section, dict) else {}
