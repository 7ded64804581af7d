"""``rnnspec matrix``: every installed framework's recurrent layers, cells and clipping functions
against every property, one row per target and dtype, each discrepancy said in a sentence.

Modules: ``frameworks`` (which frameworks and targets), ``runner`` (one process per framework),
``worker`` (what runs in that process), ``sentences`` (discrepancies from the rows' fields),
``merge`` (``--update``), ``page`` (the HTML page).
"""

from .frameworks import FRAMEWORKS, Framework, select_frameworks
from .merge import update_matrix
from .page import matrix_html
from .runner import assemble, run_matrix
from .sentences import discrepancies, sentence

__all__ = ["Framework", "FRAMEWORKS", "select_frameworks", "run_matrix", "assemble", "update_matrix", "matrix_html",
           "discrepancies", "sentence"]
