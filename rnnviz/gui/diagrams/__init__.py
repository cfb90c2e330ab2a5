"""Diagrams: the rolled cell, the unrolled chain and the cell's inside."""
