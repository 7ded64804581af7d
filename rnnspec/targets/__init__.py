"""Layer 4, targets: what rnnspec verifies, declared (``Declaration``) and built (``Target.build``); the
torch drop-ins and functions a user names, and the adapters (``rnnspec.targets.adapters``)."""

from .base import Declaration, Target, TargetError, applicability
from .functions import FunctionTarget
from .likes import FUNCTION_LIKES, LIKES, like_subject_and_cells
from .loading import DEFAULT_TARGETS, default_targets, load_target
from .resolving import resolve
from .torch_like import TorchLikeTarget

__all__ = ["Declaration", "Target", "TargetError", "applicability", "DEFAULT_TARGETS", "default_targets", "load_target",
           "resolve", "FUNCTION_LIKES", "FunctionTarget", "LIKES", "TorchLikeTarget", "like_subject_and_cells"]
