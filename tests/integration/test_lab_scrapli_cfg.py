"""The real scrapli_cfg replaces configs on the lab: tclsh + archive on IOS, sessions on EOS."""

from __future__ import annotations

import pytest
from scrapli import Scrapli
from scrapli_cfg import ScrapliCfg

from nornir_pack.lab import Lab
from tests.conftest import DeviceFactory
from tests.lab_clients import scrapli_options

PLATFORMS = {"cisco_iosxe": "cisco_ios", "arista_eos": "arista_eos"}
UPLINK = "description Uplink to core"


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_replace_diff_commit(lab: Lab, make_device: DeviceFactory, platform: str) -> None:
    device = make_device(PLATFORMS[platform])
    conn = Scrapli(**scrapli_options(device, timeout_ops=20))
    with conn, ScrapliCfg(conn=conn) as cfg:
        running = cfg.get_config().result
        assert UPLINK in running
        candidate = running.replace(UPLINK, "description Replaced by scrapli_cfg")

        loaded = cfg.load_config(config=candidate, replace=True)
        assert not loaded.failed
        assert UPLINK in lab.call(device.running_text)  # nothing applied before the commit

        diff = cfg.diff_config()
        assert not diff.failed
        device_diff = [line.strip() for line in diff.device_diff.splitlines()]
        assert "+description Replaced by scrapli_cfg" in [
            line[0] + line[1:].strip() for line in device_diff if line
        ]
        assert "description Replaced by scrapli_cfg" in diff.additions
        assert UPLINK in diff.subtractions

        committed = cfg.commit_config()
        assert not committed.failed

    after = lab.call(device.running_text)
    assert "description Replaced by scrapli_cfg" in after
    assert UPLINK not in after
    assert after == lab.call(lambda: device.startup)  # commit saves
    assert lab.call(lambda: dict(device.files)) == {}  # the candidate file is cleaned up
    assert all(s.state != "pending" for s in lab.call(lambda: list(device.sessions.values())))
