"""The kiosk rules without a server: ids, hour buckets, report ranges and totals, links, availability, config."""

from __future__ import annotations

import pytest

from gateway import kiosk as K
from gateway.acd import SeatView, default_routing
from gateway.cli import build_parser
from gateway.config import load_config
from gateway.errors import InvalidField, UnknownLanguage
from gateway.storage.records import KioskCount


@pytest.mark.parametrize("good", ["PVG-T2-01", "SHA-T1-1", "K1", "9" * 32])
def test_good_kiosk_ids(good):
    assert K.check_kiosk_id(good, None) == good


@pytest.mark.parametrize("bad", ["", "P", "pvg-t2-01", "-PVG", "PVG T2", "PVG-T2-01\n", "X" * 33, None, 12, "ＰＶＧ"])
def test_bad_kiosk_ids(bad):
    with pytest.raises(InvalidField) as exc:
        K.check_kiosk_id(bad, None)
    assert exc.value.field == "kiosk"


def test_configured_kiosks():
    assert K.check_kiosk_id("PVG-T2-01", ["PVG-T2-01"]) == "PVG-T2-01"
    with pytest.raises(K.UnknownKiosk):
        K.check_kiosk_id("PVG-T2-02", ["PVG-T2-01"])


def test_kiosk_languages_are_the_foreign_ones_and_chinese():
    codes = [l.code for l in K.kiosk_languages()]
    assert len(codes) == 19 and codes[0] == "en" and codes[-1] == "zh"
    assert K.check_kiosk_lang("zh") == "zh"
    for bad in ("csl", "ZH", "zh-CN", ""):
        with pytest.raises((UnknownLanguage, InvalidField)):
            K.check_kiosk_lang(bad)


def test_hours_are_shanghai_hours():
    t0 = 1_795_824_000.0                         # 2026-11-28T00:00Z
    assert K.hour_bucket(t0) == "2026-11-28T08"
    assert K.hour_bucket(t0 + 16 * 3600 - 1) == "2026-11-28T23"
    assert K.hour_bucket(t0 + 16 * 3600) == "2026-11-29T00"


def test_report_range_covers_whole_days():
    first, last, since, until = K.report_range("2026-11-28", "2026-11-30")
    assert (since, until) == ("2026-11-28T00", "2026-12-01T00")
    assert str(first) == "2026-11-28" and str(last) == "2026-11-30"
    for a, b in (("2026-11-30", "2026-11-28"), ("2026-13-01", "2026-13-02"), ("20261128", "2026-11-28"),
                 (None, "2026-11-28"), ("2025-01-01", "2026-11-28")):
        with pytest.raises(InvalidField):
            K.report_range(a, b)


def test_report_totals():
    rows = [KioskCount("PVG-T2-01", "2026-11-28T08", "language_chosen", "ja", "", 3),
            KioskCount("PVG-T2-01", "2026-11-28T08", "call_started", "ja", "chat", 2),
            KioskCount("SHA-T2-03", "2026-11-28T09", "call_started", "ja", "voice", 1),
            KioskCount("SHA-T2-03", "2026-11-28T09", "qr_shown", "ko", "", 4)]
    out = K.report(rows)
    assert out["totals"]["by_language"]["ja"] == {"language_chosen": 3, "qr_shown": 0, "call_started": 3}
    assert out["totals"]["by_kiosk"]["SHA-T2-03"] == {"language_chosen": 0, "qr_shown": 4, "call_started": 1}
    assert out["totals"]["calls_by_channel"] == {"chat": 2, "voice": 1}
    assert out["totals"]["all"] == {"language_chosen": 3, "qr_shown": 4, "call_started": 3}
    assert out["rows"][0]["channel"] is None and out["rows"][1]["channel"] == "chat"


def test_miniapp_link():
    assert K.miniapp_link("https://12345.sh.gov.cn/miniapp", "ja", "PVG-T2-01") == \
        "https://12345.sh.gov.cn/miniapp?lang=ja&src=kiosk-PVG-T2-01"
    assert K.miniapp_link("https://x.cn/m?a=1&lang=en&src=web", "ar", "K1") == "https://x.cn/m?a=1&lang=ar&src=kiosk-K1"


def _seat(state: str, kind: str, skills: dict[str, int]) -> SeatView:
    return SeatView(seat_id=f"{kind}-{state}", name="n", kind=kind, skills=skills, state=state)


def test_availability_counts_logged_in_seats_of_any_tier():
    routing = default_routing()
    assert K.availability(routing, [], "ja") == {"chat": False, "voice": False, "video": False}
    offline = _seat("offline", "agent", {"lang:ja": 5})
    assert not any(K.availability(routing, [offline], "ja").values())
    volunteer = _seat("away", "volunteer", {"lang:uk": 3})          # admitted from the last chat tier
    assert K.availability(routing, [volunteer], "uk") == {"chat": True, "voice": True, "video": False}
    weak = _seat("available", "volunteer", {"lang:uk": 0})
    assert not any(K.availability(routing, [weak], "uk").values())
    csl = _seat("available", "agent", {"sign:csl": 5})
    assert K.availability(routing, [csl], "zh")["video"] is True
    assert K.availability(routing, [csl], "en")["video"] is False       # ID card + certificate: Chinese only


def test_config_fields_have_file_env_and_flag_spellings(tmp_path):
    cfg = load_config(env={})
    assert cfg.miniapp_url == "https://12345.sh.gov.cn/miniapp" and cfg.kiosk_idle_reset_s == 60.0 and cfg.kiosks == []
    toml = tmp_path / "gw.toml"
    toml.write_text('miniapp_url = "https://a.example/m"\nkiosk_idle_reset_s = 90\nkiosks = ["PVG-T2-01"]\n')
    cfg = load_config(toml, env={"HOTLINE_KIOSK_IDLE_RESET_S": "120"})
    assert (cfg.miniapp_url, cfg.kiosk_idle_reset_s, cfg.kiosks) == ("https://a.example/m", 120.0, ["PVG-T2-01"])
    args = build_parser().parse_args(["serve", "--miniapp-url", "https://b.example/m", "--kiosk-idle-reset-s", "45",
                                      "--kiosks", "PVG-T2-01,SHA-T2-03"])
    assert (args.miniapp_url, args.kiosk_idle_reset_s, args.kiosks) == ("https://b.example/m", "45", "PVG-T2-01,SHA-T2-03")


@pytest.mark.parametrize("overrides", [
    {"miniapp_url": "ftp://x.example/m"}, {"miniapp_url": "12345.sh.gov.cn"}, {"miniapp_url": "https://x/#a"},
    {"kiosk_idle_reset_s": 2}, {"kiosk_idle_reset_s": 7200}, {"kiosk_idle_reset_s": "nan"},
    {"kiosks": ["pvg-t2-01"]},
])
def test_bad_kiosk_config(overrides):
    with pytest.raises(InvalidField):
        load_config(env={}, overrides=overrides)
