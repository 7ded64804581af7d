"""`rnnspec explain` end to end on a small configuration: valid images, an HTML page, and numbers
that agree with the properties they illustrate."""

import math
import os
import subprocess
import sys

import matplotlib.image
import pytest

from rnnspec.rendering import experiments
from rnnspec.rendering.explain import explain

SMALL = dict(hidden=8, length=12, depth=8, width=6, steps=20)


def test_explain_writes_four_valid_pngs_and_a_self_contained_page(tmp_path):
    figures = explain(tmp_path, seed=3, fmt="html", memory_length=50, **SMALL)
    pngs = sorted(tmp_path.glob("*.png"))
    assert [p.stem for p in pngs] == sorted(f.name for f in figures) and len(pngs) == 4
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = matplotlib.image.imread(png)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
    page = (tmp_path / "explain.html").read_text()
    assert page.count("data:image/png;base64,") == 4 and "<script" not in page
    assert all(f.title in page.replace("&#x27;", "'") for f in figures)


def test_the_open_lstm_cell_adds_one_a_step_while_the_rnn_state_stays_under_one():
    memory = experiments.cell_memory(hidden=4, length=300, seed=1)
    opened, rnn = memory.sizes["LSTM c_t, f = i = 1, g = +-1"], memory.sizes["RNN h_t (tanh)"]
    assert opened == [float(t) for t in memory.steps]  # c_t = t*g exactly from c_0 = 0
    assert max(rnn) < 1 and max(memory.sizes["LSTM c_t, torch's init"]) < 10


def test_the_rnn_curve_lies_under_its_bound_and_falls_with_distance():
    flow = experiments.gradient_vs_distance(hidden=8, length=15, seed=1)
    for norm, bound in zip(flow.norms["rnn_tanh"], flow.rnn_bound):
        assert norm <= bound * (1 + 1e-9)
    assert flow.norms["rnn_tanh"][-1] < flow.norms["rnn_tanh"][0]


def test_skips_keep_more_gradient_than_the_plain_stack_at_depth():
    flow = experiments.deep_stack_gradients(width=6, depth=20, seed=2)
    deepest = {name: norms[-1] for name, norms in flow.norms.items()}
    assert deepest["residual"] > deepest["plain"] and deepest["dense"] > deepest["plain"], deepest


def test_clipping_keeps_the_descent_finite_where_plain_descent_explodes():
    run = experiments.clipping_trajectories(length=30, steps=30)
    plain, clipped = run.losses["no clipping"], run.losses["norm clipping"]
    assert not math.isfinite(plain[-1]) or plain[-1] > 1e6 * plain[0]
    assert all(math.isfinite(v) for v in clipped) and clipped[-1] < clipped[0]
    steps = [abs(b - a) for a, b in zip(run.trajectories["norm clipping"], run.trajectories["norm clipping"][1:])]
    assert max(steps) <= run.lr * run.max_norm * (1 + 1e-9)  # a clipped step is at most lr * max_norm


@pytest.mark.parametrize("fmt", ["png"])
def test_the_command_writes_figures_from_any_directory(tmp_path, fmt):
    out = tmp_path / "figures"
    result = subprocess.run([sys.executable, "-m", "rnnspec", "explain", "--out", str(out), "--format", fmt,
                             "--hidden", "8", "--length", "12", "--depth", "8", "--seed", "5"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.png"))) >= 3
    assert "Vanishing gradient" in result.stdout and "wrote" in result.stdout
