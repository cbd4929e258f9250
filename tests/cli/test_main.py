import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, REFERENCE

REQUIRED = {
    "path", "beats", "duration_s", "hr_mean_bpm", "rmssd_ms", "sdnn_ms", "pnn50_pct", "lf_ms2",
    "hf_ms2", "lf_hf", "coherence_mean", "coherence_max", "breathing_rate_bpm", "artifacts",
    "artifact_beats",
}  # fmt: skip


def resonant(*args):
    return subprocess.run(
        [sys.executable, "-m", "resonant", *args], capture_output=True, text=True, timeout=120
    )


def test_analyze_json_lines_have_every_field():
    p = resonant("analyze", "--json", str(REFERENCE / "slow-breathing.txt"),
                 str(REFERENCE / "with-artifacts.txt"))  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(x) for x in lines)
    assert REQUIRED <= first.keys()
    assert first["coherence_mean"] > 2 and 5.5 < first["breathing_rate_bpm"] < 6.5
    assert {"total", "ectopic", "long", "short", "missed", "extra"} <= second["artifacts"].keys()
    assert second["artifacts"]["total"] == len(second["artifact_beats"]) > 20


def test_bad_files_get_one_line_and_status_2_while_good_ones_still_go_through():
    good = str(REFERENCE / "spontaneous.txt")
    bad = [
        str(FIXTURES / "recordings" / n) for n in ("text-in-numbers.txt", "binary.bin", "empty.txt")
    ]
    p = resonant("analyze", "--json", bad[0], good, bad[1], "missing.txt", bad[2])
    assert p.returncode == 2
    assert [json.loads(x)["path"] for x in p.stdout.splitlines()] == [good]
    err = p.stderr.splitlines()
    assert len(err) == 4
    assert (
        err[0] == f"resonant: {bad[0]}:3: 'abc' is not a number (expected one RR interval per line)"
    )
    assert "Traceback" not in p.stderr


def test_cut_off_recording_is_analysed_with_a_warning():
    p = resonant("analyze", "--json", str(FIXTURES / "recordings" / "cut-off.txt"))
    assert p.returncode == 0
    assert json.loads(p.stdout)["beats"] == 3
    assert "cut off" in p.stderr


def test_session_folder_and_human_table():
    p = resonant("analyze", str(FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"),
                 str(REFERENCE / "slow-breathing.txt"))  # fmt: skip
    assert p.returncode == 0, p.stderr
    header = p.stdout.splitlines()[0].split()
    assert header[:4] == ["recording", "beats", "min", "HR"]
    assert "[strap]" in p.stdout and "slow-breathing.txt" in p.stdout
    assert "120 s of beats without a gap" in p.stdout  # the 90-s segments are too short for LF


@pytest.mark.parametrize(
    "args", [("--help",), ("analyze", "--json", str(REFERENCE / "spontaneous.txt"))]
)
def test_command_line_loads_neither_qt_nor_bleak(args):
    code = (
        "import sys, runpy; sys.argv = ['resonant', *sys.argv[1:]]\n"
        "from resonant.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('PyQt6', 'bleak', 'scipy', 'pyqtgraph') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert "HEAVY []" in p.stderr, p.stderr


def test_no_command_prints_help_and_version_works():
    p = resonant()
    assert p.returncode == 0 and "analyze" in p.stdout
    assert resonant("--version").stdout.startswith("resonant ")
    assert resonant("analyze").returncode == 2


def test_building_the_parser_loads_no_heavy_module():
    # every command module is imported to build the parser: none may load numpy, Qt,
    # bleak or scipy at import time (they are imported when a command runs)
    code = (
        "import sys; from resonant.cli import build_parser; build_parser(); "
        "bad=[m for m in ('numpy','PyQt6','bleak','scipy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


def test_every_command_is_a_module_with_add_parser_and_run():
    import importlib

    from resonant.cli import COMMANDS, build_parser

    parser = build_parser()
    for name in COMMANDS:
        module = importlib.import_module(f"resonant.cli.{name}")
        assert callable(module.add_parser) and callable(module.run), name
    sub = next(a for a in parser._actions if a.dest == "command")
    assert tuple(sub.choices) == COMMANDS
    for name, sample in [("history", []), ("scan", []), ("analyze", ["x.txt"])]:
        args = parser.parse_args([name, *sample])
        assert args.func is importlib.import_module(f"resonant.cli.{name}").run


@pytest.mark.parametrize("bad", ["fifo", "unreadable", "far beat", "arabic digits"])
@pytest.mark.parametrize("as_json", [False, True])
def test_analyze_good_bad_keeps_the_good_result(tmp_path, capsys, monkeypatch, bad, as_json):
    """Issue 18: one bad input is one sentence naming it, exit 2, and the good input is
    still printed, in table mode too (and a FIFO is never opened)."""
    import errno
    import os
    import shutil

    from resonant.cli.analyze import run_analyze

    good = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"
    target = tmp_path / "bad"
    if bad == "fifo":
        os.mkfifo(tmp_path / "x.txt")
        target = tmp_path / "x.txt"
    else:
        shutil.copytree(good, target)
    if bad == "unreadable":
        real = os.stat

        def denied(path, *args, **kwargs):
            if os.path.dirname(os.fspath(path)) == str(target):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)

        monkeypatch.setattr(os, "stat", denied)
    elif bad == "far beat":
        lines = (target / "beats.tsv").read_text().splitlines()
        lines[-1] = "1e300\t" + lines[-1].split("\t", 1)[1]
        (target / "beats.tsv").write_text("\n".join(lines) + "\n")
    elif bad == "arabic digits":
        lines = (target / "beats.tsv").read_text().splitlines()
        cells = lines[1].split("\t")
        cells[1] = "٨٠٠"
        lines[1] = "\t".join(cells)
        (target / "beats.tsv").write_text("\n".join(lines) + "\n")
    assert run_analyze([str(good), str(target)], as_json=as_json) == 2
    out, err = capsys.readouterr()
    [sentence] = err.strip().splitlines()
    assert sentence.startswith(f"resonant: {target}") and "Traceback" not in err
    assert str(good) in out  # the good result is printed


@pytest.mark.parametrize("table", ["pacer.tsv", "acc.tsv", "both"])
@pytest.mark.parametrize("as_json", [False, True])
def test_analyze_says_a_broken_pacer_or_acc_table_and_still_analyses_the_beats(
    tmp_path, capsys, table, as_json
):
    """Issue 18: a broken pacer.tsv or acc.tsv is one sentence naming it, on stderr beside
    the results; the beats are still analysed (as without the table), exit 2."""
    import shutil

    from resonant.cli.analyze import run_analyze

    good = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"
    target = tmp_path / "session"
    shutil.copytree(good, target)
    assert run_analyze([str(target)], as_json=True) == 0
    clean, _ = capsys.readouterr()
    names = ["pacer.tsv", "acc.tsv"] if table == "both" else [table]
    for name in names:
        header = "time_s\tphase\trate_bpm" if name == "pacer.tsv" else "time_s\tx_mg\ty_mg\tz_mg"
        (target / name).write_text(f"{header}\nnot a row\n1\t2\t3\n")
    assert run_analyze([str(good), str(target)], as_json=as_json) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == len(names) and "Traceback" not in err
    for name, line in zip(names, lines, strict=True):
        assert line.startswith(f"resonant: {target / name}:2: ")
        assert "the beats were analysed without" in line
    assert str(good) in out and str(target) in out
    if as_json:
        assert out.splitlines()[1] == clean.strip()  # the same values as without the table
