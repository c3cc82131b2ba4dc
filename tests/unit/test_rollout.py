"""Planning a rollout: waves in inventory order, a canary first, one key value per wave, the
failure budget with Ansible's semantics, and one-line errors for bad options."""

from __future__ import annotations

import pytest
from nornir.core.inventory import Host

from nornir_pack.exceptions import UsageError
from nornir_pack.rollout import RolloutOptions, Wave, plan_waves, wave_failed


def hosts(count: int, **data_of: str) -> list[Host]:
    return [
        Host(f"h{n:02d}", data={"site": data_of.get(f"h{n:02d}", "x")}) for n in range(1, count + 1)
    ]


def planned(count: int, **options: object) -> list[tuple[str, list[str]]]:
    return [(w.label, w.hosts) for w in plan_waves(hosts(count), RolloutOptions(**options))]


def test_waves_of_a_size_keep_inventory_order_and_the_last_wave_takes_the_rest() -> None:
    assert planned(10, wave_size=4) == [
        ("", ["h01", "h02", "h03", "h04"]),
        ("", ["h05", "h06", "h07", "h08"]),
        ("", ["h09", "h10"]),
    ]


def test_a_share_is_of_all_hosts_rounded_up_and_the_canary_goes_alone_first() -> None:
    assert planned(10, canary=1, wave_size="25%") == [
        ("canary", ["h01"]),
        ("", ["h02", "h03", "h04"]),
        ("", ["h05", "h06", "h07"]),
        ("", ["h08", "h09", "h10"]),
    ]
    assert planned(3, canary=1) == [("canary", ["h01"]), ("", ["h02", "h03"])]


def test_wave_by_makes_one_wave_per_value_in_order_of_first_appearance() -> None:
    fleet = hosts(5, h01="b", h02="a", h03="b", h04="a", h05="c")
    waves = plan_waves(fleet, RolloutOptions(wave_by="site", wave_size=1))
    assert [(w.number, w.label, w.hosts) for w in waves] == [
        (1, "site=b", ["h01"]),
        (2, "site=b", ["h03"]),
        (3, "site=a", ["h02"]),
        (4, "site=a", ["h04"]),
        (5, "site=c", ["h05"]),
    ]


@pytest.mark.parametrize(
    ("size", "failed", "max_fail", "fails"),
    [
        (4, 1, "20%", True),  # 25% > 20%
        (5, 1, "20%", False),  # 20% is not more than 20%
        (4, 0, 0, False),
        (4, 1, 0, True),  # the default: any failure fails the wave
        (4, 4, 100, False),
    ],
)
def test_a_wave_fails_when_its_failed_share_exceeds_max_fail(
    size: int, failed: int, max_fail: object, fails: bool
) -> None:
    names = [f"h{n}" for n in range(size)]
    wave = Wave(2, names, failed=names[:failed])
    assert wave_failed(wave, RolloutOptions(wave_size=size, max_fail=max_fail)) is fails  # type: ignore[arg-type]


def test_a_canary_fails_on_any_failure_whatever_the_budget() -> None:
    wave = Wave(1, ["h01", "h02"], label="canary", failed=["h02"])
    assert wave_failed(wave, RolloutOptions(canary=2, max_fail=90))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"wave_size": 0}, "wave_size is 0: use a number of hosts (4) or a share (25%)"),
        ({"wave_size": "0%"}, "wave_size is '0%': use more than 0%"),
        ({"wave_size": "four"}, "wave_size is 'four'"),
        ({"max_fail": "120%"}, "max_fail is '120%': use a percentage, e.g. 20%"),
        ({"max_fail": True}, "max_fail is True"),
        ({"canary": -1}, "canary is -1: use a number of at least 0"),
        ({"on_wave_fail": "panic"}, "use one of rollback-wave, rollback-all, stop"),
        ({"confirm_timeout": 0}, "confirm_timeout is 0: use a number of at least 1"),
        ({"post_checks": "health"}, "give a list, e.g. [health, mychecks:bgp_up]"),
    ],
)
def test_bad_options_name_the_option_and_the_fix(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=r"^rollout option ") as raised:
        RolloutOptions(**options)  # type: ignore[arg-type]
    assert message in str(raised.value)
