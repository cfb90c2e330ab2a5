"""Upgrade ``.rnnviz`` manifests from older schema versions, one step at a time.

Each migration takes the manifest dict of version ``n`` and returns one of
version ``n + 1``; :func:`migrate` chains them up to :data:`SCHEMA_VERSION`.
Migrations only rewrite the manifest; the manifest's ``arrays`` table says
which zip member holds which array, so an older layout of members is handled
by pointing the table at the old names.

Version 0 was the pre-release layout (kept so this mechanism is exercised; its
files live in ``tests/session/fixtures/`` forever)::

    {"format": "rnnviz-session", "version": 0,
     "name": ..., "comment": ...,
     "cell": "rnn_tanh" | "lstm" | "gru", "n_inputs": I, "hidden": H, "layers": L,
     "bidirectional": bool, "head": {"size": O, "activation": null | "softmax" | "sigmoid"},
     "data": {"columns": [...], "target_columns": [...], "vocab": [...], "tokens": [...], "tokenizer": "word"},
     "playback": {"step": t, "speed": s}}
    members: params/<state_dict key>.npy, x.npy, y.npy (y only when there are targets)

Version 1 is version 2 without ``run_name`` and ``training`` (:mod:`rnnviz.session.files`):
its sessions open untrained, with the default training settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 2

Manifest = dict[str, Any]


class MigrationError(ValueError):
    """A manifest cannot be brought up to the current schema version."""


def detect_version(manifest: Manifest) -> int:
    """The manifest's schema version (version 0 files call it ``version``)."""
    if "schema_version" in manifest:
        v = manifest["schema_version"]
        where = "schema_version"
    elif manifest.get("format") == "rnnviz-session" and "version" in manifest:
        v = manifest["version"]
        where = "version"
    else:
        raise MigrationError("manifest.json has no integer 'schema_version': not an rnnviz session")
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise MigrationError(f"manifest.json: {where} must be a non-negative integer; got {v!r}")
    return v


def _v0_to_v1(m: Manifest) -> Manifest:
    """Pre-release names → version 1 names; arrays under params/, x.npy, y.npy."""
    _require(m, ("cell", "n_inputs", "hidden"), "version 0")
    head = m.get("head") or {}
    if not isinstance(head, dict):
        raise MigrationError(f"manifest.json (version 0): 'head' must be an object; got {head!r}")
    data = m.get("data") or {}
    if not isinstance(data, dict):
        raise MigrationError(f"manifest.json (version 0): 'data' must be an object; got {data!r}")
    playback = m.get("playback") or {}
    if not isinstance(playback, dict):
        raise MigrationError(f"manifest.json (version 0): 'playback' must be an object; got {playback!r}")
    network = {
        "mode": m["cell"],
        "input_size": m["n_inputs"],
        "hidden_size": m["hidden"],
        "num_layers": m.get("layers", 1),
        "bidirectional": m.get("bidirectional", False),
        "output_size": head.get("size", 0),
        "head_activation": head.get("activation"),
        "dtype": "float64",
    }
    has_targets = bool(data.get("target_columns"))
    sequence = {
        "input_names": data.get("columns", []),
        "target_names": data.get("target_columns", []),
        "vocabulary": data.get("vocab", []),
        "tokens": data.get("tokens", []),
        "token_mode": data.get("tokenizer", ""),
        "shape": "many_to_many",
        "has_targets": has_targets,
    }
    arrays = {"weights_prefix": "params/", "inputs": "x.npy", "targets": "y.npy" if has_targets else None}
    view = {k: playback[k] for k in ("step", "speed") if k in playback}
    return {
        "schema_version": 1,
        "app": "rnnviz",
        "app_version": "0 (pre-release)",
        "title": m.get("name", ""),
        "note": m.get("comment", ""),
        "network": network,
        "sequence": sequence,
        "view": view,
        "init": {},
        "arrays": arrays,
    }


def _v1_to_v2(m: Manifest) -> Manifest:
    """Version 2 adds the run's name and its training (none yet: untrained)."""
    out = dict(m)
    out["schema_version"] = 2
    out["run_name"] = "Run 1"  # keys a version-1 reader ignored stay ignored
    out["training"] = {"settings": {}, "updates": 0}
    return out


def _require(m: Manifest, keys: tuple[str, ...], where: str) -> None:
    for k in keys:
        if k not in m:
            raise MigrationError(f"manifest.json ({where}) is missing the key {k!r}")


#: ``MIGRATIONS[n]`` upgrades a version-n manifest to version n + 1.
MIGRATIONS: dict[int, Callable[[Manifest], Manifest]] = {0: _v0_to_v1, 1: _v1_to_v2}


def migrate(manifest: Manifest) -> Manifest:
    """Return ``manifest`` upgraded to :data:`SCHEMA_VERSION`.

    A newer version is refused with a message naming both versions.
    """
    version = detect_version(manifest)
    if version > SCHEMA_VERSION:
        raise MigrationError(
            f"this session was written by schema version {version}; this rnnviz reads up to "
            f"{SCHEMA_VERSION} — please update rnnviz"
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise MigrationError(f"no migration from schema version {version} to {version + 1}")
        manifest = step(manifest)
        new_version = detect_version(manifest)
        if new_version != version + 1:
            raise MigrationError(f"migration from version {version} produced version {new_version}")
        version = new_version
    return manifest
