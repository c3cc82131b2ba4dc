"""asyncssh options prepared once per kind of session and copied per host (backends.sshoptions).

Each copy is compared with what asyncssh itself prepares for that host.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from nornir_pack.backends import sshconfig, sshoptions

# What a scrapli session asks asyncssh.connect for (scrapli's transport and nornir-pack's
# own options), less the host's own arguments.
SESSION = {
    "known_hosts": None,
    "agent_path": None,
    "config": "",
    "client_keys": "",
    "preferred_auth": ["publickey", "password", "keyboard-interactive"],
    "encryption_algs": ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"],
    "tunnel": (),
    "family": (),
    "local_addr": (),
}
HOSTS = [
    ("10.0.0.1", 22, "admin", "first-password"),
    ("10.0.0.2", 2222, "admin", "second-password"),
    ("router3.example.net", 22, "operator", None),
    ("10.0.0.4", 830, "ünïcode", "fourth"),
]


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(sshoptions, "_kinds", {})
    monkeypatch.setattr(sshconfig, "_parsed", {})
    monkeypatch.setenv("HOME", str(tmp_path))  # no default keys unless a test writes them
    return tmp_path


def construct(base: Any = None, **arguments: Any) -> functools.partial[Any]:
    """asyncssh's own call, as SSHClientConnectionOptions.construct makes it."""
    return functools.partial(asyncssh.SSHClientConnectionOptions, base, loop=None, **arguments)


def factory_for(name: str) -> Any:
    return functools.partial(asyncssh.SSHClient)  # a new object per host, as the login gate's


def check_every_host(base: Any = None, **session: Any) -> list[asyncssh.SSHClientConnectionOptions]:
    built = []
    for host, port, username, password in HOSTS:
        arguments = {**session, "host": host, "port": port, "username": username}
        arguments.update(password=password, client_factory=factory_for(host))
        options = sshoptions.build(construct(base, **arguments))
        alone = construct(base, **arguments)()
        assert sshoptions.same(vars(options), vars(alone)), host
        assert (options.host, options.port, options.password) == (host, port, password)
        assert options.username == alone.username
        assert options.config.get("User") == username
        assert options.protocol_factory is arguments["client_factory"]
        built.append(options)
    return built


def test_sessions_after_the_second_are_copies_equal_to_a_full_prepare() -> None:
    built = check_every_host(**SESSION)
    (kind,) = sshoptions._kinds.values()
    assert kind.trusted is True
    assert built[0] is kind.options
    assert all(options is not kind.options for options in built[1:])
    assert built[2].config is not built[3].config  # each host's own, not one shared


def test_copies_from_a_shared_ssh_config_match_asyncssh_reading_it(fresh: Path) -> None:
    path = fresh / "ssh_config"
    path.write_text("Host *\n    ServerAliveInterval 7\n    SendEnv LANG\n    User ignored\n")
    shared = sshconfig.shared_options(str(path))
    assert shared is not None
    built = check_every_host(shared, **{**SESSION, "config": ()})
    assert {options.keepalive_interval for options in built} == {7}
    assert next(iter(sshoptions._kinds.values())).trusted is True


def test_default_keys_in_home_are_the_same_keys_in_every_copy(fresh: Path) -> None:
    (fresh / ".ssh").mkdir()
    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(fresh / ".ssh" / "id_ed25519"))
    built = check_every_host(**SESSION)
    assert next(iter(sshoptions._kinds.values())).trusted is True
    assert [pair.public_data for pair in built[3].client_keys] == [key.public_data]


@pytest.mark.parametrize(
    "change",
    [
        {"config": ()},  # asyncssh reads ~/.ssh/config, whose Host blocks may name one host
        {"config": "ssh_config"},  # a file that is not a shared parse
        {"canonicalize_hostname": True},  # a DNS lookup per host
        {"passphrase": bytearray(b"secret")},  # nothing to tell kinds apart by
    ],
)
def test_sessions_that_may_differ_by_host_are_always_prepared_in_full(
    change: dict[str, Any], fresh: Path
) -> None:
    if change.get("config") == "ssh_config":
        (fresh / "ssh_config").write_text("Host 10.0.0.2\n    Port 2200\n")
        change = {"config": str(fresh / "ssh_config")}
    for host, port, username, _ in HOSTS[:3]:
        arguments = {**SESSION, **change, "host": host, "port": port, "username": username}
        sshoptions.build(construct(**arguments))
    assert sshoptions._kinds == {}


def test_a_copy_that_differs_from_a_full_prepare_is_never_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong(template: Any, construct: Any) -> Any:  # as if asyncssh derived more from it
        copied = sshoptions.copy.copy(template)
        copied.host = "somewhere-else"
        return copied

    monkeypatch.setattr(sshoptions, "_for_host", wrong)
    for host, port, username, password in HOSTS:
        arguments = {**SESSION, "host": host, "port": port, "username": username}
        options = sshoptions.build(construct(**arguments, password=password))
        assert options.host == host
    assert next(iter(sshoptions._kinds.values())).trusted is False
