"""One logging guard: no inventory secret and no config secret reaches a log handler.

Nornir logs every task's arguments at INFO (a deploy's ``config=``), netmiko and scrapli log
each command they send and each chunk they read at DEBUG, pyeapi logs whole eAPI requests and
responses (running configs), and a traceback may quote config lines. The guard cleans every
record of those libraries (``GUARDED``, children included) as it is created: the message with
its arguments, the traceback and the stack, with the inventory's secret values redacted
(``Redactor``) and config secrets sanitised for every platform (``diff.sanitize``).

Why a record factory: a filter on a logger runs only for records logged to that very logger,
not for those its children (``nornir.core.task``, ``scrapli.channel``, ...) pass up to its
handlers, and a filter on handlers misses every handler added later (Nornir adds its file
handler in InitNornir, a user's dictConfig may come at any time). Every record of every logger
is built by the one ``logging.getLogRecordFactory()`` before any filter or handler sees it, so
the guard wraps that factory: it is installed when the command runs, when ``load_nornir``
builds Nornir, and when ``nornir_pack.tasks`` is imported (before a user's first
``nr.run(task=..., config=...)`` logs its arguments), and again whenever a task starts.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .diff import REDACTED, dialect, sanitize
from .platforms import SUPPORTED_PLATFORMS
from .redaction import MIN_SECRET_LENGTH, Redactor, host_secrets, inventory_secrets

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Host

# Top-level names of the loggers whose records are cleaned (with every child logger).
GUARDED = frozenset(
    {
        "nornir",
        "nornir_pack",
        "nornir_napalm",
        "nornir_netmiko",
        "nornir_scrapli",
        "nornir_utils",
        "netmiko",
        "scrapli",
        "scrapli_cfg",
        "napalm",
        "paramiko",
        "asyncssh",
        "pyeapi",
        "scp",
    }
)
# Device sessions logged a chunk at a time as they are read (logger -> message prefix). A
# chunk may begin in the middle of a config line, after the words that say a secret follows.
CHANNEL_READS = {"netmiko": "read_channel: ", "scrapli": "read: "}
CARRY_LIMIT = 4096  # longest partial line kept to judge the next chunk by
SESSIONS = 4096  # sessions whose partial line is kept (a run reads fewer at once)
SHORT = 512  # texts up to this long are sanitised once and remembered (a pure function)
WITHHELD = "<log record withheld: it could not be cleaned of secrets>"
GUARD_MARK = "nornir_pack_guarded"  # on the guard's factories and on the records they cleaned

# Where a config line may start inside log text: after a literal "\n" (repr() or JSON text),
# after a quote (a quoted command), after a device prompt at the start of a line (a session
# transcript). The sanitiser is shown a line break there as well.
_BREAK = re.compile(r"\\r\\n|\\[nr]|['\"]|^[\w.-]+(?:\([\w-]+\))?[#>]", re.M)
_MARK = "\x1e\n"  # the break shown; \x1e is whitespace, so no secret's \S+ eats it
# re.escape()d text (netmiko logs the pattern it waits for): a backslash before punctuation.
_REGEX_ESCAPE = re.compile(r"\\([^0-9A-Za-z_\n])")


class _State:
    """The secrets known so far and the partial lines of channel reads, per logger and thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.secrets: frozenset[str] = frozenset()
        self.redactor: Redactor | None = None
        self.carry: dict[tuple[str, int], str] = {}


_state = _State()


def install() -> None:
    """Wrap the log record factory: once, and again if something replaced it since (the
    record is cleaned once, by the innermost guard)."""
    with _state.lock:
        previous = logging.getLogRecordFactory()
        if getattr(previous, GUARD_MARK, False):
            return

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record: logging.LogRecord = previous(*args, **kwargs)
            name = record.name  # None in logging.makeLogRecord(), which fills it in later
            guarded = isinstance(name, str) and name.partition(".")[0] in GUARDED
            if guarded and not hasattr(record, GUARD_MARK):
                clean_record(record)
                setattr(record, GUARD_MARK, True)
            return record

        setattr(factory, GUARD_MARK, True)
        logging.setLogRecordFactory(factory)


def protect(secrets: Iterable[str]) -> None:
    """Add secret values to those redacted from every guarded record."""
    values = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
    if values <= _state.secrets:  # the common case, without the lock
        return
    with _state.lock:
        _state.secrets = _state.secrets | values
        _state.redactor = Redactor(_state.secrets)


def protect_nornir(nr: Nornir) -> None:
    """Install the guard and redact every password and secret of ``nr``'s inventory."""
    install()
    protect(inventory_secrets(nr))


def protect_host(host: Host, nr: Nornir | None = None) -> None:
    """Install the guard and redact what ``host`` can log in with; a host not known yet
    brings its whole inventory (``nr``), so the redactor is built once, not per host."""
    install()
    values = {s for s in host_secrets(host) if len(s) >= MIN_SECRET_LENGTH}
    if values <= _state.secrets:  # every task after the first: a few look-ups, no regex
        return
    protect([*values, *(inventory_secrets(nr) if nr is not None else ())])


@functools.cache
def _sanitizers() -> tuple[str, ...]:
    """One platform per distinct set of config-secret patterns."""
    chosen: dict[Any, str] = {}
    for platform in SUPPORTED_PLATFORMS:
        chosen.setdefault(dialect(platform).secrets, platform)
    return tuple(chosen.values())


def _sanitize(text: str) -> str:
    """``diff.sanitize`` for every platform; short texts (prompts, fixed messages) cached."""
    return _sanitize_short(text) if len(text) <= SHORT else _sanitize_all(text)


def _sanitize_all(text: str) -> str:
    for platform in _sanitizers():
        text = sanitize(text, platform)
    return text


_sanitize_short = functools.lru_cache(maxsize=4096)(_sanitize_all)


def clean(text: str) -> str:
    """``text`` with the inventory's secret values redacted and config secrets sanitised,
    also in config lines quoted in repr() or JSON text (after a literal ``\\n``) and in
    re.escape()d text.

    >>> clean("Running task 'deploy' with args {'config': 'hostname r1\\\\nenable secret 0 x1y2'}")
    "Running task 'deploy' with args {'config': 'hostname r1\\\\nenable secret 0 <redacted>'}"
    """
    if not text:
        return text
    redactor = _state.redactor
    if redactor is not None:
        text = redactor(text)
    text = _sanitize_embedded(_sanitize(text))
    if "\\" in text and _REGEX_ESCAPE.search(text):
        plain = _REGEX_ESCAPE.sub(r"\1", text)
        sanitized = _sanitize_embedded(_sanitize(plain))
        if sanitized != plain:  # a secret hid behind the escapes: show the plain text
            text = sanitized
    return text


def _sanitize_embedded(text: str) -> str:
    """Sanitise config lines that start inside a line of log text (see ``_BREAK``).

    Run after the plain sanitiser, which already hid whole values of real lines: a value
    holding a quote is then not cut at it.
    """
    if not _BREAK.search(text):
        return text
    marked = _BREAK.sub(lambda match: match.group() + _MARK, text)
    return _sanitize(marked).replace(_MARK, "")


def _clean_read(key: tuple[str, int], chunk: str) -> str:
    """A chunk of a device session: its first line is judged with the partial line the
    previous chunk of the same session (logger, and thread or asyncio task) ended with, which
    may hold the words that make what follows a secret; if that whole line holds one, the
    chunk's part of it is withheld."""
    with _state.lock:
        carry = _state.carry.pop(key, "")
    head, newline, rest = chunk.partition("\n")
    line = carry + head
    if carry and head and (len(line) > CARRY_LIMIT or clean(line) != line):
        shown = REDACTED
    else:
        shown = clean(head)
    if newline:
        shown += newline + clean(rest)
        line = rest.rpartition("\n")[2]
    with _state.lock:
        _state.carry[key] = line[: CARRY_LIMIT + 1]
        while len(_state.carry) > SESSIONS:  # the least recently read: sessions long gone
            del _state.carry[next(iter(_state.carry))]
    return shown


def _session() -> int:
    """Who reads a device session: the asyncio task (one loop may drive many), else the
    thread."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop runs in this thread
        task = None
    return threading.get_ident() if task is None else id(task)


def _clean_message(record: logging.LogRecord) -> str:
    message = record.getMessage()
    prefix = CHANNEL_READS.get(record.name.partition(".")[0])
    if prefix is None or not message.startswith(prefix):
        return clean(message)
    key = (record.name, _session())
    data = record.args[0] if isinstance(record.args, tuple) and record.args else None
    if isinstance(data, bytes):  # scrapli: "read: %r" of the raw bytes
        text = data.decode("utf-8", "surrogateescape")
        shown = _clean_read(key, text).encode("utf-8", "surrogateescape")
        return f"{prefix}{shown!r}"
    return prefix + _clean_read(key, message[len(prefix) :])


def clean_record(record: logging.LogRecord) -> None:
    """Clean a record in place: message and arguments (formatted into one text), traceback
    and stack. A record that cannot be cleaned is withheld rather than passed on."""
    try:
        record.msg = _clean_message(record)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters print exc_text when it is set; without exc_info they cannot
            # render the raw traceback (or its locals) instead.
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = clean(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
    except Exception:  # a message that does not format, a broken __str__: say nothing
        record.msg, record.args = WITHHELD, None
        record.exc_info = record.exc_text = record.stack_info = None
