"""Shipped resources (example sessions, icons, style sheets); see rnnviz._resources."""
