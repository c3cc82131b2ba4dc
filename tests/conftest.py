"""Shared fixtures: one lab per test session, a fresh device per test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nornir_pack.lab import Device, Lab

PASSWORD = "lab-password"
SECRET = "lab-enable"

_names = itertools.count(1)

DeviceFactory = Callable[..., Device]


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    with Lab() as running:
        yield running


@pytest.fixture
def make_device(lab: Lab) -> DeviceFactory:
    """Add a freshly booted device (seed config, ephemeral port) to the session's lab."""

    def factory(platform: str = "cisco_ios", **settings: Any) -> Device:
        settings.setdefault("password", PASSWORD)
        settings.setdefault("secret", SECRET)
        name = f"{platform.split('_', maxsplit=1)[0]}{next(_names)}"
        return lab.add_device(name, platform, **settings)

    return factory
