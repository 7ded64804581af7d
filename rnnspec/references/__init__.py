"""Layer 2, the references: every cell kind and layer option, in numpy and in torch.
 Each cell is one pure step function whose docstring
gives its equations; layers, directions, stacks and variable lengths wrap the cells.
"""

from . import np_bptt, np_cells, np_clipping, np_connections, np_layers, torch_cells, torch_clipping, torch_connections, \
    torch_layers
from .params import CellParams, cell_params, direction_params

__all__ = ["np_bptt", "np_cells", "np_clipping", "np_connections", "np_layers", "torch_cells", "torch_clipping",
           "torch_connections", "torch_layers", "CellParams", "cell_params",
           "direction_params"]
