"""asyncssh's connection options prepared once per kind of session, not once per host.

asyncssh prepares a new options object for every connection: path expansions, probes for
default keys, certificates and an SSH config in ~/.ssh, saslprep of the names, about 0.2 ms
of Python per host (a twentieth of a thousand-host backup). The sessions of one run differ
only in the host, port, username, password and client factory they pass, and, where no SSH
config file can say something different for one host (none is read, or it is one of
``sshconfig``'s shared parses), nothing else in the options depends on those. So the first
session of a kind is prepared in full, and the next ones are copies of it with their own
host, port, names and factory put in as asyncssh's ``prepare`` puts them.

A copy is used only once it has been seen to be right: the second session of each kind is
prepared in full as well and compared, attribute by attribute, with its copy. If they differ
(a newer asyncssh that derives something else from the host), every session of that kind is
prepared in full, as without this module.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from asyncssh import SSHClient, SSHClientConnectionOptions
from asyncssh.saslprep import saslprep

from . import sshconfig

# What asyncssh's prepare derives from each session's own arguments (asyncssh 2.24).
HOST_ARGUMENTS = frozenset({"host", "port", "username", "password", "client_factory"})
# Arguments under which prepare may read a file or look a name up per host: never copied.
_PER_HOST_LOOKUPS = ("canonicalize_hostname", "canonical", "final", "reload")
_MAX_KINDS = 64  # kinds of session remembered (a run has a handful)
_COMPARE_DEPTH = 4


@dataclass
class _Kind:
    options: SSHClientConnectionOptions  # the first session's, prepared in full
    trusted: bool | None = None  # None until a copy has been compared with a full prepare


_lock = threading.Lock()
_kinds: dict[Hashable, _Kind] = {}


def build(construct: functools.partial[SSHClientConnectionOptions]) -> SSHClientConnectionOptions:
    """The options ``construct`` (asyncssh's own call, ``cls(base, loop=..., **arguments)``)
    would prepare: a copy of an earlier session's where that is known to be the same."""
    key = _kind_of(construct)
    if key is None:
        return construct()
    with _lock:
        kind = _kinds.get(key)
    if kind is None:
        options = construct()
        with _lock:
            if len(_kinds) < _MAX_KINDS:
                _kinds.setdefault(key, _Kind(options))
        return options
    if kind.trusted is False:
        return construct()
    copied = _for_host(kind.options, construct)
    if kind.trusted is None:
        options = construct()
        kind.trusted = same(vars(options), vars(copied))
        return options
    return copied


def _kind_of(construct: functools.partial[Any]) -> Hashable | None:
    """What a session shares with others of its kind; None where it cannot be copied."""
    if construct.func is not SSHClientConnectionOptions or len(construct.args) > 1:
        return None
    base = construct.args[0] if construct.args else None
    arguments = construct.keywords
    if not isinstance(arguments.get("username"), str) or not isinstance(arguments.get("port"), int):
        return None
    if any(arguments.get(name) for name in _PER_HOST_LOOKUPS):
        return None
    config = arguments.get("config", ())
    if base is None:
        if config == () or config:  # () reads ~/.ssh/config; a path may have Host blocks
            return None
    elif config != () or not sshconfig.is_shared(base):
        return None
    try:
        shared = tuple(
            sorted(
                (name, _frozen(value))
                for name, value in arguments.items()
                if name not in HOST_ARGUMENTS
            )
        )
        key = (base, shared)
        hash(key)
    except TypeError:
        return None
    return key


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value


def _for_host(
    template: SSHClientConnectionOptions, construct: functools.partial[Any]
) -> SSHClientConnectionOptions:
    """``template`` with the session's host, port, names and factory, as prepare sets them."""
    base = construct.args[0] if construct.args else None
    arguments = construct.keywords
    host, port, username = arguments.get("host", ""), arguments["port"], arguments["username"]
    options = copy.copy(template)
    kwargs = dict(base.kwargs) if base is not None else {}
    kwargs.update(last_config=base.config if base is not None else None, **arguments)
    options.kwargs = kwargs
    config = copy.copy(template.config)
    config._options = {**config._last_options, "User": username, "Port": port}
    config._orig_host = host
    options.config = config
    options.orig_host = host
    options.host = str(config.get("Hostname", host))
    options.port = port
    options.protocol_factory = arguments.get("client_factory") or SSHClient
    options.username = saslprep(username)
    options.password = arguments.get("password")
    return options


def same(first: Any, second: Any, depth: int = 0) -> bool:
    """Whether two prepared options (or parts of them) say the same: equal values, the same
    keys (by their public data), objects with equal attributes."""
    if first is second:
        return True
    if type(first) is not type(second):
        return False
    if isinstance(first, (list, tuple)):
        return len(first) == len(second) and all(
            same(a, b, depth + 1) for a, b in zip(first, second, strict=True)
        )
    if isinstance(first, Mapping):
        return first.keys() == second.keys() and all(
            same(first[key], second[key], depth + 1) for key in first
        )
    if isinstance(first, (str, bytes, int, float, PurePath)) or first is None:
        return bool(first == second)
    public = getattr(first, "public_data", None)
    if isinstance(public, bytes):  # a key or key pair: the same key
        return public == getattr(second, "public_data", None)
    if hasattr(first, "__dict__") and depth < _COMPARE_DEPTH:
        return same(vars(first), vars(second), depth + 1)
    return bool(first == second)
