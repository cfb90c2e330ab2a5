"""The main window's docks: network builder, weight editor, sequence."""

from .network_builder import NetworkBuilderDock
from .sequence_dock import SequenceDock
from .weight_editor import WeightEditorDock

__all__ = ["NetworkBuilderDock", "SequenceDock", "WeightEditorDock"]
