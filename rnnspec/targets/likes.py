"""What a target may be "like": torch's recurrent built-ins and the functions rnnspec knows, each
with the subject a drop-in for it has (and, for the built-ins, the cell kinds it computes)."""

from __future__ import annotations

from rnnspec.spec import CELLS

__all__ = ["LIKES", "FUNCTION_LIKES", "like_subject_and_cells", "subject_of_like"]

# torch's recurrent layers and cells (torch.nn.RNN, ..., torch.nn.GRUCell), as typed after --like
LIKES: tuple[str, ...] = tuple(
    sorted({k.torch_layer for k in CELLS.values() if k.torch_layer} | {k.torch_cell for k in CELLS.values() if k.torch_cell})
)

# like -> subject: the functions a function target may be a drop-in for
FUNCTION_LIKES: dict[str, str] = {
    "torch.nn.utils.clip_grad_norm_": "clip_norm",
    "torch.nn.utils.clip_grad_value_": "clip_value",
    "residual": "residual",
    "dense": "dense",
    "highway": "highway",
    "residual_stack": "residual_stack",
}


def like_subject_and_cells(like: str) -> tuple[str, tuple[str, ...]]:
    """("layer" or "cell", the cell kinds) of one of torch's recurrent built-ins; ValueError for
    anything else, listing what is known."""
    layer_cells = tuple(k.name for k in CELLS.values() if k.torch_layer == like)
    cell_cells = tuple(k.name for k in CELLS.values() if k.torch_cell == like)
    if layer_cells:
        return "layer", layer_cells
    if cell_cells:
        return "cell", cell_cells
    raise ValueError(f"like={like!r} is not a torch recurrent built-in nor a function rnnspec knows; "
                     f"expected one of {list(LIKES)} or of rnnspec.targets.FUNCTION_LIKES")


def subject_of_like(like: str) -> str:
    """The subject of a drop-in for ``like`` (a torch built-in or a key of FUNCTION_LIKES)."""
    if like in FUNCTION_LIKES:
        return FUNCTION_LIKES[like]
    return like_subject_and_cells(like)[0]
