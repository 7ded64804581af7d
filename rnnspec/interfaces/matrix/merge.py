"""``rnnspec matrix --update``: rerun some frameworks into an earlier matrix."""

from __future__ import annotations

from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS
from rnnspec.interfaces.matrix.sentences import discrepancies

__all__ = ["update_matrix"]


def update_matrix(old: dict, new: dict) -> dict:
    """``old`` with the frameworks that ``new`` ran replaced by ``new``'s rows (rerun one framework
    after upgrading it). Both must have the same profile, example count, seed and tiers (a matrix
    from before the tiers drew from the small tier alone)."""
    for key in ("profile", "max_examples", "seed", "tiers"):
        before, after = old.get(key, ["small"] if key == "tiers" else None), new.get(key, ["small"] if key == "tiers" else None)
        if before != after:
            raise ValueError(f"cannot update a matrix of {key}={before!r} with one of {key}={after!r}")
    ran = {row["framework"] for row in new["rows"]} | set(new["not_installed"])
    keep = [row for row in old["rows"] if row["framework"] not in ran]
    order = list(FRAMEWORKS)
    rows = sorted(keep + new["rows"], key=lambda row: order.index(row["framework"]) if row["framework"] in order else len(order))
    missing = {k: v for k, v in old["not_installed"].items() if k not in ran} | new["not_installed"]
    merged = {**new, "rows": rows, "not_installed": missing}
    return {**merged, "discrepancies": discrepancies(merged)}
