"""What is sent for an outbox row: an email (plain text with an HTML alternative, from the Jinja2 templates beside
this module) or a chat post (Slack or Microsoft Teams incoming webhook). The row's text is plain text written for
people; it is escaped wherever it lands in markup, so nothing a person typed ever becomes a link or a tag.

The fixed words of an email or a post (greeting, buttons, footer) are in the current language: the worker sends
each email in its recipient's (board.i18n.using) and each post in the organisation's; the row's own text was
written in that language when the row was made."""

from __future__ import annotations

import email.policy
import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2

from board import i18n
from board.clock import utcnow
from board.i18n import _
from board.notify import kinds, tokens
from board.notify.config import NotifyConfig

APP = "Frontline Board"
CHAT_BODY_MAX = 3000  # characters of a row's text in a chat post; the link leads to the rest
_ID_SAFE = re.compile(r"[A-Za-z0-9-]")
_MARKDOWN = re.compile(r"([\\`*_\[\]()#|~])")
# Headers set as they are (set_raw) are written as they are: a List-Unsubscribe URL longer than a line would
# otherwise be folded into an RFC 2047 encoded word, which mail programs do not read as a URL.
POLICY = email.policy.default.clone(refold_source="none")


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    """The email templates; HTML ones escape every value (autoescape), text ones are left as written."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("board.notify", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def message_id(key: str, config: NotifyConfig) -> str:
    """The Message-ID of the email for the outbox row `key`: the same every time it is built, so a copy sent again
    after a crash carries it too and mail systems drop it. The key is encoded reversibly (a distinct key never
    shares an id) into the characters a Message-ID allows."""
    encoded = "".join(ch if _ID_SAFE.fullmatch(ch) else "".join(f"={b:02X}" for b in ch.encode())
                      for ch in key)
    return f"<board.{encoded}@{_domain(config)}>"


def _domain(config: NotifyConfig) -> str:
    host = urlsplit(config.base_url).hostname or ""
    return host if re.fullmatch(r"[A-Za-z0-9.-]+", host) else "localhost"


def one_line(text: str) -> str:
    """Text for a header: one line (a line break in a title never starts a new header), spaces squeezed."""
    return " ".join(str(text).split())


def unsubscribe_url(token: str, config: NotifyConfig) -> str:
    return f"{config.base_url.rstrip('/')}/unsubscribe?token={quote(token, safe='')}"


# Links into the app written in a message's text ("suggestion?id=12", or a line that is only "triage"): made
# absolute on the app's address when the message is sent, so they can be followed from a mail program or a chat.
APP_LINK = re.compile(r"(?<![\w/?=.])(?:suggestion|minutes|action|review)\?id=\d+\b"
                      r"|^(?:triage|my_actions|pulse|review|inbox)$", re.MULTILINE)


def absolute_links(text: str, config: NotifyConfig) -> str:
    """`text` with each link into the app made absolute (board.notify.config.NotifyConfig.url)."""
    return APP_LINK.sub(lambda found: config.url(found[0]) or found[0], text)


def email_message(row: Mapping[str, Any], recipient: tuple[str, str], config: NotifyConfig, *,
                  token: str | None = None, now: datetime | None = None) -> EmailMessage:
    """The email for an outbox row to a person (name, address): From, To, Subject, a stable Message-ID, a text
    part and its HTML alternative, and a one-click unsubscribe from that kind (RFC 8058) with a signed token
    (board.notify.tokens, unless `token` is given)."""
    if token is None:
        token = tokens.make(row["person_id"], row["kind"], key=config.secret.encode() if config.secret else None)
    name, address = recipient
    stop = unsubscribe_url(token, config)
    row = {**row, "body": absolute_links(row["body"], config)}
    link, reason = config.url(row["link"]), _reason(row["kind"])
    context = {"app": APP, "org_name": config.org_name, "name": name, "subject": one_line(row["subject"]),
               "body": row["body"].strip(), "paragraphs": _paragraphs(row["body"]), "link": link,
               "reason": reason, "unsubscribe_url": stop, "lang": _language_tag(),
               # the fixed words, in the current language (the templates hold none of their own)
               "hello": _("Hello {name},", name=name), "open_it": _("Open it in {app}", app=APP),
               "open_it_at": _("Open it in {app}: {link}", app=APP, link=link),
               "copy_address": _("Or copy this address into your browser: {link}", link=link),
               "because": (_("You receive this email because of your notification choices: “{reason}”. You can"
                             " change them under My account.", reason=reason) if reason else
                           _("You receive this email because of your notification choices. You can change them"
                             " under My account.")),
               "stop": _("Stop these emails"),
               "stop_at": _("Stop these emails with one click: {url}", url=stop)}
    msg = EmailMessage(policy=POLICY)
    msg["From"] = config.sender
    msg["To"] = Address(display_name=one_line(name), addr_spec=address)
    msg["Subject"] = context["subject"]
    msg["Date"] = format_datetime((now or utcnow()).replace(tzinfo=UTC))
    msg["Message-ID"] = message_id(row["key"], config)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the board
    msg.set_raw("List-Unsubscribe", f"<{stop}>")  # as is: see POLICY
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(_templates().get_template("email.txt").render(context))
    msg.add_alternative(_templates().get_template("email.html").render(context), subtype="html")
    return msg


def _paragraphs(body: str) -> list[list[str]]:
    """The body's paragraphs (split at blank lines), each a list of its lines: the HTML keeps the text's shape."""
    blocks = re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip())
    return [block.split("\n") for block in blocks if block.strip()]


def _reason(kind: str) -> str | None:
    """What the person chose to hear about, in words (the current language), for the footer."""
    return _(kinds.KINDS[kind]) if kind in kinds.KINDS else None


def _language_tag() -> str:
    """The current language as HTML's lang attribute names it (the pseudo-locale is English)."""
    return i18n.babel_locale().language


def _chat_body(row: Mapping[str, Any], config: NotifyConfig) -> str:
    body = absolute_links(row["body"].strip(), config)
    return body if len(body) <= CHAT_BODY_MAX else body[:CHAT_BODY_MAX].rstrip() + " …"


def chat_payload(service: str, row: Mapping[str, Any], config: NotifyConfig) -> dict[str, Any]:
    """The JSON to post to a chat channel's incoming webhook: Slack {"text": ...} (mrkdwn, with &, < and >
    escaped so a title cannot ping @channel or hide a link) or a Teams MessageCard (markdown escaped)."""
    link = config.url(row["link"])
    subject = one_line(row["subject"])
    if service == "slack":
        text = f"*{_slack(subject)}*\n{_slack(_chat_body(row, config))}"
        if link:
            text += f"\n<{_slack_url(link)}|{_slack(_('Open in {app}', app=APP))}>"
        return {"text": text}
    if service == "teams":
        text = _markdown(_chat_body(row, config)).replace("\n", "\n\n")
        card: dict[str, Any] = {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                                "summary": subject, "title": _markdown(subject), "text": text}
        if link:
            open_in = _("Open in {app}", app=APP)
            card["text"] += f"\n\n[{_markdown(open_in)}]({link})"
            card["potentialAction"] = [{"@type": "OpenUri", "name": open_in,
                                        "targets": [{"os": "default", "uri": link}]}]
        return card
    raise ValueError(f"unknown chat service {service!r}")


def _slack(text: str) -> str:
    """Slack's own escaping of message text (its control sequences are <...>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    return url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")


def _markdown(text: str) -> str:
    """Text shown as itself in a Teams card: HTML escaped and markdown's special characters backslashed."""
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
