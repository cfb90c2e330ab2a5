"""Diagrams: the rolled cell, the unrolled chain and the cell's inside, animated.

``DiagramsView`` combines them for the main window; each follows the view
contract (``set_trace`` / ``set_step`` / ``set_selection``).
"""

from .cell import CellDiagram, CellDiagramScene, GateItem
from .export import export_scene_png, export_scene_svg, render_scene_image
from .rolled import RolledDiagram
from .unrolled import UnrolledDiagram
from .view import DiagramsView, make_export_diagram_actions

__all__ = [
    "CellDiagram",
    "CellDiagramScene",
    "DiagramsView",
    "GateItem",
    "RolledDiagram",
    "UnrolledDiagram",
    "export_scene_png",
    "export_scene_svg",
    "make_export_diagram_actions",
    "render_scene_image",
]
