"""The real scrapli client, on each of its transports, drives the simulated devices."""

from __future__ import annotations

import asyncio

import pytest
from scrapli import AsyncScrapli, Scrapli

from nornir_pack.lab import Lab
from tests.conftest import DeviceFactory
from tests.lab_clients import scrapli_options

# scrapli's platform name -> the lab's
PLATFORMS = {"cisco_iosxe": "cisco_ios", "arista_eos": "arista_eos"}


@pytest.mark.parametrize("transport", ["system", "paramiko"])
@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_sync_transports(
    lab: Lab, make_device: DeviceFactory, platform: str, transport: str
) -> None:
    device = make_device(PLATFORMS[platform])
    with Scrapli(**scrapli_options(device, transport=transport)) as conn:
        version = conn.send_command("show version")
        assert not version.failed
        assert device.serial in version.result

        change = conn.send_configs(
            [
                "interface GigabitEthernet2" if "ios" in platform else "interface Ethernet2",
                " description via scrapli",
            ]
        )
        assert not change.failed

        verify = conn.send_command("show running-config | section description via scrapli")
        assert "description via scrapli" in verify.result
        assert "description via scrapli" in lab.call(device.running_text)

        invalid = conn.send_command("show runningconfig")
        assert invalid.failed
        bad_config = conn.send_configs(["snmp-servr location nowhere"])
        assert bad_config.failed
        assert "nowhere" not in lab.call(device.running_text)


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_async_asyncssh_transport(lab: Lab, make_device: DeviceFactory, platform: str) -> None:
    device = make_device(PLATFORMS[platform])

    async def exercise() -> None:
        async with AsyncScrapli(**scrapli_options(device, transport="asyncssh")) as conn:
            change = await conn.send_configs(["interface Loopback0", "description async change"])
            assert not change.failed
            verify = await conn.send_command("show running-config | include async change")
            assert "description async change" in verify.result
            invalid = await conn.send_command("show bogus")
            assert invalid.failed

    asyncio.run(exercise())
    assert "description async change" in lab.call(device.running_text)
