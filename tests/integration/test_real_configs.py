"""Real device configs and ordered lists, with every plugin against the lab.

A lab device boots from a config as a real one prints it (exit lines, repeated lines, banners
with unusual delimiters and text that looks like config), and is backed up, diffed and
deployed to with netmiko, NAPALM and scrapli. Then the ordered-list promise: removing the
middle entry of an ACL ends in order on the device, a refused later line rolls the ACL back
in its original order, and verification fails when the order differs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from nornir.core import Nornir

from nornir_pack import backends, diff
from nornir_pack.backends import Mode, commit
from nornir_pack.backends.napalm import NapalmBackend
from nornir_pack.lab import Knobs, Lab
from nornir_pack.lab.config import ConfigNode
from nornir_pack.lab.platforms import PLATFORMS as LAB
from nornir_pack.tasks import backup_config, deploy_config
from tests.conftest import PASSWORD, SECRET
from tests.integration.lab_nornir import build_nornir, host_entry
from tests.integration.test_tasks import Target

PLUGINS = ["netmiko", "napalm", "scrapli"]
_names = itertools.count(1)

# What the device's running config holds besides its seed: exit lines (IOS prints
# exit-address-family and exit-af-interface, repeated), lines given twice, a banner whose
# delimiter is % and whose text has lines that look like comments and ends.
REAL = {
    "cisco_ios": """router bgp 65010
 bgp log-neighbor-changes
 !
 address-family ipv4
  network 10.9.9.0 mask 255.255.255.0
 exit-address-family
 !
 address-family ipv6
 exit-address-family
exit
router eigrp LAB
 address-family ipv4 unicast autonomous-system 100
  af-interface default
   passive-interface
  exit-af-interface
  af-interface GigabitEthernet1
   no passive-interface
  exit-af-interface
  network 10.0.0.0
 exit-address-family
interface Loopback0
 description Router ID
 description Router ID
 exit
ntp server 10.0.0.1
banner login %
Unusual delimiter; these lines are text:
!
^
EOF
%
""",
    "arista_eos": """router bgp 65001
   address-family ipv4
      network 10.9.9.0/24
   exit
   address-family ipv6
   exit
exit
interface Ethernet1
   description Uplink to core
   description Uplink to core
   exit
ntp server 10.0.0.1
banner login
These lines are text:
!
%
^C
EOF
""",
}
# A merge-mode candidate written the same way.
CANDIDATE = {
    "cisco_ios": """banner exec #
Exec banner, hash delimited
#
interface Loopback0
 description changed by deploy
 description changed by deploy
 exit
router bgp 65010
 address-family ipv4
  network 10.8.8.0 mask 255.255.255.0
 exit-address-family
exit
""",
    "arista_eos": """banner motd
New motd (NAPALM EOS drops a banner line that starts with !)
%
^C
EOF
interface Ethernet1
   description changed by deploy
   description changed by deploy
   exit
router bgp 65001
   address-family ipv4
      network 10.8.8.0/24
   exit
exit
""",
}
ACL = {
    "cisco_ios": (
        "access-list 10 permit 10.0.0.1\n"
        "access-list 10 permit 10.0.0.2\n"
        "access-list 10 permit 10.0.0.3\n"
        "access-list 10 deny any\n"
    ),
    "arista_eos": (
        "ip access-list standard ACL10\n"
        "   10 permit host 10.0.0.1\n"
        "   20 permit host 10.0.0.2\n"
        "   30 permit host 10.0.0.3\n"
        "   40 deny any\n"
    ),
}
# The ACL without its middle entry, as a merge candidate gives it: IOS removes the numbered
# list and gives it whole (typing only the entries would append them); EOS gives the list.
WITHOUT_MIDDLE = {
    "cisco_ios": (
        "no access-list 10\n"
        "access-list 10 permit 10.0.0.1\n"
        "access-list 10 permit 10.0.0.3\n"
        "access-list 10 deny any\n"
    ),
    "arista_eos": ("ip access-list standard ACL10\n   no 20\n"),
}


@pytest.fixture(params=PLUGINS)
def plugin(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["cisco_ios", "arista_eos"])
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


TargetFactory = Callable[..., Target]


@pytest.fixture
def boot(lab: Lab, tmp_path: Path, plugin: str, platform: str) -> Iterator[TargetFactory]:
    """A device booted from its seed plus ``extra`` config, behind a one-host Nornir."""
    built: list[Nornir] = []

    def factory(extra: str, knobs: Knobs | None = None) -> Target:
        name = f"{platform.split('_', maxsplit=1)[0]}x{next(_names)}"
        seed = LAB[platform].seed(name, 0).rstrip().removesuffix("end")
        device = lab.add_device(
            name,
            platform,
            password=PASSWORD,
            secret=SECRET,
            knobs=knobs or Knobs(),
            config=seed + extra + "end\n",
        )
        folder = tmp_path / f"inventory-{len(built)}"
        nr = build_nornir(folder, {name: host_entry(device, plugin)})
        built.append(nr)
        return Target(lab, device, nr, plugin, tmp_path)

    yield factory
    for nr in built:
        nr.close_connections(on_good=True, on_failed=True)


def test_a_real_running_config_backs_up_diffs_and_deploys(
    boot: TargetFactory, platform: str
) -> None:
    target = boot(REAL[platform])
    running = target.running()
    assert "Unusual delimiter" in running or "These lines are text" in running
    if platform == "cisco_ios":  # as IOS prints them: repeated exit lines
        assert running.count(" exit-af-interface") == 2
        assert running.count(" exit-address-family") == 3

    backup = target.run(backup_config, backup_dir=str(target.folder / "backups"))
    assert not backup.failed, backup.result
    saved = Path(backup.result).read_text()
    assert diff.normalised_diff(saved, diff.sanitize(running, platform), platform) == ""

    planned = target.run(deploy_config, config=CANDIDATE[platform], dry_run=True)
    assert not planned.failed, planned.result
    assert "description changed by deploy" in planned.diff
    assert "10.8.8.0" in planned.diff

    done = target.run(deploy_config, config=CANDIDATE[platform], dry_run=False)
    assert not done.failed, done.result
    assert done.changed
    after = target.running()
    assert "description changed by deploy" in after
    assert "Exec banner, hash delimited" in after or "New motd" in after
    again = target.run(deploy_config, config=CANDIDATE[platform], dry_run=False)
    assert not again.failed, again.result
    assert again.changed is False, again.diff


def test_an_unterminated_banner_fails_the_host_with_one_line(
    boot: TargetFactory, platform: str
) -> None:
    target = boot("")
    before = target.running()
    broken = "banner login #\nnever closed\n" if platform == "cisco_ios" else "banner login\nx\n"

    result = target.run(deploy_config, config=broken, dry_run=False)

    assert result.failed
    message = str(result.result)
    assert "\n" not in message
    assert "banner login is not terminated" in message
    assert target.running() == before


def _acl(running: str, platform: str) -> list[str]:
    """The ACL's entries as the device shows them, in order."""
    lines = [line.strip() for line in running.splitlines()]
    if platform == "cisco_ios":
        return [line for line in lines if line.startswith("access-list 10 ")]
    start = lines.index("ip access-list standard ACL10") + 1
    return list(itertools.takewhile(lambda line: line[:1].isdigit(), lines[start:]))


def test_removing_the_middle_acl_entry_ends_in_order(boot: TargetFactory, platform: str) -> None:
    target = boot(ACL[platform])

    result = target.run(deploy_config, config=WITHOUT_MIDDLE[platform], dry_run=False)

    assert not result.failed, result.result
    assert result.changed
    assert "10.0.0.2" in result.diff
    entries = _acl(target.running(), platform)
    assert [entry.split()[-1] for entry in entries] == ["10.0.0.1", "10.0.0.3", "any"]
    again = target.run(deploy_config, config=WITHOUT_MIDDLE[platform], dry_run=False)
    assert again.changed is False, again.diff


def test_a_refused_later_line_rolls_the_acl_back_in_its_original_order(
    boot: TargetFactory, platform: str
) -> None:
    target = boot(ACL[platform], knobs=Knobs(reject_lines=(r"^\s*logging host 10\.9\.9\.9",)))
    before = target.running()
    original = _acl(before, platform)

    result = target.run(
        deploy_config, config=WITHOUT_MIDDLE[platform] + "logging host 10.9.9.9\n", dry_run=False
    )

    assert result.failed
    message = str(result.result)
    assert "logging host 10.9.9.9" in message
    assert "verified equal to" in message
    assert _acl(target.running(), platform) == original
    assert diff.normalised_diff(target.running(), before, platform) == ""


def test_verification_fails_when_the_order_differs(
    boot: TargetFactory, platform: str, plugin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device that ends with the ACL's entries in another order than the candidate (moved
    here right after the CLI plugins' atomic replace): the deploy's own check finds the order
    wrong and the rollback restores it."""
    if plugin == "napalm":
        pytest.skip("NAPALM's own commit: see the test below")
    target = boot(ACL[platform])
    before = target.running()
    middle = "access-list 10 permit 10.0.0.2" if platform == "cisco_ios" else "20 permit host"
    candidate = "".join(line + "\n" for line in before.splitlines() if middle not in line)
    replace = commit.replace

    def replace_then_misorder(
        backend: backends.CliBackend, text: str, revert_after: float | None
    ) -> None:
        replace(backend, text, revert_after)
        if "10.0.0.2" not in text:  # the deploy's replace, not the rollback's
            target.lab.call(lambda: _misorder(target.device.running, platform))

    monkeypatch.setattr(commit, "replace", replace_then_misorder)

    result = target.run(deploy_config, config=candidate, mode="replace", dry_run=False)

    assert result.failed
    message = str(result.result)
    assert "does not match the candidate" in message
    assert "10.0.0.3" in message.split("still different:")[1]
    assert "verified equal to" in message
    assert diff.normalised_diff(target.running(), before, platform) == ""


@pytest.mark.parametrize("plugin", ["napalm"])
def test_napalm_verification_and_rollback_check_compare_the_order(
    boot: TargetFactory, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device that ends with the ACL's entries in another order than committed (moved here
    right after NAPALM's commit) fails the check after the commit; the native rollback's
    result is checked in order too ("verified equal" means equal)."""
    target = boot(ACL[platform])
    before = target.running()
    commit = NapalmBackend.commit

    def commit_then_misorder(
        backend: NapalmBackend, candidate: str, mode: Mode, revert_in: int | None = None
    ) -> str:
        native = commit(backend, candidate, mode, revert_in)
        if "10.0.0.2" not in candidate:  # the deploy's commit, not a rollback's
            target.lab.call(lambda: _misorder(target.device.running, platform))
        return native

    monkeypatch.setattr(NapalmBackend, "commit", commit_then_misorder)
    middle = "access-list 10 permit 10.0.0.2" if platform == "cisco_ios" else "20 permit host"
    candidate = "".join(line + "\n" for line in before.splitlines() if middle not in line)

    result = target.run(deploy_config, config=candidate, mode="replace", dry_run=False)

    assert result.failed
    message = str(result.result)
    assert "does not match the candidate" in message
    assert "verified equal to" in message
    assert diff.normalised_diff(target.running(), before, platform) == ""


def _misorder(root: ConfigNode, platform: str) -> None:
    """Move the ACL's last permit behind its deny, as an order-blind change would leave it."""
    if platform == "cisco_ios":
        entries = [n for n in root.children if n.text.startswith("access-list 10 ")]
        permit = next(n for n in entries if n.text.endswith("10.0.0.3"))
        root.children.remove(permit)
        root.children.append(permit)
        return
    acl = next(n for n in root.children if n.text == "ip access-list standard ACL10")
    for entry in acl.children:
        if entry.text.endswith("10.0.0.3"):
            entry.text = "50 permit host 10.0.0.3"
    acl.children.sort(key=lambda node: int(node.text.split()[0]))
