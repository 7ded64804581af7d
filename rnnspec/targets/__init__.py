"""Targets: adapters that load canonical weights into an implementation and run it."""

from .base import Target, TargetError, applicability
from .functions import FUNCTION_LIKES, FunctionTarget
from .loading import DEFAULT_TARGETS, default_targets, load_target, resolve
from .torch_like import LIKES, TorchLikeTarget, like_subject_and_cells

__all__ = ["Target", "TargetError", "applicability", "DEFAULT_TARGETS", "default_targets", "load_target",
           "resolve", "FUNCTION_LIKES", "FunctionTarget", "LIKES", "TorchLikeTarget", "like_subject_and_cells"]
