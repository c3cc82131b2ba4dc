"""The task boundary: an exception nobody expected fails only its host, with one sanitised line,
its traceback (sanitised) in the log, and a change already pushed rolled back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hier_config.exceptions import DuplicateChildError
from nornir.core import Nornir

import nornir_pack.backends
from nornir_pack.diff import merge_diff
from nornir_pack.lab import Device, Lab
from nornir_pack.tasks import deploy_config
from tests.conftest import PASSWORD, SECRET, DeviceFactory
from tests.integration.lab_nornir import build_nornir, host_entry

CHANGE = "ntp server 10.0.0.77\n"
# What a parser quotes raw from the config it chokes on.
QUOTED = "snmp-server community Parser-S3cret-55 ro"


@pytest.fixture
def nornir_pack_log() -> Iterator[list[str]]:
    """What the ``nornir_pack`` logger's handlers write."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    logger = logging.getLogger("nornir_pack")
    handler = Keep(logging.ERROR)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@dataclass
class Hosts:
    """An IOS host the test breaks and an EOS host beside it, over one plugin."""

    lab: Lab
    hit: Device
    other: Device
    nr: Nornir
    plugin: str


@pytest.fixture(params=["netmiko", "scrapli", "napalm"])
def hosts(lab: Lab, make_device: DeviceFactory, tmp_path: Path, request: Any) -> Iterator[Hosts]:
    plugin = str(request.param)
    hit, other = make_device("cisco_ios"), make_device("arista_eos")
    nr = build_nornir(tmp_path, {d.name: host_entry(d, plugin) for d in (hit, other)})
    yield Hosts(lab, hit, other, nr, plugin)
    nr.close_connections(on_good=True, on_failed=True)


def test_a_parser_error_after_the_push_fails_only_that_host_and_rolls_back(
    hosts: Hosts, monkeypatch: pytest.MonkeyPatch, nornir_pack_log: list[str]
) -> None:
    lab, hit, other, nr, plugin = hosts.lab, hosts.hit, hosts.other, hosts.nr, hosts.plugin
    before = lab.call(hit.running_text)
    raised: list[str] = []

    def verify_chokes(running: str, change: str, platform: str, **options: Any) -> str:
        """The diff of the verify step (a merge's), right after the push to ``hit``, raises
        once."""
        if not raised and f"hostname {hit.name}\n" in running and CHANGE in running:
            raised.append(running)
            raise DuplicateChildError(f"Found a duplicate section: ('{QUOTED}',)")
        return merge_diff(running, change, platform, **options)

    monkeypatch.setattr(nornir_pack.backends, "merge_diff", verify_chokes)

    results = nr.run(task=deploy_config, config=CHANGE, dry_run=False)

    assert raised, "the change never reached the device"
    failed = results[hit.name][0]
    assert failed.failed and not failed.changed
    message = str(failed.result)
    first, *story = message.splitlines()
    assert first == (
        f"deploy failed over {plugin}: deploy failed unexpectedly: DuplicateChildError: "
        "Found a duplicate section: ('snmp-server community <redacted> ro',)"
    )
    assert "rolled back to the pre-change snapshot" in story[0]
    assert "- ntp server 10.0.0.77" in story
    assert story[-1] == "running config verified equal to the snapshot"
    assert lab.call(hit.running_text) == before

    done = results[other.name][0]
    assert (done.failed, done.changed) == (False, True)
    assert CHANGE.strip() in lab.call(other.running_text)

    log = "\n".join(nornir_pack_log)
    assert f"host {hit.name}: deploy raised unexpectedly" in log
    assert "Traceback (most recent call last)" in log
    assert "snmp-server community <redacted> ro" in log
    for text in (message, log):
        assert "Parser-S3cret-55" not in text
        assert PASSWORD not in text and SECRET not in text
