"""``resonant report``: a one-page report from a session folder alone, as HTML and PDF."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from resonant.cli import main
from resonant.cli.report import run_report
from resonant.reports.page import DISCLAIMER, make_report
from resonant.folder.read import read_events, read_recording
from resonant.signal.offline import analyze_rr

FAST = "100000"
PHASES = [(0.0, 100.0, "arriving & settling <in>"), (100.0, 200.0, "soothing rhythm breathing")]
JUDGING = re.compile(r"\b(bad|poor|fail\w*|wrong|abnormal)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    out: dict[str, Path] = {}
    phased = root / "phased"
    assert main(["record", "--simulate", "--out", str(phased), "--duration", "300",
                 "--speed", FAST, "--sim-seed", "1"]) == 0  # fmt: skip
    with open(phased / "events.tsv", "a", encoding="utf-8") as fh:
        for onset, dur, label in PHASES:
            fh.write(f"{onset:g}\t{dur:g}\tphase\t{label}\t\n")
    out["phased"] = phased
    assess = root / "assess"
    assert main(["assess", "--simulate", "--speed", FAST, "--out", str(assess),
                 "--sim-seed", "1"]) == 0  # fmt: skip
    out["assess"] = assess
    minimal = root / "minimal"
    minimal.mkdir()
    for name in ("session.json", "beats.tsv"):
        shutil.copy(phased / name, minimal / name)
    out["minimal"] = minimal
    # A session cut off in the middle of its third step: no end fields, a half-written row.
    cut = root / "cut"
    shutil.copytree(assess, cut)
    meta = json.loads((cut / "session.json").read_text())
    for key in ("end_utc", "duration_s", "end_reason", "beats", "assessment"):
        meta.pop(key, None)
    (cut / "session.json").write_text(json.dumps(meta))
    rows = (cut / "beats.tsv").read_text().splitlines(keepends=True)
    (cut / "beats.tsv").write_text("".join(rows[:300]) + rows[300][:6])
    out["cut"] = cut
    return out


def visible_text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def phase_rows(page: str) -> list[list[str]]:
    rows = re.findall(r"<tr class='phase'>(.*?)</tr>", page, flags=re.S)
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]


def phase_table(page: str) -> list[dict[str, str]]:
    """The phase rows keyed by their column headers (``<br>`` read as a space)."""
    table = page.split("<p class=\"h2\">Phases</p>", 1)[-1].split("<p class=\"h2\">The session</p>")[-1]
    head = re.search(r"<tr>(<th.*?)</tr>", table, flags=re.S)
    assert head is not None
    names = [html.unescape(re.sub(r"<br>", " ", h)) for h in re.findall(r"<th[^>]*>(.*?)</th>", head[1])]
    return [dict(zip(names, row, strict=True)) for row in phase_rows(page)]


VALUES = ("mean HR (bpm)", "RMSSD (ms)", "coherence (mean ratio)", "LF/HF (ratio)",
          "breathing (breaths/min)")


def values(row: dict[str, str]) -> list[str]:
    return [row[k] for k in VALUES]


def shown(x: float | None, digits: int) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def breath_cell(res) -> str:
    """The breathing cell: the rate and where it comes from, or "unclear" (hrv-spec §11.1)."""
    if res.breathing_reason == "unclear from the heart rhythm":
        return "unclear"
    words = {"chest": " (chest)", "heart": " (heart rhythm)"}
    return shown(res.breathing_rate_bpm, 1) + words.get(res.breathing_source or "", "")


def expected_rows(folder: Path) -> list[tuple[str, list[str]]]:
    """analyze_rr on each phase's own beats (onset <= t < onset + duration), as shown.

    With the chest accelerometer of ``acc.tsv``: the breathing rate is the chest's."""
    from resonant.analysis.phases import recording_acc

    [rec] = read_recording(folder)
    acc = recording_acc(rec)
    phases = [e for e in read_events(folder) if e.kind == "phase"]
    out = []
    for e in sorted(phases, key=lambda e: e.onset_s):
        sel = (rec.time_s >= e.onset_s) & (rec.time_s < e.onset_s + e.duration_s)
        assert rec.segment_starts.tolist() == [0]  # no gaps in these simulated sessions
        res = analyze_rr(rec.time_s[sel], rec.rr_ms[sel], np.array([0]), acc=acc)
        out.append((e.label, [
            shown(res.time.hr_mean_bpm, 1), shown(res.time.rmssd_ms, 1),
            shown(res.coherence_mean, 2), shown(res.lf_hf, 2), breath_cell(res),
        ]))  # fmt: skip
    return out


def test_html_has_each_phase_computed_from_its_own_beats(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    out = make_report(folders["phased"], tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    rows = phase_rows(page)
    expected = expected_rows(folders["phased"])
    assert len(rows) == len(PHASES) == len(expected)
    for row, named, (label, expected_values), (onset, dur, _) in zip(
        rows, phase_table(page), expected, PHASES, strict=True
    ):
        assert row[1] == label  # escaped in the file, the same text once read
        assert row[2] == f"{int(onset) // 60}:{int(onset) % 60:02d}"
        assert row[3] == f"{int(dur) // 60}:{int(dur) % 60:02d}"
        assert values(named) == expected_values
    assert "&lt;in&gt;" in page and "<in>" not in page
    # The whole-session figures equal analyze_rr's on every beat.
    [rec] = read_recording(folders["phased"])
    whole = analyze_rr(rec.time_s, rec.rr_ms, rec.segment_starts)
    text = visible_text(page)
    assert f"{whole.time.rmssd_ms:.1f} ms" in text
    assert f"{whole.time.hr_mean_bpm:.1f} bpm" in text
    assert f"{whole.coherence_mean:.2f} mean ratio" in text


def test_html_is_one_self_contained_page(folders: dict[str, Path], tmp_path: Path) -> None:
    page = make_report(folders["phased"], tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<link" not in page and "<script" not in page and "http" not in page
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 4 and all(i.startswith("data:image/png;base64,") for i in images)
    text = visible_text(page)
    assert DISCLAIMER in text
    for unit in ("bpm", "ms", "breaths/min", "ratio", "min:s", "Hz"):
        assert unit in text
    assert "Simulated strap" in text and "6 breaths/min throughout; in:out 4:6" in text


def test_assessment_report_shows_steps_and_the_answer(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    page = make_report(folders["assess"], tmp_path / "a.html").read_text(encoding="utf-8")
    rows = phase_table(page)
    expected = expected_rows(folders["assess"])
    assert len(rows) == len(json.loads(
        (folders["assess"] / "session.json").read_text())["protocol"]["rates_bpm"])  # fmt: skip
    for row, (label, expected_values) in zip(rows, expected, strict=True):
        assert row["phase"] == label and values(row) == expected_values
    meta = json.loads((folders["assess"] / "session.json").read_text())
    text = visible_text(page)
    assert f"about {meta['assessment']['resonance_bpm']:.1f} breaths/min" in text
    assert "resonance assessment, stepped: 7, 6.5, 6, 5.5, 5, 4.5" in text


@pytest.mark.parametrize("name", ["phased", "assess", "minimal", "cut"])
def test_wording_is_gentle_and_carries_the_disclaimer(
    folders: dict[str, Path], tmp_path: Path, name: str
) -> None:
    text = visible_text(make_report(folders[name], tmp_path / "r.html").read_text("utf-8"))
    assert DISCLAIMER in text
    assert not JUDGING.findall(text)


def test_pdf_is_one_a4_page(folders: dict[str, Path], tmp_path: Path) -> None:
    from PyQt6.QtPdf import QPdfDocument

    for name in ("phased", "assess"):
        out = make_report(folders[name], tmp_path / f"{name}.pdf")
        data = out.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 20_000
        doc = QPdfDocument(None)
        doc.load(str(out))
        assert doc.pageCount() == 1
        size = doc.pagePointSize(0)
        assert abs(size.width() - 595) < 2 and abs(size.height() - 842) < 2  # A4
        assert "A training and teaching aid" in doc.getAllText(0).text()
        doc.close()


def test_a_folder_with_only_session_json_and_beats(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    page = make_report(folders["minimal"], tmp_path / "m.html").read_text(encoding="utf-8")
    [row] = phase_table(page)
    [rec] = read_recording(folders["minimal"])
    res = analyze_rr(rec.time_s, rec.rr_ms, rec.segment_starts)
    assert row["phase"] == "whole session"
    assert values(row) == [shown(res.time.hr_mean_bpm, 1), shown(res.time.rmssd_ms, 1),
                       shown(res.coherence_mean, 2), shown(res.lf_hf, 2),
                       breath_cell(res)]  # fmt: skip
    assert "no readable pacer.tsv" in visible_text(page)
    assert "6 breaths/min as set at the start (pacer.tsv" in visible_text(page)
    assert make_report(folders["minimal"], tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")


def test_a_cut_off_session(folders: dict[str, Path], tmp_path: Path) -> None:
    page = make_report(folders["cut"], tmp_path / "c.html").read_text(encoding="utf-8")
    text = visible_text(page)
    assert "perhaps interrupted" in text and "is cut off" in text
    rows = phase_table(page)
    assert len(rows) == 6
    assert "recorded" in rows[2]["duration (min:s)"]  # the step the recording stopped in
    assert rows[-1]["duration (min:s)"].endswith("(after the recording ended)")
    assert values(rows[-1]) == ["–"] * 5
    assert make_report(folders["cut"], tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_run_report_writes_and_never_overwrites(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "deeper" / "r.html"
    assert run_report(str(folders["phased"]), str(out)) == 0 and out.is_file()
    assert str(out) in capsys.readouterr().out
    before = out.read_bytes()
    assert run_report(str(folders["phased"]), str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("resonant: ") and "already exists" in err and err.count("\n") == 1
    assert out.read_bytes() == before


@pytest.mark.parametrize(
    ("make", "out_name", "words"),
    [
        (lambda f, t: f, "r.txt", ".html or .pdf"),
        (lambda f, t: t / "nowhere", "r.html", "no such session folder"),
        (lambda f, t: (t / "empty").mkdir() or t / "empty", "r.pdf", "no beats.tsv"),
        (lambda f, t: f / "beats.tsv", "r.html", "is not a session folder"),
    ],
)
def test_bad_input_gets_one_sentence_and_status_2(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    make, out_name: str, words: str,
) -> None:  # fmt: skip
    session = make(folders["minimal"], tmp_path)
    assert run_report(str(session), str(tmp_path / out_name)) == 2
    err = capsys.readouterr().err
    assert err.startswith("resonant: ") and words in err and err.count("\n") == 1
    assert not (tmp_path / out_name).exists()


def test_unreadable_session_json(folders: dict[str, Path], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    broken = tmp_path / "broken"
    shutil.copytree(folders["minimal"], broken)
    (broken / "session.json").write_text('{"start_utc": ')
    assert run_report(str(broken), str(tmp_path / "b.html")) == 2
    assert "session.json: is not valid JSON" in capsys.readouterr().err


# -- facts as they were: a threat-soothing run, for a clinician and for a client -----------------


@pytest.fixture(scope="module")
def threat_soothing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ts") / "ts"
    assert main(["demo", "--headless", "--protocol", "threat-soothing", "--speed", FAST,
                 "--sim-seed", "4", "--out", str(folder)]) == 0  # fmt: skip
    return folder


def minute_caption(page: str) -> tuple[float, float]:
    m = re.search(r"A typical minute, close up</p><p class='cap'>(\d+):(\d\d)–(\d+):(\d\d)", page)
    assert m is not None
    a, b, c, d = map(int, m.groups())
    return 60.0 * a + b, 60.0 * c + d


def test_clinician_report_states_the_guide_protocol_and_person(
    threat_soothing: Path, tmp_path: Path
) -> None:
    page = make_report(threat_soothing, tmp_path / "c.html").read_text(encoding="utf-8")
    text = visible_text(page)
    meta = json.loads((threat_soothing / "session.json").read_text())
    # The guide as it ran (pacer.tsv): off, 5.5/min in the soothing phase, off again.
    assert "off 0:00–4:30, then 5.5 breaths/min 4:30–9:30, then off 9:30–11:31" in text
    assert "none" not in text.split("breathing guide", 1)[1][:20]
    rows = phase_table(page)
    assert [r["guide (/min)"] for r in rows] == ["off", "off", "5.5", "off"]
    # The simulated person from session.json's simulation object and the protocol's states.
    states = [p["state"] for p in meta["protocol"]["phases"]]
    assert [r["simulated state"] for r in rows] == states == ["rest", "threat", "soothing", "rest"]
    assert "state by phase rest → threat → soothing → rest" in text
    assert f"resonance {meta['simulation']['resonance_bpm']:g} breaths/min" in text
    assert f"seed {meta['simulation']['seed']}" in text
    # The protocol by its title and phases, never a raw Python list.
    assert meta["protocol"]["title"] in text
    assert "soothing rhythm breathing (5:00, guide at the resonance rate)" in text
    assert "[{" not in text and "{'" not in text
    # The full table, with the whole session and the corrected share.
    assert "LF/HF (ratio)" in rows[0] and "SDNN (ms)" in rows[0] and "corrected (% NN)" in rows[0]
    assert "whole session" in text


def test_typical_minute_lies_inside_one_phase(threat_soothing: Path, tmp_path: Path) -> None:
    page = make_report(threat_soothing, tmp_path / "c.html").read_text(encoding="utf-8")
    a, b = minute_caption(page)
    spans = [(0, 120), (120, 270), (270, 570), (570, 691)]
    assert any(lo - 1 <= a and b <= hi + 1 for lo, hi in spans), (a, b)
    assert "in phase" in visible_text(page)


def test_client_report_is_plain_and_gentle(threat_soothing: Path, tmp_path: Path) -> None:
    from resonant.model.practices import judging_words_in

    out = tmp_path / "client.html"
    assert main(["report", str(threat_soothing), "--out", str(out), "--audience", "client"]) == 0
    page = out.read_text(encoding="utf-8")
    text = visible_text(page)
    for jargon in ("LF/HF", "LF", "HF", "RMSSD", "SDNN", "NN", "Hz", "spectrum", "ms²"):
        assert not re.search(rf"(?<![\w-]){re.escape(jargon)}(?![\w-])", text), jargon
    assert judging_words_in(text) == []
    assert text.startswith("Your session on") and DISCLAIMER in text
    assert "off 0:00–4:30, then 5.5 breaths/min 4:30–9:30" in text
    assert "demonstration" in text and "simulated person" in text
    assert len(re.findall(r'<img src="data:image/png', page)) == 3  # no spectrum
    rows = phase_table(page)
    assert [r["breathing guide (/min)"] for r in rows] == ["off", "off", "5.5", "off"]
    assert all(r["coherence"] in ("settling", "building", "smooth and steady", "–") for r in rows)


def test_unknown_audience_is_one_sentence(threat_soothing: Path, tmp_path: Path) -> None:
    from resonant.reports.page import ReportError

    with pytest.raises(ReportError, match="for a client or a clinician"):
        make_report(threat_soothing, tmp_path / "x.html", audience="public")
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("audience", ["clinician", "client"])
def test_heavily_corrected_session_carries_the_note(
    tmp_path: Path, audience: str
) -> None:
    from resonant.model.practices import judging_words_in

    folder = tmp_path / "noisy"
    assert main(["record", "--simulate", "--out", str(folder), "--duration", "300",
                 "--speed", FAST, "--sim-seed", "2", "--sim-artifacts", "0.12"]) == 0  # fmt: skip
    [rec] = read_recording(folder)
    res = analyze_rr(rec.time_s, rec.rr_ms, rec.segment_starts)
    assert res.corrected_pct > 5.0
    text = visible_text(make_report(folder, tmp_path / "n.html", audience).read_text("utf-8"))
    if audience == "clinician":
        assert "rest on heavily corrected data" in text
        assert f"{res.time.rmssd_ms:.1f}* ms" in text  # the number is shown, marked
    else:
        assert "lean heavily on corrections" in text and "rough picture" in text
        assert judging_words_in(text) == []


def test_an_unclear_breathing_rate_reads_unclear_in_both_reports(
    threat_soothing: Path, tmp_path: Path
) -> None:
    """Issue 16: under the simulated threat (breathing at 18/min, weak RSA) no number is
    shown as breathing unless the heart rhythm shows it clearly; never the Mayer wave's 5.5."""
    clinician = make_report(threat_soothing, tmp_path / "c.html").read_text(encoding="utf-8")
    client = tmp_path / "client.html"
    assert main(["report", str(threat_soothing), "--out", str(client), "--audience", "client"]) == 0
    for page, column in ((clinician, "breathing (breaths/min)"),
                         (client.read_text(encoding="utf-8"), "breathing (breaths/min)")):
        rows = phase_table(page)
        stress = rows[1][column]
        assert stress == "unclear" or abs(float(stress.split()[0]) - 18.0) <= 1.5, stress
        # The simulated strap streams its accelerometer: breathing counted at the chest,
        # said so, the same in both reports; soothing mostly with the 5.5/min guide.
        assert stress.endswith(" (chest)")
        soothe = rows[2][column]
        assert soothe.endswith(" (chest)") and 5.2 <= float(soothe.split()[0]) < 9.0, soothe
    assert "says nothing about how you breathed" in visible_text(client.read_text(encoding="utf-8"))
    assert "Mayer wave" in visible_text(clinician)


# -- the report file: new, owner-only, whole or nothing --------------------------------------


@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_a_report_is_owner_only_in_owner_only_new_folders(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    import os
    import stat

    out = tmp_path / "new" / f"r{suffix}"
    old = os.umask(0o022)
    try:
        assert run_report(str(folders["minimal"]), str(out)) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert [p.name for p in out.parent.iterdir()] == [out.name]


@pytest.mark.parametrize("link", ["dangling", "to a file"])
def test_a_symlink_at_the_report_name_is_refused_not_followed(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    victim = tmp_path / "victim"
    if link == "to a file":
        victim.write_text("precious")
    out = tmp_path / "r.html"
    out.symlink_to(victim)
    assert run_report(str(folders["minimal"]), str(out)) == 2
    assert "already exists; a report never overwrites a file" in capsys.readouterr().err
    assert out.is_symlink()
    assert victim.read_text() == "precious" if link == "to a file" else not victim.exists()


@pytest.mark.parametrize("stop", ["KeyboardInterrupt", "ENOSPC", "EIO"])
def test_a_stopped_or_failed_report_leaves_nothing_that_blocks_a_rerun(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, stop: str,
) -> None:  # fmt: skip
    import errno
    import os

    from resonant.model import atomic

    def stopped(fd: int) -> None:
        if stop == "KeyboardInterrupt":
            raise KeyboardInterrupt
        code = getattr(errno, stop)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "fsync", stopped)  # the page is written, not yet synced
    out = tmp_path / "r.html"
    if stop == "KeyboardInterrupt":
        with pytest.raises(KeyboardInterrupt):
            run_report(str(folders["minimal"]), str(out))
    else:
        assert run_report(str(folders["minimal"]), str(out)) == 2
        err = capsys.readouterr().err
        words = "the disk is full" if stop == "ENOSPC" else os.strerror(errno.EIO)
        assert err == f"resonant: {out} cannot be written ({words})\n"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert run_report(str(folders["minimal"]), str(out)) == 0 and out.is_file()


def test_an_unreadable_pacer_is_said_on_the_page_with_its_reason(tmp_path):
    """Issue 18: pacer.tsv a folder (or a FIFO, or not UTF-8): the page says why the
    guide's curve is missing; no traceback, no blame on the output file."""
    import os
    import shutil

    from resonant.reports.page import load_session
    from tests.conftest import FIXTURES

    folder = tmp_path / "s"
    shutil.copytree(FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap", folder)
    (folder / "pacer.tsv").mkdir()
    facts = load_session(folder)
    assert any("pacer.tsv could not be read (is a folder, not a file)" in n for n in facts.notes)
    (folder / "pacer.tsv").rmdir()
    os.mkfifo(folder / "pacer.tsv")
    facts = load_session(folder)
    assert any("is a pipe (FIFO)" in n for n in facts.notes)
