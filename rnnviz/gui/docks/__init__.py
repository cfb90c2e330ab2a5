"""The main window's docks: network builder, weight editor, sequence.

Imported lazily, so ``python -m rnnviz.gui.docks.sequence_dock`` (each dock on its
own) runs its module once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["NetworkBuilderDock", "SequenceDock", "WeightEditorDock"]

_MODULES = {
    "NetworkBuilderDock": "network_builder",
    "SequenceDock": "sequence_dock",
    "WeightEditorDock": "weight_editor",
}

if TYPE_CHECKING:
    from .network_builder import NetworkBuilderDock
    from .sequence_dock import SequenceDock
    from .weight_editor import WeightEditorDock


def __getattr__(name: str):
    if name in _MODULES:
        from importlib import import_module

        return getattr(import_module(f".{_MODULES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
