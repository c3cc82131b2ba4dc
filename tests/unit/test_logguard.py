"""The logging guard: every record of the guarded libraries, from child loggers and to handlers
added later too, is cleaned of inventory and config secrets before any handler writes it."""

from __future__ import annotations

import asyncio
import doctest
import io
import itertools
import logging
from collections.abc import Iterator

import pytest
from nornir.core import Nornir
from nornir.core.inventory import Defaults, Host, Hosts, Inventory

from nornir_pack import logguard

PASSWORD = "Guard-Pw-6613"
USER_SECRET = "Bob-S3cret-Value"
COMMUNITY = "Comm-S3cret-881"
LOGGERS = ("nornir", "nornir_pack", "netmiko", "scrapli", "pyeapi", "asyncssh", "myapp")
_names = itertools.count()


class Records(logging.Handler):
    """Keeps each record and its text as a formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))
        self.records: list[logging.LogRecord] = []
        self.stream = io.StringIO()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.stream.write(self.format(record) + "\n")

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def written() -> Iterator[Records]:
    """A handler on each parent logger, added after the guard was installed (as Nornir adds
    its file handler in InitNornir)."""
    logguard.install()
    logguard.protect([PASSWORD])
    handler = Records()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    yield handler
    for logger, level, propagate in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def child(parent: str) -> logging.Logger:
    """A child logger created only now, after the guard and the handlers."""
    return logging.getLogger(f"{parent}.child{next(_names)}.grandchild")


def test_child_loggers_are_covered_where_a_parent_logger_filter_never_runs(
    written: Records,
) -> None:
    seen: list[str] = []

    class Spy(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            seen.append(record.name)
            return True

    parent = logging.getLogger("scrapli")
    spy = Spy()
    parent.addFilter(spy)
    try:
        child("scrapli").info("sending channel input: snmp-server community %s rw", COMMUNITY)
    finally:
        parent.removeFilter(spy)
    assert seen == []  # a logger's filters see only the records logged to that logger
    assert "sending channel input: snmp-server community <redacted> rw" in written.text
    assert COMMUNITY not in written.text


def test_a_handler_added_to_a_child_later_and_the_root_get_clean_records(
    written: Records,
) -> None:
    logger = child("netmiko")
    late = Records()
    logger.addHandler(late)
    try:
        logger.debug("write_channel: %s", f"b'enable\\n{PASSWORD}\\n'")
    finally:
        logger.removeHandler(late)
    for text in (written.text, late.text):
        assert PASSWORD not in text
        assert "<redacted>" in text


def test_nornir_task_arguments_holding_a_config_are_logged_sanitised(written: Records) -> None:
    config = f"hostname r1\nusername bob privilege 15 secret 0 {USER_SECRET}\nntp server 10.0.0.2\n"
    logging.getLogger("nornir.core").info(
        "Running task %r with args %s on %d hosts", "deploy_config", {"config": config}, 4
    )
    text = written.text
    assert USER_SECRET not in text
    assert "username bob privilege 15 secret 0 <redacted>" in text
    assert "ntp server 10.0.0.2" in text
    assert written.records[-1].args is None  # frozen: later changes to the dict cannot leak


@pytest.mark.parametrize(
    "message",
    [
        # pyeapi: the request JSON and the error quoting the refused command
        '{"cmds": ["enable", "snmp-server community %s rw"]}',
        "CLI command 3 of 5 'snmp-server community %s rw' failed: invalid command",
        # a running config inside JSON or repr() text: lines after a literal \\n
        '{"output": "hostname sw1\\nsnmp-server community %s ro\\n"}',
        # netmiko waits for the echo of the command, re.escape()d
        "Pattern found: (snmp\\-server\\ community\\ %s\\ ro) snmp-server community %s ro",
        # a session transcript: the command after the prompt
        "r1(config)#snmp-server community %s ro\n% Invalid input detected",
    ],
)
def test_config_secrets_are_sanitised_however_the_library_quotes_them(
    written: Records, message: str
) -> None:
    logger = child("pyeapi")
    logger.debug(message.replace("%s", "Not-In-Inventory-77"))
    assert "Not-In-Inventory-77" not in written.text
    assert "<redacted>" in written.text


def test_text_without_secrets_is_left_exactly_as_it_was() -> None:
    for text in (
        "Running task 'backup' with args {'backup_dir': 'backups'} on 4 hosts",
        '{"output": "hostname sw1\\nntp server 10.0.0.1\\n"}',
        "r1(config)#ntp server 10.0.0.1",
        "Pattern found: (ntp\\ server\\ 10\\.0\\.0\\.1) ntp server 10.0.0.1",
        'passive-interface default; description "uplink #1"',
    ):
        assert logguard.clean(text) == text


def test_a_traceback_is_logged_sanitised_and_without_the_raw_exception(
    written: Records,
) -> None:
    try:
        raise ValueError(f"Found a duplicate section: ('snmp-server community {COMMUNITY} ro',)")
    except ValueError:
        child("nornir_pack").exception("host r1: deploy raised unexpectedly (%s)", PASSWORD)
    record = written.records[-1]
    assert record.exc_info is None  # no handler can render the raw exception instead
    assert "Traceback (most recent call last)" in written.text
    assert "snmp-server community <redacted> ro" in written.text
    assert COMMUNITY not in written.text and PASSWORD not in written.text


def test_stack_info_is_sanitised(written: Records) -> None:
    child("nornir").warning("where: secret=%s", PASSWORD, stack_info=True)
    assert written.records[-1].stack_info
    assert PASSWORD not in written.text


@pytest.mark.parametrize(
    ("logger", "message", "chunks"),
    [
        ("scrapli", "read: %r", [b"show run\nusername bob secret 0 Bob-", b"S3cret-Value\nr1#"]),
        ("netmiko", "read_channel: %s", ["snmp-server comm", "unity Comm-S3cret-881 RO\nr1#"]),
    ],
)
def test_a_secret_split_across_two_reads_of_a_session_is_withheld(
    written: Records, logger: str, message: str, chunks: list[str | bytes]
) -> None:
    session = child(logger)
    for chunk in chunks:
        session.debug(message, chunk)
    text = written.text
    assert "S3cret-Value" not in text and "Comm-S3cret-881" not in text and "881" not in text
    assert "r1#" in text  # the lines after it are shown


def test_reads_without_secrets_are_shown_whole_across_chunks(written: Records) -> None:
    session = child("netmiko")
    for chunk in ("show ver", "sion\nCisco IOS Software\nr1#"):
        session.debug("read_channel: %s", chunk)
    assert "read_channel: sion\nCisco IOS Software\nr1#" in written.text


def test_other_loggers_are_left_alone(written: Records) -> None:
    logging.getLogger("myapp").info("my own %s", PASSWORD)
    assert f"myapp my own {PASSWORD}" in written.text


def test_a_record_that_cannot_be_formatted_is_withheld(written: Records) -> None:
    child("netmiko").debug("%d bytes", PASSWORD)
    assert written.records[-1].getMessage() == logguard.WITHHELD
    assert PASSWORD not in written.text


def test_a_factory_set_after_the_guard_is_wrapped_again_and_records_cleaned_once() -> None:
    logguard.install()
    guard = logging.getLogRecordFactory()
    calls: list[str] = []

    def other(*args: object, **kwargs: object) -> logging.LogRecord:
        record: logging.LogRecord = guard(*args, **kwargs)
        calls.append(record.name)
        return record

    logging.setLogRecordFactory(other)
    try:
        logguard.install()
        assert logging.getLogRecordFactory() is not other
        logguard.install()  # already guarded: nothing more is wrapped
        record = logging.getLogger("nornir_pack").makeRecord(
            "nornir_pack", logging.INFO, __file__, 1, "secret=%s", (PASSWORD,), None
        )
    finally:
        logging.setLogRecordFactory(guard)
    assert calls == ["nornir_pack"]
    assert record.getMessage() == "secret=<redacted>"


def test_clean_has_a_working_example() -> None:
    assert doctest.testmod(logguard).failed == 0


def test_a_task_start_adds_its_hosts_and_their_inventorys_secrets(written: Records) -> None:
    defaults = Defaults(password="Task-Host-Pw-3141")
    host = Host("r7", data={"snmp_community": "Task-Comm-2718"}, defaults=defaults)
    other = Host("r8", password="Other-Host-Pw-1618", defaults=defaults)
    nr = Nornir(inventory=Inventory(hosts=Hosts({"r7": host, "r8": other}), defaults=defaults))
    logguard.protect_host(host, nr)
    child("nornir").info("%s %s %s", "Task-Host-Pw-3141", "Task-Comm-2718", "Other-Host-Pw-1618")
    assert written.records[-1].getMessage() == "<redacted> <redacted> <redacted>"


def test_sessions_read_by_asyncio_tasks_of_one_loop_are_kept_apart(written: Records) -> None:
    channel = child("scrapli")
    turns = [asyncio.Event() for _ in range(3)]

    async def session(chunks: list[bytes], waits: list[int], sets: list[int]) -> None:
        for chunk, wait, done in zip(chunks, waits, sets, strict=True):
            if wait >= 0:
                await turns[wait].wait()
            channel.debug("read: %r", chunk)
            if done >= 0:
                turns[done].set()

    async def interleaved() -> None:
        await asyncio.gather(
            # the secret's words, then (after the other session's read) its value
            session(
                [b"r1#show run\nsnmp-server community ", b"Async-S3cret-42 RO\n"], [-1, 1], [0, 2]
            ),
            session([b"hostname sw1\n"], [0], [1]),
        )

    asyncio.run(interleaved())
    assert "Async-S3cret-42" not in written.text
    assert "hostname sw1" in written.text
