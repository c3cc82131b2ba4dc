"""Nornir's connection plugins, registered without importing them until a host uses one.

``InitNornir`` registers every installed connection plugin by importing it, and importing
nornir_napalm imports NAPALM with all its drivers: about half a second of every run, also of
runs that never open a NAPALM connection. ``init_nornir`` builds the same Nornir object as
``InitNornir`` does, but registers each connection plugin as a stand-in that imports the real
class the first time a host opens that connection. A stand-in compares equal to the class it
stands for, so a later ``InitNornir`` in the same process (or any ``auto_register``) finds the
plugin already registered, as it would have been.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, cast

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPlugin, ConnectionPluginRegister
from nornir.core.state import GlobalState
from nornir.init_nornir import load_inventory, load_runner

CONNECTIONS_GROUP = "nornir.plugins.connections"


class _Deferred(type):
    """The metaclass of a stand-in: calling it builds the real plugin (importing it then);
    comparing it compares the real class."""

    entry_point: metadata.EntryPoint

    def plugin(cls) -> type[ConnectionPlugin]:
        return cast(type[ConnectionPlugin], cls.entry_point.load())

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.plugin()(*args, **kwargs)

    def __eq__(cls, other: object) -> bool:
        return other is cls or other is cls.plugin()

    def __hash__(cls) -> int:
        return id(cls)


def register_connection_plugins() -> None:
    """Register every installed connection plugin not registered yet, as a stand-in."""
    for entry_point in metadata.entry_points(group=CONNECTIONS_GROUP):
        if entry_point.name not in ConnectionPluginRegister.available:
            stand_in = _Deferred(entry_point.name, (), {"entry_point": entry_point})
            ConnectionPluginRegister.register(entry_point.name, cast(Any, stand_in))


def init_nornir(config_file: str = "", **settings: Any) -> Nornir:
    """``InitNornir(config_file, **settings)``, its connection plugins imported on first use."""
    register_connection_plugins()
    config = (
        Config.from_file(config_file, **settings) if config_file else Config.from_dict(**settings)
    )
    config.logging.configure()
    return Nornir(
        inventory=load_inventory(config),
        runner=load_runner(config),
        config=config,
        data=GlobalState(dry_run=False),
    )
