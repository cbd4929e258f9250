"""``resonant record`` and ``resonant demo``: whole sessions, files, crashes, bad input."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.folder.read import read_events, read_recording
from tests.conftest import REFERENCE, accept_simulated_rate, first_pacer_rate

FAST = "100000"  # as fast as the machine goes


def record(tmp: Path, name: str, *args: str) -> Path:
    out = tmp / name
    status = main(["record", "--simulate", "--out", str(out), "--speed", FAST, *args])
    assert status == 0
    return out


def analyze(folder: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["analyze", "--json", str(folder)]) == 0
    return json.loads(capsys.readouterr().out)


def spawn(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "resonant", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )  # fmt: skip


def test_a_session_folder_has_every_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = record(tmp_path, "s", "--duration", "180", "--sim-seed", "1", "--participant", "P07")
    assert f"recording to {out}" in capsys.readouterr().out
    meta = json.loads((out / "session.json").read_text())
    assert meta["format_version"] == 1 and meta["participant"] == "P07"
    assert meta["start_utc"].endswith("Z") and meta["end_reason"] == "completed"
    assert meta["sources"][0]["kind"] == "simulated" and meta["sources"][0]["settings"]["seed"] == 1
    assert meta["settings"]["pacer"] == {
        "rate_bpm": 6.0,
        "ratio": "4:6",
        "hold_in_s": 0.0,
        "hold_out_s": 0.0,
    }
    [rec] = read_recording(out)
    # The duration counts from the first beat.
    assert 179.0 < rec.time_s[-1] - rec.time_s[0] <= 180.0
    pacer = (out / "pacer.tsv").read_text().splitlines()[1:]
    end = rec.time_s[0] + 180.0
    onsets = [t for k in range(20) for t in (10.0 * k, 10.0 * k + 4.0) if t <= end]
    assert [float(row.split("\t")[0]) for row in pacer] == sorted(onsets)  # 10-s breaths, 4 s in
    metrics = (out / "metrics.tsv").read_text().splitlines()
    assert len(metrics) - 1 == pytest.approx(36, abs=1)  # one update every 5 s
    last = dict(zip(metrics[0].split("\t"), metrics[-1].split("\t"), strict=True))
    assert float(last["coherence_ratio"]) > 0 and float(last["rmssd_ms"]) > 0
    assert last["pacer_rate_bpm"] == "6" and last["adherent"] in ("0", "1")


def test_the_same_seed_gives_the_same_session(tmp_path: Path) -> None:
    args = (
        "--duration",
        "150",
        "--sim-seed",
        "42",
        "--sim-artifacts",
        "0.02",
        "--sim-disconnects",
        "40",
    )
    a, b = record(tmp_path, "a", *args), record(tmp_path, "b", *args)
    c = record(tmp_path, "c", "--duration", "150", "--sim-seed", "43")
    for name in ("beats.tsv", "pacer.tsv", "events.tsv", "metrics.tsv"):
        assert (a / name).read_text() == (b / name).read_text(), name
    assert (a / "beats.tsv").read_text() != (c / "beats.tsv").read_text()


@pytest.mark.parametrize(("adherence", "follows"), [("0.95", True), ("0.1", False)])
def test_analyze_finds_the_pace_when_the_person_follows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], adherence: str, follows: bool
) -> None:
    out = record(tmp_path, "s", "--duration", "300", "--pace", "6.0", "--sim-adherence", adherence,
                 "--sim-seed", "3")  # fmt: skip
    res = analyze(out, capsys)
    rate = res["breathing_rate_bpm"]
    # Not following: the rate read is the person's own, or empty with its reason.
    assert (rate is not None and abs(rate - 6.0) <= 0.3) is follows, rate
    assert (rate is None) == (res["breathing_reason"] == "unclear from the heart rhythm")


def test_soothing_shows_more_variability_and_coherence_than_threat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res = {}
    for state in ("threat", "soothing"):
        out = record(tmp_path, state, "--duration", "300", "--sim-state", state, "--sim-seed", "5")
        res[state] = analyze(out, capsys)
    assert res["soothing"]["rmssd_ms"] > res["threat"]["rmssd_ms"]
    assert res["soothing"]["coherence_mean"] > res["threat"]["coherence_mean"]
    assert res["threat"]["hr_mean_bpm"] > res["soothing"]["hr_mean_bpm"]


def test_replay_gives_back_the_recorded_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = record(tmp_path, "first", "--duration", "200", "--sim-seed", "6",
                   "--sim-disconnects", "30",
                   "--sim-contact-loss", "30")  # fmt: skip
    again = tmp_path / "again"
    assert main(["record", "--replay", str(first), "--out", str(again), "--speed", FAST]) == 0
    [a], [b] = read_recording(first), read_recording(again)
    assert a.rr_ms.tolist() == b.rr_ms.tolist()
    assert a.time_s.tolist() == b.time_s.tolist()
    assert a.segment_starts.tolist() == b.segment_starts.tolist()
    assert [(e.kind, e.label) for e in read_events(first)] == [
        (e.kind, e.label) for e in read_events(again)
    ]
    ra, rb = analyze(first, capsys), analyze(again, capsys)
    for key in ("rmssd_ms", "coherence_mean", "breathing_rate_bpm", "segments"):
        assert ra[key] == rb[key]


def test_replay_of_an_rr_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    src = REFERENCE / "slow-breathing.txt"
    assert (
        main(["record", "--replay", str(src), "--out", str(out), "--speed", FAST, "--no-pacer"])
        == 0
    )
    [rec] = read_recording(out)
    [orig] = read_recording(src)
    assert rec.rr_ms.tolist() == orig.rr_ms.tolist()
    assert rec.source == "replay"
    assert (out / "pacer.tsv").read_text().count("\n") == 1  # header only: no pacer


def test_without_out_the_folder_goes_in_the_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert (
        main(["record", "--simulate", "--duration", "10", "--speed", FAST, "--sim-seed", "1"]) == 0
    )
    [folder] = (tmp_path / "resonant" / "sessions").iterdir()
    assert folder.name.endswith("Z_sim") and (folder / "beats.tsv").is_file()
    assert str(folder) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--simulate", "--pace", "11"], "11"),
        (["--simulate", "--pace", "6.05"], "6.05"),
        (["--simulate", "--ratio", "4-6"], "4-6"),
        (["--simulate", "--hold-in", "3"], "3"),
        (["--simulate", "--sim-resonance", "8"], "8"),
        (["--simulate", "--sim-adherence", "1.5"], "1.5"),
        (["--simulate", "--speed", "0"], "speed"),
        (["--simulate", "--duration", "-5"], "duration"),
        (["--replay", "no-such-file.txt"], "no-such-file.txt"),
    ],
)
def test_bad_options_get_one_sentence_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    status = main(["record", *args, "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("resonant: ") and says in err and "\n" not in err
    assert not (tmp_path / "s").exists()


def test_an_existing_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s").mkdir()
    assert main(["record", "--simulate", "--out", str(tmp_path / "s")]) == 2
    assert "never overwritten" in capsys.readouterr().err


def _wait_for_rows(path: Path, rows: int, proc: subprocess.Popen, timeout_s: float = 60.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.is_file():
            n = path.read_text().count("\n") - 1
            if n >= rows:
                return n
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"{path} did not reach {rows} rows")


def test_sigkill_mid_session_keeps_every_beat_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "killed"
    proc = spawn("record", "--simulate", "--out", str(out), "--speed", "20", "--sim-seed", "9")
    seen = _wait_for_rows(out / "beats.tsv", 40, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    [cut] = read_recording(out)
    assert cut.rr_ms.size >= seen
    # Every beat kept is exactly the beat an uninterrupted run with the same seed makes.
    full = record(tmp_path, "full", "--duration", str(cut.time_s[-1] + 30), "--sim-seed", "9")
    [ref] = read_recording(full)
    assert ref.rr_ms[: cut.rr_ms.size].tolist() == cut.rr_ms.tolist()
    # The cut-off session analyses and replays.
    assert analyze(out, capsys)["beats"] == cut.rr_ms.size
    again = tmp_path / "again"
    assert main(["record", "--replay", str(out), "--out", str(again), "--speed", FAST]) == 0
    assert read_recording(again)[0].rr_ms.tolist() == cut.rr_ms.tolist()


def test_ctrl_c_ends_cleanly_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "s"
    proc = spawn("record", "--simulate", "--out", str(out), "--speed", "20", "--sim-seed", "2")
    _wait_for_rows(out / "beats.tsv", 20, proc)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert f"saved in {out}" in stdout and "Traceback" not in stderr
    meta = json.loads((out / "session.json").read_text())
    assert meta["end_reason"] == "stopped" and meta["duration_s"] > 0


def test_a_full_disk_stops_the_recording_not_the_session(tmp_path: Path) -> None:
    out = tmp_path / "s"
    limit = 16_000  # bytes per file: beats.tsv reaches it after about 500 beats

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "record", "--simulate", "--out", str(out),
         "--duration", "900", "--speed", FAST, "--sim-seed", "4", "--no-acc"],
        capture_output=True, text=True, timeout=120, preexec_fn=small_files,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "recording stopped" in proc.stderr and "goes on" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "session completed after 15:00" in proc.stdout  # the session itself ran to its end
    [rec] = read_recording(out)  # what was written is intact (a cut-off last row is skipped)
    assert 300 < rec.rr_ms.size < 900
    full = record(tmp_path, "full", "--duration", "900", "--sim-seed", "4")
    assert read_recording(full)[0].rr_ms[: rec.rr_ms.size].tolist() == rec.rr_ms.tolist()


def test_demo_runs_the_simulated_strap_headless(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "demo", "--headless", "--duration", "120",
         "--speed", "400",
         "--sim-seed", "1"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "TERM": "dumb"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any("sim: HR" in ln and "coherence" in ln for ln in lines)
    assert "session completed after 2:00" in proc.stdout


# -- the accepted rate everywhere -----------------------------------------------------------






def test_without_an_accepted_rate_the_guide_starts_at_6_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = record(tmp_path, "s", "--duration", "30", "--sim-seed", "1")
    assert first_pacer_rate(out) == 6.0
    err = capsys.readouterr().err
    assert err.count("the guide starts at") == 1
    assert "resonant: the guide starts at 6 breaths/min.\n" in err


def test_after_accept_record_starts_the_guide_at_the_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = accept_simulated_rate(tmp_path)
    err = capsys.readouterr().err
    assert f"rate {rate:g}/min is saved" in err and "resonant record" in err and "--pace" in err
    out = record(tmp_path, "s", "--duration", "30", "--sim-seed", "1")
    assert first_pacer_rate(out) == rate
    meta = json.loads((out / "session.json").read_text())
    assert meta["settings"]["pacer"]["rate_bpm"] == rate
    assert meta["settings"]["pacer"]["ratio"] == "4:6"  # the ratio keeps its own default
    err = capsys.readouterr().err
    assert f"the guide starts at {rate:g} breaths/min, your accepted resonance rate." in err
    assert err.count("the guide starts at") == 1


def test_pace_on_the_command_line_overrides_the_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = accept_simulated_rate(tmp_path)
    capsys.readouterr()
    out = record(tmp_path, "s", "--duration", "30", "--sim-seed", "1", "--pace", "6")
    assert first_pacer_rate(out) == 6.0
    assert json.loads((out / "session.json").read_text())["settings"]["pacer"]["rate_bpm"] == 6.0
    err = capsys.readouterr().err
    assert f"the guide starts at 6 breaths/min; your accepted resonance rate is {rate:g}." in err


def test_a_replay_starts_the_guide_at_the_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = accept_simulated_rate(tmp_path)
    out = tmp_path / "r"
    src = REFERENCE / "slow-breathing.txt"
    assert main(["record", "--replay", str(src), "--out", str(out), "--speed", FAST,
                 "--duration", "60"]) == 0  # fmt: skip
    assert first_pacer_rate(out) == rate
    assert "your accepted resonance rate" in capsys.readouterr().err


def test_the_adaptive_guide_starts_from_the_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = accept_simulated_rate(tmp_path)
    capsys.readouterr()
    out = record(tmp_path, "s", "--duration", "300", "--sim-seed", "2", "--sim-resonance", "5",
                 "--sim-adherence", "1", "--adaptive")  # fmt: skip
    assert first_pacer_rate(out) == rate
    meta = json.loads((out / "session.json").read_text())
    assert meta["settings"]["adaptive"] is True and meta["settings"]["pacer"]["rate_bpm"] == rate
    changes = [e for e in read_events(out) if e.kind == "pacer"]
    assert changes, "the adaptive guide made no move in 5 minutes"
    assert "then gently follows you" in capsys.readouterr().err


def test_an_assessment_says_nothing_about_a_plain_guide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accept_simulated_rate(tmp_path)
    assert "the guide starts at" not in capsys.readouterr().err


def test_a_protocols_resonance_phase_uses_the_accepted_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = accept_simulated_rate(tmp_path)
    capsys.readouterr()
    out = record(tmp_path, "p", "--protocol", "soothing-practice", "--sim-seed", "1")
    assert first_pacer_rate(out) == rate  # the guide runs only in the breathing phase, at the rate
    err = capsys.readouterr().err
    assert "No resonance rate has been assessed" not in err
    assert "the guide starts at" not in err  # the protocol's phases say what the guide does


# -- honest endings: a folder that goes away, a disk that fills, a stop before any beat --------


def test_a_folder_removed_during_record_is_said_at_once_and_not_claimed(tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "s"
    err_file = tmp_path / "stderr.txt"
    with open(err_file, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "resonant", "record", "--simulate", "--out", str(out),
             "--speed", "20", "--sim-seed", "5", "--no-acc"],
            stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip
        try:
            _wait_for_rows(out / "beats.tsv", 10, proc)
            shutil.rmtree(out)
            deadline = time.monotonic() + 60
            while "was removed or moved" not in err_file.read_text():  # said while it runs
                assert proc.poll() is None and time.monotonic() < deadline, err_file.read_text()
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            stdout, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    stderr = err_file.read_text()
    assert proc.returncode == 1 and "Traceback" not in stderr
    assert stderr.count("was removed or moved") == 1  # once, not again at the end
    assert "saved in" not in stdout and "beats (none saved)" in stdout
    assert "nothing was saved" in stdout
    assert not out.exists()


def test_ctrl_c_before_the_first_beat_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "s"
    # At a hundredth of real time the first simulated beat is more than a minute away.
    proc = spawn("record", "--simulate", "--out", str(out), "--speed", "0.01", "--no-acc")
    try:
        deadline = time.monotonic() + 60
        while not (out / "session.json").is_file():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in stderr
    assert "nothing was recorded" in stderr and "saved in" not in stdout
    assert not out.exists()


def test_a_full_disk_during_record_counts_only_what_was_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 64 KiB tmpfs fills after some hundreds of beats; the summary counts those only."""
    import re

    from tests.model.test_atomic import small_tmpfs

    with small_tmpfs(tmp_path / "disk") as disk:
        out = disk / "s"
        status = main(["record", "--simulate", "--out", str(out), "--speed", FAST,
                       "--duration", "3600", "--sim-seed", "3", "--no-acc"])  # fmt: skip
        captured = capsys.readouterr()
        assert status == 1
        assert "recording stopped" in captured.err and "(the disk is full)" in captured.err
        assert captured.err.count("recording stopped") == 1
        found = re.search(r"sim: (\d+) beats \((\d+) saved\)", captured.out)
        assert found, captured.out
        total, saved = int(found[1]), int(found[2])
        [rec] = read_recording(out)
        assert 100 < saved < total and rec.rr_ms.size == saved


def test_a_fresh_data_folder_and_session_are_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "new" / "data"))
    old = os.umask(0o022)
    try:
        assert main(["record", "--simulate", "--duration", "10", "--speed", FAST]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    paths = [tmp_path / "new", *(tmp_path / "new").rglob("*")]
    assert any(p.name == "session.json" for p in paths)
    for p in paths:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), f"{p}: {oct(mode)}"
