"""`hotline-gateway models install|list` and `hotline-gateway draft --jsonl`, as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXE = str(Path(sys.executable).with_name("hotline-gateway"))
FIXTURES = ROOT / "tests" / "fixtures" / "argos"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], capture_output=True, text=True, input=stdin, timeout=120, cwd=ROOT)


def test_models_install_and_list_show_direct_and_pivot(tmp_path):
    tdir = str(tmp_path / "t")
    r = run("models", "list", "--translate-dir", tdir)
    assert r.returncode == 0 and "0 translation directions" in r.stdout
    r = run("models", "install", str(FIXTURES / "en_zh.argosmodel"), str(FIXTURES / "ja_en.argosmodel"),
            "--translate-dir", tdir)
    assert r.returncode == 0, r.stderr
    assert "installed en->zh" in r.stdout and "installed ja->en" in r.stdout
    r = run("models", "list", "--translate-dir", tdir)
    assert "en -> zh  direct" in r.stdout and "ja -> zh  via en" in r.stdout
    pairs = json.loads(run("models", "list", "--json", "--translate-dir", tdir).stdout)
    assert {"from": "ja", "to": "zh", "via": "en"} in pairs


def test_corrupt_package_is_refused_and_installed_ones_keep_working(tmp_path):
    tdir = str(tmp_path / "t")
    assert run("models", "install", str(FIXTURES / "en_zh.argosmodel"), "--translate-dir", tdir).returncode == 0
    bad = tmp_path / "broken.argosmodel"
    bad.write_bytes(b"PK\x03\x04 this is not a real zip")
    r = run("models", "install", str(bad), "--translate-dir", tdir)
    assert r.returncode == 2 and "broken.argosmodel" in r.stderr and "Traceback" not in r.stderr
    r = run("models", "list", "--translate-dir", tdir)
    assert "en -> zh  direct" in r.stdout


def test_draft_jsonl_one_line_in_one_line_out(tmp_path):
    cases = [
        {"id": "a", "lang": "en", "reference_time": "2026-11-28T10:00:00+08:00",
         "text": "A restaurant on Nanjing East Road overcharged me yesterday and refused a refund."},
        {"id": "b", "lang": "zh", "reference_time": "2026-11-28T10:00:00+08:00",
         "text": "请问外国人在上海办理工作许可需要哪些材料？"},
        {"id": "c", "text": 42},
    ]
    f = tmp_path / "cases.jsonl"
    f.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    r = run("draft", "--jsonl", str(f), "--translate-dir", str(tmp_path / "t"))
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert out[0]["department"] == "MARKET_REGULATION" and out[0]["district"] == "huangpu"
    assert out[0]["event_date"] == "2026-11-27" and out[0]["category"] == "COMPLAINT"
    assert out[1]["department"] == "SCIENCE_TECH" and out[1]["category"] == "CONSULTATION"
    assert "error" in out[2] and "line 3" in r.stderr and r.returncode == 1
    # standard input works too
    r = run("draft", "--jsonl", "-", "--no-mt", stdin=json.dumps(cases[1], ensure_ascii=False))
    assert r.returncode == 0 and json.loads(r.stdout)["department"] == "SCIENCE_TECH"
