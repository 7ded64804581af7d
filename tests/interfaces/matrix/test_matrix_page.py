"""The matrix page: a summary read in ten seconds (frameworks by cell kinds), the discrepancies by
framework, the grid grouped by lecture topic; the committed page is the committed JSON's; and in
headless Chromium the page is not blank and shows the summary (the slow tier)."""

import json
import shutil
import subprocess

import pytest

from rnnspec.interfaces.matrix import matrix_html
from rnnspec.interfaces.matrix.page import Tally, summary
from tests.interfaces.matrix.test_matrix import _row

from locations import ROOT
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,900"]


def _matrix():
    gru = {**_row("flax.nnx", "nnx:GRU", "float64", matches_reference="failed", parameter_layout="passed"),
           "cells": ["gru"]}
    clip = {**_row("torch", "torch.nn.utils.clip_grad_norm_", "all", clip_norm_caps_total_norm="passed"), "cells": []}
    return {"versions": {"torch": "2.13.0"}, "profile": "quick", "max_examples": 4, "seed": 0, "tiers": ["small"],
            "not_installed": {"haiku": "ModuleNotFoundError: No module named 'haiku'"},
            "rows": [_row("torch", "torch.nn.LSTM", matches_reference="passed", lstm_saturated_gates_keep_memory="skipped"),
                     _row("flax.nnx", "nnx:LSTM", "float32", matches_reference="passed"),
                     {**_row("flax.nnx", "nnx:GRU", "float32", matches_reference="passed"), "cells": ["gru"]},
                     gru, clip]}


def test_summary_counts_properties_by_framework_and_cell_kind():
    counts = summary(_matrix())
    assert counts["torch"]["lstm"] == Tally(0, 1, (), ("float32",))  # the skipped property is not counted
    assert counts["torch"]["functions"] == Tally(0, 1, (), ("all",)) and counts["torch"]["gru"] is None
    assert counts["flax.nnx"]["gru"] == Tally(1, 2, ("float64",), ("float32", "float64"))
    assert counts["flax.nnx"]["lstm"] == Tally(0, 1, (), ("float32",))
    assert "haiku" not in counts


def test_page_leads_with_the_summary_then_sentences_then_the_grid_by_topic():
    page = matrix_html(_matrix())
    summary_at, sentences_at, grid_at = (page.index(s) for s in ("id='summary-table'", "id='discrepancies'", "id='grid'"))
    assert summary_at < sentences_at < grid_at
    table = page[summary_at:sentences_at]
    assert "differs: 1 of 2 (float64 only)" in table and "agrees: 1" in table and "not claimed" in table
    assert "not installed: ModuleNotFoundError: No module named &#x27;haiku&#x27;" in table
    assert "<h3>flax.nnx (1)</h3>" in page and "nnx:GRU [flax.nnx, float64] does not satisfy matches_reference" in page
    grid = page[grid_at:]
    # TOPICS' order (the lecture's), each topic heading its properties' columns
    assert grid.index(">gradient_clipping</th>") < grid.index(">equivalence</th>") \
        < grid.index("<div>clip_norm_caps_total_norm</div>") < grid.index("<div>matches_reference</div>")


def test_the_committed_page_is_the_committed_json():
    committed = json.loads((ROOT / "docs" / "matrix.json").read_text())
    assert (ROOT / "docs" / "matrix.html").read_text() == matrix_html(committed), \
        "docs/matrix.html is stale: rnnspec matrix writes both (or regenerate the page from docs/matrix.json)"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package chromium; "
                                              ".ci/run installs it)")
def test_the_committed_page_shows_its_summary_in_chromium(tmp_path):
    page = tmp_path / "matrix.html"
    shutil.copy(ROOT / "docs" / "matrix.html", page)
    profile, shot = tmp_path / "chromium-profile", tmp_path / "matrix.png"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    assert "id=\"summary-table\"" in dom and ">Summary</h2>" in dom, dom[:2000]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    inked = (pixels.min(axis=-1) < 0.9).mean()  # not white: text, table borders, the summary's colours
    coloured = ((pixels.max(axis=-1) - pixels.min(axis=-1)) > 0.05).mean()  # green and red summary cells
    assert inked > 0.02 and coloured > 0.01, f"the page looks blank: {inked:.3f} inked, {coloured:.3f} coloured"


def test_the_page_escapes_every_string_that_came_from_a_target():
    hostile = "<script>alert('target')</script>"
    row = _row("torch", f"mod.py:{hostile}", matches_reference="failed")
    row["notes"] = hostile
    row["properties"]["matches_reference"]["failures"][0]["headline"] = f"the target raised RuntimeError: {hostile}"
    matrix = {**_matrix(), "rows": [row], "not_installed": {"mlx": f"ImportError: {hostile}"}}
    page = matrix_html(matrix)
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
