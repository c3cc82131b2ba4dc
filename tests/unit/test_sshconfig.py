"""One parse of an SSH config file that says the same for every host (backends.sshconfig)."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import asyncssh
import pytest

from nornir_pack.backends import sshconfig
from nornir_pack.backends.aio import _OptionsInline

SAME_FOR_ALL = """\
# the system default's shape
Include {folder}/conf.d/*.conf
Host *
    SendEnv LANG LC_*
    ServerAliveInterval 7
    Compression yes
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sshconfig, "_parsed", {})
    (tmp_path / "conf.d").mkdir()
    return tmp_path


def write(path: Path, text: str, folder: Path) -> str:
    path.write_text(text.format(folder=folder))
    return str(path)


def per_host(path: str, host: str) -> asyncssh.SSHClientConnectionOptions:
    return asyncssh.SSHClientConnectionOptions(config=[path], host=host, port=22, username="u")


def test_a_file_that_says_the_same_for_every_host_is_parsed_once(folder: Path) -> None:
    path = write(folder / "ssh_config", SAME_FOR_ALL, folder)
    shared = sshconfig.shared_options(path)
    assert shared is not None
    assert sshconfig.shared_options(path) is shared  # not parsed again
    for host in ("10.0.0.1", "router1.example.net"):
        start = asyncssh.SSHClientConnectionOptions(
            options=shared, config=(), host=host, port=22, username="u"
        )
        alone = per_host(path, host)
        assert start.config.get_options(False) == alone.config.get_options(False)
        assert start.keepalive_interval == alone.keepalive_interval == 7


@pytest.mark.parametrize(
    "text",
    [
        "Host router1\n    Port 2222\n",
        "Host * !router1\n    Port 2222\n",
        "Match host router1\n    Port 2222\n",
        "Host *\n    ControlPath ~/.ssh/%h-%p\n",
        "CanonicalizeHostname yes\n",
        "Include conf.d/*.conf\n",  # relative: resolved by the reader, not guessed here
        "Include {folder}/conf.d/*.conf\n",  # includes a per-host file
    ],
)
def test_a_file_that_may_differ_per_host_is_left_to_asyncssh(folder: Path, text: str) -> None:
    write(folder / "conf.d" / "routers.conf", "Host router1\n    User admin\n", folder)
    assert sshconfig.shared_options(write(folder / "ssh_config", text, folder)) is None


def test_an_edit_or_a_new_included_file_is_seen_by_the_next_session(folder: Path) -> None:
    path = write(folder / "ssh_config", SAME_FOR_ALL, folder)
    first = sshconfig.shared_options(path)
    assert first is not None and first.config.get("ServerAliveInterval") == 7

    write(folder / "ssh_config", SAME_FOR_ALL.replace("7", "9"), folder)
    os.utime(path, ns=(0, 1))  # a different modification time, whatever the clock
    edited = sshconfig.shared_options(path)
    assert edited is not None and edited.config.get("ServerAliveInterval") == 9

    write(folder / "conf.d" / "routers.conf", "Host router1\n    User admin\n", folder)
    assert sshconfig.shared_options(path) is None  # the new include is per host


def test_an_unreadable_file_is_left_to_asyncssh(folder: Path) -> None:
    assert sshconfig.shared_options(str(folder / "missing")) is None


def test_send_env_is_looked_up_once_as_asyncssh_would_per_channel(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith(("LANG", "LC_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LANG", "C.test")
    monkeypatch.setenv("LC_TIME", "from-environment")
    monkeypatch.setenv("NOT_SENT", "x")
    text = SAME_FOR_ALL + "    SetEnv LC_TIME=from-config\n"
    shared = sshconfig.shared_options(write(folder / "ssh_config", text, folder))
    assert shared is not None
    # what asyncssh puts on each channel: SendEnv's matches, then SetEnv over them
    assert not shared.send_env
    assert dict(asyncssh.misc.encode_env(shared.env or {})) == {
        b"LANG": b"C.test",
        b"LC_TIME": b"from-config",
    }


def test_a_file_without_send_env_keeps_its_options(folder: Path) -> None:
    shared = sshconfig.shared_options(write(folder / "ssh_config", "Host *\n  Port 2222\n", folder))
    assert shared is not None and shared.send_env is None and shared.env is None


def test_the_connection_loop_builds_ssh_options_inline_and_the_rest_on_a_thread() -> None:
    """asyncssh hands each connection's options to the loop's executor: built in the
    caller's thread, not a thread's; any other call (getaddrinfo) still gets a thread."""
    executor = _OptionsInline(max_workers=1)
    built_in: list[threading.Thread] = []

    class Options(asyncssh.SSHClientConnectionOptions):
        def prepare(self, **kwargs: object) -> None:  # type: ignore[override]
            built_in.append(threading.current_thread())
            if kwargs.get("username") == "bad":
                raise ValueError("bad options")

    built = executor.submit(functools.partial(Options, None, username="admin"))
    assert isinstance(built.result(timeout=0), Options)
    assert built_in == [threading.current_thread()]
    with pytest.raises(ValueError, match="bad options"):
        executor.submit(functools.partial(Options, None, username="bad")).result(timeout=0)
    elsewhere = executor.submit(threading.current_thread).result(timeout=10)
    assert elsewhere is not threading.current_thread()
    executor.shutdown()
