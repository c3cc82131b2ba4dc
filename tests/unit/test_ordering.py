"""Order where the device keeps order: diff, remediation, rollback and merge of ordered lists.

Each remediation is also typed on the lab's config engine, whose tables model how the
platform orders list entries, so "the device ends in the intended order" is checked, not
assumed. Golden file: tests/unit/golden/<platform>/ordering.txt.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nornir_pack import diff
from nornir_pack.lab.config import ConfigEngine, Outcome, load_config, render
from nornir_pack.lab.platforms import PLATFORMS as LAB
from tests.unit.golden_files import PLATFORMS, check_golden

ACL = {
    "cisco_ios": ["access-list 10 permit 10.0.0.1", "access-list 10 permit 10.0.0.2"],
    "arista_eos": ["ip access-list standard ACL10", "   10 permit host 10.0.0.1"],
}


def on_lab(platform: str, config: str, *changes: str) -> str:
    """Boot the lab's engine with ``config``, type each change, show the running config."""
    root, errors = load_config(LAB[platform], config)
    assert errors == []
    for change in changes:
        engine = ConfigEngine(LAB[platform], root)
        for line in change.splitlines():
            assert engine.apply(line).outcome in (Outcome.OK, Outcome.EXIT), line
    return render(root, LAB[platform])


# Per platform: the running list, the intended list (its middle entry removed), and the same
# lists as a running config shows them and as a template writes them (no numbers).
NUMBERED = {
    "cisco_ios": (
        "access-list 10 permit 10.0.0.1\n"
        "access-list 10 permit 10.0.0.2\n"
        "access-list 10 permit 10.0.0.3\n"
        "access-list 10 deny any\n",
        "access-list 10 permit 10.0.0.1\naccess-list 10 permit 10.0.0.3\naccess-list 10 deny any\n",
    ),
    "arista_eos": (
        "ip access-list standard ACL10\n"
        "   10 permit host 10.0.0.1\n"
        "   20 permit host 10.0.0.2\n"
        "   30 permit host 10.0.0.3\n"
        "   40 deny any\n",
        "ip access-list standard ACL10\n"
        "   permit host 10.0.0.1\n"
        "   permit host 10.0.0.3\n"
        "   deny any\n",
    ),
}
NAMED = {
    "cisco_ios": (
        "ip access-list extended WEB\n"
        " 10 permit tcp any any eq 80\n"
        " 20 permit tcp any any eq 443\n"
        " 30 deny ip any any\n",
        "ip access-list extended WEB\n"
        " permit tcp any any eq 443\n"
        " permit tcp any any eq 80\n"
        " permit tcp any any eq 22\n"
        " deny ip any any\n",
    ),
    "arista_eos": (
        "ip access-list WEB\n"
        "   10 remark web servers\n"
        "   20 permit tcp any any eq 80\n"
        "   30 deny ip any any\n",
        "ip access-list WEB\n"
        "   remark web servers\n"
        "   permit tcp any any eq 443\n"
        "   permit tcp any any eq 80\n"
        "   deny ip any any\n",
    ),
}
OTHERS = {
    "cisco_ios": (
        "ip prefix-list PL seq 5 permit 10.0.0.0/8\n"
        "ip prefix-list PL seq 10 permit 172.16.0.0/12\n"
        "ip as-path access-list 1 permit _65001_\n"
        "ip as-path access-list 1 deny .*\n"
        "ip community-list standard C permit 65001:1\n"
        "ip community-list standard C permit 65001:2\n"
        "route-map RM permit 10\n"
        " match ip address prefix-list PL\n",
        "ip prefix-list PL permit 172.16.0.0/12\n"
        "ip prefix-list PL permit 10.0.0.0/8\n"
        "ip as-path access-list 1 deny .*\n"
        "ip as-path access-list 1 permit _65001_\n"
        "ip community-list standard C permit 65001:1\n"
        "ip community-list standard C permit 65001:2\n"
        "ip community-list standard C permit 65001:3\n"
        "route-map RM\n"
        " match ip address prefix-list PL\n",
    ),
    "arista_eos": (
        "ip as-path access-list AP permit _65001_ any\n"
        "ip as-path access-list AP deny .* any\n"
        "ip community-list C permit 65001:1\n"
        "route-map RM permit 10\n"
        "   set local-preference 200\n",
        "ip as-path access-list AP deny .* any\n"
        "ip as-path access-list AP permit _65001_ any\n"
        "ip community-list C permit 65001:1\n"
        "route-map RM\n"
        "   set local-preference 200\n",
    ),
}
CASES = {"numbered": NUMBERED, "named": NAMED, "others": OTHERS}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_golden_ordered_diff_remediation_rollback(platform: str) -> None:
    out = []
    for case, table in CASES.items():
        running, intended = table[platform]
        out += [
            f"# {case}: diff",
            diff.normalised_diff(running, intended, platform),
            f"# {case}: remediation",
            diff.remediation(running, intended, platform),
            f"# {case}: rollback",
            diff.rollback(running, intended, platform),
        ]
    check_golden(platform, "ordering.txt", "\n".join(out) + "\n")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("case", CASES)
def test_remediation_ends_in_order_and_rollback_restores_the_order(
    platform: str, case: str
) -> None:
    running, intended = CASES[case][platform]
    if case == "others" and platform == "cisco_ios":
        running = running.replace(" seq 5 ", " ").replace(" seq 10 ", " ")  # as typed
    shown = on_lab(platform, running)
    fix = diff.remediation(shown, intended, platform)
    after = on_lab(platform, running, fix)
    assert diff.normalised_diff(after, intended, platform) == ""
    undo = diff.rollback(shown, intended, platform)
    back = on_lab(platform, running, fix, undo)
    assert diff.normalised_diff(back, shown, platform) == ""  # each list in its order


def test_the_diff_sees_a_changed_order() -> None:
    running = "".join(f"{line}\n" for line in NUMBERED["cisco_ios"][0].splitlines())
    lines = running.splitlines()
    moved = "\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n"
    assert diff.normalised_diff(running, moved, "cisco_ios")
    assert not diff.equivalent(running, moved, "cisco_ios")
    # the device after a remediation that only re-adds a removed entry: at the end, dead
    appended = "\n".join([lines[0], lines[2], lines[3], lines[1]]) + "\n"
    assert sorted(diff.normalised_diff(appended, running, "cisco_ios").splitlines()) == [
        "+ access-list 10 permit 10.0.0.2",
        "- access-list 10 permit 10.0.0.2",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # an entry the list lacks goes to its end; one it has changes nothing
        (
            "access-list 10 permit 10.0.0.9\naccess-list 10 permit 10.0.0.1\n",
            ["10.0.0.1", "10.0.0.2", "any", "10.0.0.9"],
        ),
        # IOS: `no access-list 10 <any entry>` deletes the whole list
        ("no access-list 10 permit 10.0.0.2\n", []),
        # the way to rewrite a list in merge mode: remove it, then give it whole
        (
            "no access-list 10\naccess-list 10 permit 10.0.0.2\naccess-list 10 deny any\n",
            ["10.0.0.2", "any"],
        ),
    ],
)
def test_merge_predicts_the_order_the_device_keeps(change: str, expected: list[str]) -> None:
    running = "access-list 10 permit 10.0.0.1\naccess-list 10 permit 10.0.0.2\n"
    running += "access-list 10 deny any\n"
    merged = diff.merge(running, change, "cisco_ios")
    assert [line.split()[-1] for line in merged.splitlines()] == expected
    assert diff.normalised_diff(on_lab("cisco_ios", running, change), merged, "cisco_ios") == ""


@pytest.mark.parametrize("platform", PLATFORMS)
def test_merged_acl_entries_without_numbers_go_after_the_last(platform: str) -> None:
    running, _ = NAMED[platform]
    header = running.splitlines()[0]
    indent = " " * diff.dialect(platform).indent
    change = f"{header}\n{indent}permit udp any any eq 53\n{indent}deny ip any any\n"
    merged = diff.merge(running, change, platform)
    assert merged.splitlines()[-1].split()[0] == "40"
    assert diff.normalised_diff(on_lab(platform, running, change), merged, platform) == ""


ENTRIES = st.lists(st.sampled_from([f"10.0.0.{n}" for n in range(1, 7)]), unique=True)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(old=ENTRIES, new=ENTRIES)
def test_any_list_change_ends_in_order_on_the_lab(old: list[str], new: list[str]) -> None:
    """Remediation then rollback between any two numbered ACLs, typed on the lab device."""

    def acl(hosts: list[str]) -> str:
        return "hostname r1\n" + "".join(f"access-list 10 permit {h}\n" for h in hosts)

    fix = diff.remediation(acl(old), acl(new), "cisco_ios")
    after = on_lab("cisco_ios", acl(old), fix)
    assert diff.normalised_diff(after, acl(new), "cisco_ios", redact=False) == ""
    back = on_lab("cisco_ios", acl(old), fix, diff.rollback(acl(old), acl(new), "cisco_ios"))
    assert diff.normalised_diff(back, acl(old), "cisco_ios", redact=False) == ""


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_named_acl_removed_then_given_again_is_the_new_list(platform: str) -> None:
    running, _ = NAMED[platform]
    header = running.splitlines()[0]
    indent = " " * diff.dialect(platform).indent
    entries = ["permit tcp any any eq 443", "permit tcp any any eq 80"]
    change = f"no {header}\n{header}\n" + "".join(f"{indent}{e}\n" for e in entries)
    merged = diff.merge(running, change, platform)
    assert merged.splitlines()[1:] == [f"{indent}10 {entries[0]}", f"{indent}20 {entries[1]}"]
    assert diff.normalised_diff(on_lab(platform, running, change), merged, platform) == ""
