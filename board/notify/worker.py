"""The delivery worker: sends the outbox's due messages by email (SMTP) and to chat channels (webhooks) and records
each outcome, runs the scheduled jobs first, and forgets old delivered rows.

Exactly once, as far as a crash allows: a due row is claimed in a transaction (state 'sending' with a lease), sent
outside it, and its outcome recorded at once, message by message. A process killed between sending and recording
leaves one row claimed; when the lease ends it is sent again, with the same Message-ID (built from the row's
key), which mail systems use to drop the copy. A failure is retried with backoff, then shown to admins as
'failed'. One server delivers at a time: each run first takes the store's leadership lock ("notify")."""

from __future__ import annotations

import functools
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from board.clock import utcnow
from board.feedback import counts as summaries
from board.i18n import using
from board.morale import rollup
from board.notify import events, kinds, messages, schedule, tokens
from board.notify.config import NotifyConfig
from board.notify.outbox import default_locale, locale_of
from board.org import retention
from board.org import settings as org_settings
from board.store import Conn, Database, first_line

log = logging.getLogger(__name__)

BATCH = 100
MAX_BATCHES = 20  # per run: a backlog drains over a few runs instead of holding the leadership for long
LEASE = timedelta(minutes=15)  # a claimed row is sent again only after this (its sender must have died)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
MAX_ATTEMPTS = len(BACKOFF) + 1  # the sixth failure gives up: 'failed', for an admin to retry
KEEP = timedelta(days=org_settings.Settings().outbox_kept_days)  # done rows are kept this long unless an admin chose
FORGOTTEN_WHEN_DONE = ("pulse_reminder",)  # deleted once sent: nobody can list who was reminded to answer
SMTP_TIMEOUT_S = 30
HTTP_TIMEOUT = httpx.Timeout(10.0)
ERROR_MAX = 300  # characters of last_error
COUNTS = ("sent", "retried", "failed", "local", "skipped")

DUE = """
SELECT o.id, o.key, o.person_id, o.hook_id, o.kind, o.subject, o.body, o.link, o.attempts,
       p.name, p.email, p.role, p.active, p.locale, pref.mode AS chosen, h.service, h.url
FROM outbox o
LEFT JOIN people p ON p.id = o.person_id
LEFT JOIN notification_preferences pref ON pref.person_id = o.person_id AND pref.kind = o.kind
LEFT JOIN chat_hooks h ON h.id = o.hook_id
WHERE o.mode = 'now'
  AND ((o.state = 'pending' AND o.next_at <= ?) OR (o.state = 'sending' AND o.claimed_until < ?))
ORDER BY o.next_at, o.id
LIMIT ?
"""


# --- claiming ------------------------------------------------------------------------------------------------------

def _fate(row: Mapping[str, Any], config: NotifyConfig) -> str:
    """What becomes of a due row without sending anything: 'skipped' (the person left, has no address, or no
    longer receives that kind: chose never since, or changed role), 'local' (an email with no mail server
    configured: kept for Admin > Outbox), else 'send'."""
    if row["person_id"] is not None:
        if not row["active"] or "@" not in (row["email"] or "") \
                or kinds.mode_for(row["role"], row["kind"], row["chosen"]) == "never":
            return "skipped"
        return "send" if config.smtp_host else "local"
    return "send" if row["service"] in ("slack", "teams") and row["url"] else "skipped"


def _claim(con: Conn, config: NotifyConfig, now: datetime, limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """In one transaction: the due rows to send, marked 'sending' until now + LEASE, each with the `language` its
    email's own words are written in (the recipient's; a chat post's, the organisation's); the rest settled at
    once."""
    rows = con.rows(DUE, (now, now, limit))
    settled = {"local": 0, "skipped": 0}
    to_send = []
    default = default_locale(con) if rows else ""
    for row in rows:
        fate = _fate(row, config)
        if fate == "send":
            to_send.append({**row, "language": locale_of(row["locale"], default)})
            continue
        settled[fate] += 1
        if row["kind"] in FORGOTTEN_WHEN_DONE:
            con.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
        else:
            con.execute("UPDATE outbox SET state = ?, sent_at = ?, claimed_until = NULL WHERE id = ?",
                        (fate, now, row["id"]))
    if to_send:
        con.execute("UPDATE outbox SET state = 'sending', claimed_until = ? WHERE id = ANY(CAST(? AS BIGINT[]))",
                    (now + LEASE, [r["id"] for r in to_send]))
    return to_send, settled


# --- sending -------------------------------------------------------------------------------------------------------

class Undelivered(Exception):
    """A message was not delivered; str() is the one line kept as last_error (no traceback, no secret)."""


class _Mail:
    """One SMTP connection for a batch, opened at its first email. After a connection that failed, the batch's
    other emails fail at once with the same reason instead of each waiting for the timeout."""

    def __init__(self, config: NotifyConfig, smtp: Any = None):
        self.config, self.smtp, self.owned = config, smtp, smtp is None
        self.broken: str | None = None

    def send(self, msg: Any) -> None:
        if self.broken:
            raise Undelivered(self.broken)
        try:
            if self.smtp is None:
                self.smtp = connect(self.config)
            self.smtp.send_message(msg)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise Undelivered(smtp_reason(error)) from error  # that message only: the connection goes on
        except OSError as error:  # smtplib's errors, refused connections, TLS, timeouts
            self.broken = smtp_reason(error, self.config)
            self.close()
            raise Undelivered(self.broken) from error

    def close(self) -> None:
        if self.owned and self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
        if self.owned:
            self.smtp = None


@functools.cache
def tls() -> ssl.SSLContext:
    """The TLS settings of every connection (certificates checked); made once: loading the CA bundle takes 0.1 s."""
    return ssl.create_default_context()


def connect(config: NotifyConfig) -> smtplib.SMTP:
    """A connection to the configured mail server: TLS from the start ("ssl") or after STARTTLS, certificates
    checked; signed in when a user is configured."""
    assert config.smtp_host, "only called with a mail server configured"
    smtp: smtplib.SMTP
    if config.smtp_security == "ssl":
        smtp = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT_S, context=tls())
    else:
        smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT_S)
    try:
        if config.smtp_security == "starttls":
            smtp.starttls(context=tls())
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def smtp_reason(error: BaseException, config: NotifyConfig | None = None) -> str:
    """An SMTP failure in one line a person can act on: what the server answered, or why it was not reached."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (0, b""))
        return f"The mail server refused the address: {code} {_text(text)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server answered {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "The mail server closed the connection."
    where = f" {config.smtp_host}:{config.smtp_port}" if config else ""
    if isinstance(error, ssl.SSLError):
        return f"The secure connection to the mail server{where} failed: {error.reason or first_line(error)}"
    if isinstance(error, TimeoutError):
        return f"The mail server{where} did not answer in time."
    reason = error.strerror if isinstance(error, OSError) else None
    return f"Could not reach the mail server{where}: {reason or first_line(error)}"


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip()


class _Chat:
    """One HTTP client for a batch's chat posts, made at its first post (or the caller's)."""

    def __init__(self, http: httpx.Client | None = None):
        self.http, self.owned = http, http is None

    def post(self, service: str, url: str, payload: dict[str, Any]) -> None:
        if self.http is None:
            self.http = httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False, verify=tls())
        post(self.http, service, url, payload)

    def close(self) -> None:
        if self.owned and self.http is not None:
            self.http.close()
            self.http = None


def post(http: httpx.Client, service: str, url: str, payload: dict[str, Any]) -> None:
    """Post to a chat channel's incoming webhook; a failure names the service and what happened, never the URL
    (it is the channel's secret)."""
    name = {"slack": "Slack", "teams": "Teams"}[service]
    try:
        response = http.post(url, json=payload)
    except httpx.TimeoutException as error:
        raise Undelivered(f"The {name} webhook did not answer in time.") from error
    except httpx.HTTPError as error:
        raise Undelivered(f"The {name} webhook could not be reached ({type(error).__name__}).") from error
    if not response.is_success:
        raise Undelivered(f"The {name} webhook answered HTTP {response.status_code}.")


def _send(row: Mapping[str, Any], config: NotifyConfig, mail: _Mail, chat: _Chat, now: datetime,
          signing_key: Callable[[], bytes]) -> None:
    if row["person_id"] is not None:
        token = tokens.make(row["person_id"], row["kind"], key=signing_key())
        with using(row.get("language")):
            msg = messages.email_message(row, (row["name"], row["email"]), config, token=token, now=now)
        mail.send(msg)
    else:
        with using(row.get("language")):
            payload = messages.chat_payload(row["service"], row, config)
        chat.post(row["service"], row["url"], payload)


# --- recording -----------------------------------------------------------------------------------------------------

def _record(db: Database, row: Mapping[str, Any], lease: datetime, now: datetime, error: str | None) -> str:
    """The outcome of one send, if this worker's claim still holds: 'sent', 'retried' or 'failed'."""
    attempts = row["attempts"] + 1
    ours = "id = ? AND state = 'sending' AND claimed_until = ?"
    params: tuple[Any, ...]
    if error is None:
        outcome = "sent"
        if row["kind"] in FORGOTTEN_WHEN_DONE:
            sql, params = f"DELETE FROM outbox WHERE {ours}", (row["id"], lease)
        else:
            sql = ("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = ?, claimed_until = NULL,"
                   f" last_error = NULL WHERE {ours}")
            params = (now, attempts, row["id"], lease)
    elif attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        sql = f"UPDATE outbox SET state = 'failed', attempts = ?, claimed_until = NULL, last_error = ? WHERE {ours}"
        params = (attempts, error, row["id"], lease)
    else:
        outcome = "retried"
        sql = ("UPDATE outbox SET state = 'pending', attempts = ?, next_at = ?, claimed_until = NULL,"
               f" last_error = ? WHERE {ours}")
        params = (attempts, now + BACKOFF[attempts - 1], error, row["id"], lease)
    db.write(lambda con: con.execute(sql, params), lock=("outbox",))
    return outcome


def _one_line(error: BaseException) -> str:
    text = str(error) if isinstance(error, Undelivered) else f"The message could not be made: {first_line(error)}"
    return " ".join(text.split())[:ERROR_MAX]


def deliver_due(db: Database, config: NotifyConfig, *, now: datetime, limit: int = BATCH, smtp: Any = None,
                http: httpx.Client | None = None) -> dict[str, int]:
    """Send up to `limit` due messages and record each outcome; counts of sent, retried, failed, local and skipped.
    `smtp` (an open connection) and `http` (a client) are the caller's to close; without them one SMTP connection
    and one HTTP client serve the batch."""
    to_send, settled = db.write(lambda con: _claim(con, config, now, limit), lock=("outbox",))
    counts = dict.fromkeys(COUNTS, 0) | settled
    if not to_send:
        return counts
    lease, mail, chat = now + LEASE, _Mail(config, smtp), _Chat(http)
    # The key that signs unsubscribe links, read once per batch: on PostgreSQL a shared secret is required
    # (StoreError otherwise, recorded as each row's error), so no server signs links the others cannot check.
    signing_key = functools.cache(lambda: config.secret.encode() if config.secret else tokens.secret_key(db.dialect))
    try:
        for row in to_send:
            try:
                _send(row, config, mail, chat, now, signing_key)
                error = None
            except Exception as failure:  # one message's failure never stops the batch
                error = _one_line(failure)
            counts[_record(db, row, lease, now, error)] += 1
    finally:
        mail.close()
        chat.close()
    return counts


# --- runs ----------------------------------------------------------------------------------------------------------

def prune(db: Database, *, now: datetime) -> int:
    """Forget rows done with (sent, kept locally, skipped, failed) longer ago than the organisation keeps them
    (settings.outbox_kept_days, by default KEEP), and the items a daily digest carried once that digest is forgotten;
    how many rows were deleted. Waiting rows stay."""
    def work(con: Conn) -> int:
        cutoff = now - timedelta(days=org_settings.load_in(con).outbox_kept_days)
        done = "state IN ('sent', 'skipped', 'local', 'failed') AND coalesce(sent_at, created_at) < ?"
        carried = "state = 'digested' AND NOT EXISTS (SELECT 1 FROM outbox d WHERE d.id = outbox.digest_id)"
        n = con.scalar(f"SELECT count(*) FROM outbox WHERE {done}", (cutoff,)) or 0
        if n:
            con.execute(f"DELETE FROM outbox WHERE {done}", (cutoff,))
        m = con.scalar(f"SELECT count(*) FROM outbox WHERE {carried}") or 0
        if m:
            con.execute(f"DELETE FROM outbox WHERE {carried}")
        return int(n + m)

    return db.write(work, lock=("outbox",))


def run_once(db: Database, config: NotifyConfig, *, now: datetime) -> dict[str, int]:
    """One run: the messages of the events that left them to the worker, the scheduled jobs whose time has come
    (digests, reminders), then every due message (in batches), then forgetting old rows, merging the rows the
    dashboards' summaries gained since the last run (board.feedback.counts), keeping again the pulse periods'
    morale figures that a new unit or minimum group size made stale (board.morale.rollup), and once a day the
    retention purge (board.org.retention). Counts of what was told, scheduled, delivered, pruned, compacted, kept
    again and purged. A failing job is logged and delivery goes on: what is already in the outbox is never held
    up by a digest."""
    counts = {"told": 0, "scheduled": 0, "compacted": 0, "morale": 0, **dict.fromkeys(COUNTS, 0)}
    try:
        counts["told"] = events.fan_out(db)
    except Exception:
        log.exception("Writing the messages of recent events failed; they wait for the next run")
    try:
        counts["scheduled"] = sum(schedule.run_due(db, now=now).values())
    except Exception:
        log.exception("The scheduled notifications failed; delivering the outbox all the same")
    for _ in range(MAX_BATCHES):
        done = deliver_due(db, config, now=now)
        for name, n in done.items():
            counts[name] += n
        if sum(done.values()) < BATCH:
            break
    counts["pruned"], counts["purged"] = prune(db, now=now), 0
    try:
        counts["compacted"] = summaries.compact(db)
    except Exception:
        log.exception("Merging the dashboards' new summary rows failed; they are read as they are until next run")
    try:
        counts["morale"] = rollup.refresh(db)
    except Exception:
        log.exception("Keeping the pulse periods' morale figures again failed; the dashboards count them meanwhile")
    try:
        counts["purged"] = sum(retention.purge_due(db, now=now).values())
    except Exception:
        log.exception("The daily retention purge failed; the next run tries again")
    return counts


def run_led(db: Database, config: NotifyConfig, *, now: datetime) -> dict[str, int] | None:
    """run_once if this process leads delivery now (one server at a time); None when another one does."""
    with db.leader("notify") as leading:
        return run_once(db, config, now=now) if leading else None


def summary(counts: dict[str, int] | None) -> str:
    """One line for a run, for the command line's output."""
    if counts is None:
        return "another server is delivering; nothing done here"
    return (f"{counts['scheduled']} scheduled, {counts['sent']} sent, {counts['retried']} to retry, "
            f"{counts['failed']} failed, {counts['local']} kept in the local outbox, {counts['skipped']} skipped, "
            f"{counts['pruned']} old rows forgotten, {counts['purged']} purged under the retention rules, "
            f"{counts['compacted']} new dashboard summary rows merged, "
            f"{counts['morale']} pulse periods' morale figures counted again")


def loop(open_store: Callable[[], Database], config: NotifyConfig, *, stop: threading.Event,
         clock: Callable[[], datetime] = utcnow, report: Callable[[dict[str, int] | None], None] | None = None) -> None:
    """Run every config.interval_seconds until `stop` is set. An error is logged and the next run tries again:
    delivery never takes the app server down with it."""
    while not stop.is_set():
        try:
            counts = run_led(open_store(), config, now=clock())
        except Exception:
            log.exception("Notification delivery failed; trying again in %s s", config.interval_seconds)
        else:
            if report is not None:
                report(counts)
        stop.wait(config.interval_seconds)


class Worker:
    """Delivery in the background of an app server: a thread running `loop` until stop()."""

    def __init__(self, open_store: Callable[[], Database], config: NotifyConfig, *,
                 clock: Callable[[], datetime] = utcnow):
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=loop, args=(open_store, config), name="board-notify", daemon=True,
                                        kwargs={"stop": self._stopping, "clock": clock})

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for its run in progress to end."""
        self._stopping.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


def start(open_store: Callable[[], Database], *, environ: Mapping[str, str] | None = None) -> Worker | None:
    """The app server's worker, started with the configuration (board.notify.config.load); None, with the
    reason logged, when the configuration is not valid: the app serves on, and nothing is sent."""
    from board.errors import Invalid
    from board.notify import config as notify_config

    try:
        config = notify_config.load() if environ is None else notify_config.load(environ)
    except Invalid as error:
        log.error("Notifications are not delivered: %s %s", error,
                  "; ".join(f"{where}: {message}" for where, message in error.errors.items()))
        return None
    return Worker(open_store, config).start()
