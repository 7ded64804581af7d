"""``rnnspec explain``: the lecture's figures, computed rather than drawn by hand.

Writes PNG figures (matplotlib) to ``--out`` and prints the numbers behind them as tables; with
``--format html`` also one self-contained page (figures inlined) with the same tables.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from rnnspec.rendering import experiments
from rnnspec.rendering.html_page import Safe, escape, page, table

__all__ = ["Figure", "explain"]


@dataclass
class Figure:
    name: str  # file stem
    title: str  # the claim it checks and where it comes from
    table: list[list[str]]  # header row first
    png: bytes = field(repr=False, default=b"")


def _fig_to_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _sample(n: int, k: int = 6) -> list[int]:
    """k indices spread over range(n), ends included."""
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)}) if n > 1 else [0]


def figure_gradient_vs_distance(*, hidden: int, length: int, seed: int) -> Figure:
    import matplotlib.pyplot as plt

    flow = experiments.gradient_vs_distance(hidden=hidden, length=length, seed=seed)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    labels = {"rnn_tanh": "vanilla RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}
    for cell, norms in flow.norms.items():
        ax.semilogy(flow.distances, [max(n, 1e-300) for n in norms], label=labels[cell], lw=2)
    ax.semilogy(flow.distances, flow.rnn_bound, "k--", label=f"Pascanu bound for the RNN: {flow.sigma_max:.2f}^(T-t)")
    ax.set_xlabel("distance T - t (time steps)")
    ax.set_ylabel("||dh_T / dh_t||_2 (spectral norm, log scale)")
    title = "Vanishing gradient (lecture 7 section 1): ||dh_T/dh_t|| falls with distance"
    ax.set_title(title + "\n" + f"hidden = input = {hidden}, torch's default init, seed {seed}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    rows = [["T - t", "RNN", "RNN bound", "LSTM", "GRU"]]
    for i in _sample(length):
        rows.append([str(flow.distances[i])] + [f"{v:.3g}" for v in (flow.norms["rnn_tanh"][i], flow.rnn_bound[i],
                                                                      flow.norms["lstm"][i], flow.norms["gru"][i])])
    return Figure("gradient_vs_distance", title, rows, _fig_to_png(fig))


def figure_cell_memory(*, hidden: int, length: int, seed: int) -> Figure:
    import matplotlib.pyplot as plt

    memory = experiments.cell_memory(hidden=hidden, length=length, seed=seed)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, sizes in memory.sizes.items():
        ax.loglog(memory.steps, sizes, label=name, lw=2)
    ax.set_xlabel("step t")
    ax.set_ylabel("max over units of |c_t| (LSTM) or |h_t| (RNN), log scale")
    title = "The LSTM's cell is an unbounded memory (lecture 7 section 3): with f = 1 it only adds"
    ax.set_title(title + "\n" + f"hidden = input = {hidden}, one random sequence, seed {seed}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    names = list(memory.sizes)
    rows = [["t", *names]]
    for i in _sample(length):
        rows.append([str(memory.steps[i])] + [f"{memory.sizes[n][i]:.4g}" for n in names])
    return Figure("cell_memory", title, rows, _fig_to_png(fig))


def figure_deep_stacks(*, width: int, depth: int, seed: int) -> Figure:
    import matplotlib.pyplot as plt

    flow = experiments.deep_stack_gradients(width=width, depth=depth, seed=seed)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, norms in flow.norms.items():
        ax.semilogy(flow.layers, [max(n, 1e-300) for n in norms], label=name, lw=2)
    ax.set_xlabel("layers between the input of layer l and the output")
    ax.set_ylabel("||dJ / dx_l||_2 (log scale)")
    title = "Skip connections keep the gradient (lecture 7 section 5): plain vs residual, highway, dense"
    ax.set_title(title + "\n" + f"{depth} tanh layers of width {width}, J a random projection, seed {seed}",
                 fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    names = list(flow.norms)
    rows = [["layers from output", *names]]
    for i in _sample(depth):
        rows.append([str(flow.layers[i])] + [f"{flow.norms[n][i]:.3g}" for n in names])
    return Figure("deep_stack_gradients", title, rows, _fig_to_png(fig))


def figure_clipping(*, length: int, steps: int) -> Figure:
    import matplotlib.pyplot as plt

    run = experiments.clipping_trajectories(length=length, steps=steps)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.semilogy(run.w_grid, [max(v, 1e-12) for v in run.loss_grid], color="0.6", label="loss surface L(w)")
    for name, ws in run.trajectories.items():
        pairs = [(w, l) for w, l in zip(ws, run.losses[name]) if math.isfinite(l) and run.w_grid[0] <= w <= run.w_grid[-1]]
        if pairs:
            left.semilogy(*zip(*[(w, max(l, 1e-12)) for w, l in pairs]), "o-", ms=3, label=name)
    left.set_xlabel("w (the recurrent weight)")
    left.set_ylabel("loss (h_T - 1)^2, log scale")
    left.set_title("the surface has a cliff: |dL/dw| grows like T w^(T-1)", fontsize=9)
    left.legend(fontsize=8)
    for name, losses in run.losses.items():
        finite = [l if math.isfinite(l) else float("nan") for l in losses]
        right.semilogy(range(len(finite)), [max(l, 1e-12) for l in finite], "o-", ms=3, label=name)
        if not math.isfinite(losses[-1]):
            right.annotate("overflow: the step jumped off the surface", (len(losses) - 1, 1e12), fontsize=8)
    right.set_xlabel("gradient-descent iteration")
    right.set_ylabel("loss (log scale)")
    right.set_title(f"lr {run.lr}, norm clipping at max_norm {run.max_norm}", fontsize=9)
    right.legend(fontsize=8)
    title = "Exploding gradient and clipping (lecture 7 section 2.3): the same descent explodes or stays stable"
    fig.suptitle(title + f"\nlinear RNN h_t = w h_(t-1), T = {length}", fontsize=10)
    fig.subplots_adjust(top=0.82, wspace=0.25)
    rows = [["iteration", *[f"w ({n})" for n in run.trajectories], *[f"loss ({n})" for n in run.losses]]]
    n = max(len(v) for v in run.losses.values())
    for i in _sample(n, 8):
        cells = [f"{run.trajectories[k][i]:.4g}" if i < len(run.trajectories[k]) else "-" for k in run.trajectories]
        cells += [f"{run.losses[k][i]:.3g}" if i < len(run.losses[k]) else "-" for k in run.losses]
        rows.append([str(i), *cells])
    return Figure("clipping", title, rows, _fig_to_png(fig))


def explain(out: Path, *, seed: int = 0, fmt: str = "png", hidden: int = 32, length: int = 60, depth: int = 30,
            width: int = 16, steps: int = 40, memory_length: int = 1000, console=None) -> list[Figure]:
    """Compute, draw and write every figure; print each table; return the figures."""
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("gradient norm vs distance: RNN, LSTM, GRU", lambda: figure_gradient_vs_distance(hidden=hidden, length=length,
                                                                                          seed=seed)),
        ("the LSTM's cell state over long sequences", lambda: figure_cell_memory(hidden=hidden, length=memory_length,
                                                                                 seed=seed)),
        ("deep stacks: plain, residual, highway, dense", lambda: figure_deep_stacks(width=width, depth=depth, seed=seed)),
        ("exploding gradient with and without clipping", lambda: figure_clipping(length=length // 2, steps=steps)),
    ]
    figures = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("rnnspec explain", total=len(jobs))
        for label, job in jobs:
            progress.update(task, description=label)
            figures.append(job())
            progress.advance(task)
    for fig in figures:
        (out / f"{fig.name}.png").write_bytes(fig.png)
        table = Table(title=fig.title, title_justify="left")
        for col in fig.table[0]:
            table.add_column(col, justify="right")
        for row in fig.table[1:]:
            table.add_row(*row)
        console.print(table)
        console.print(f"wrote {out / (fig.name + '.png')}")
    if fmt == "html":
        page = out / "explain.html"
        page.write_text(_html(figures, seed=seed))
        console.print(f"wrote {page}")
    return figures


def _html(figures, *, seed: int) -> str:
    parts = [Safe(f"<h1>rnnspec explain</h1><p>CS224N 2019 lecture 7, computed with rnnspec's references "
                  f"(seed {seed}).</p>")]
    for fig in figures:
        data = base64.b64encode(fig.png).decode()
        parts.append(Safe(f"<h2>{escape(fig.title)}</h2><img alt='{escape(fig.name)}' src='data:image/png;base64,{data}'>"))
        parts.append(table(fig.table[0], fig.table[1:]))
    return page("rnnspec explain", *parts, css="body{max-width:1100px;margin:2em auto}img{max-width:100%}"
                                               "td,th{text-align:right}")
