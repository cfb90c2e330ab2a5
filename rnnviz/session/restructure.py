"""How weights follow a change of the network's structure (no Qt).

A learner must be able to reproduce the numbers: after any structure change (input size or
vocabulary, hidden size, layers, direction, cell, head) a network that still holds the weights
its init settings drew gets exactly ``init_state_dict(new spec, scheme, seed)``, the same as a
fresh build.  Weights set by hand or trained are never silently mixed with new draws: they are
kept where the shapes match, the rest comes from the fresh build, and a message says which.
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Network, NetworkSpec

from .model import InitSettings


def initialised(spec: NetworkSpec, init: InitSettings) -> Network:
    """A fresh network of ``spec`` drawn with the session's init settings."""
    forget = init.forget_bias_one and spec.mode == "lstm"
    return Network.from_spec(
        spec, init=init.scheme, seed=init.seed, constant=init.constant, forget_bias_one=forget
    )


def is_initialised(network: Network, init: InitSettings) -> bool:
    """True when every weight is still the draw the init settings give for this structure."""
    try:
        fresh = initialised(network.spec, init)
    except ValueError:
        return False
    return all(np.array_equal(network.param(k), fresh.param(k)) for k in network.spec.param_shapes())


def restructured(network: Network, spec: NetworkSpec, init: InitSettings) -> tuple[Network, str | None]:
    """``network`` rebuilt as ``spec``, and the message saying what was kept and re-drawn
    (None when nothing of the user's was kept: the result is exactly a fresh build)."""
    if spec == network.spec:
        return network, None
    fresh = initialised(spec, init)
    if is_initialised(network, init):
        return fresh, None
    old = network.spec.param_shapes()
    kept = [k for k, shape in spec.param_shapes().items() if old.get(k) == shape]
    if not kept:
        return fresh, None
    redrawn = [k for k in spec.param_shapes() if k not in kept]
    merged = {k: (network.param(k) if k in kept else fresh.param(k)) for k in spec.param_shapes()}
    return Network(spec, merged), kept_message(kept, redrawn, init)


def kept_message(kept: list[str], redrawn: list[str], init: InitSettings) -> str | None:
    """The status line for a rebuild that kept some of the user's weights."""
    if not redrawn:
        return None
    return (
        f"New structure: kept your weights where the shapes match ({_grouped(kept)}); "
        f"re-drew {_grouped(redrawn)} with {describe_init(init)}. Re-initialise for a fresh build"
    )


def _group(key: str) -> str:
    if key.startswith("head."):
        return "the head"
    layer = key.rsplit("_l", 1)[1]  # "0" or "0_reverse"; the app counts layers from 1
    number, reverse = layer.removesuffix("_reverse"), layer.endswith("_reverse")
    return f"layer {int(number) + 1}{' reverse' if reverse else ''}"


def _grouped(keys: list[str]) -> str:
    """Whole layers and the head by name, single matrices by their PyTorch names."""
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(_group(key), []).append(key)
    size = {"the head": 2}
    parts = []
    for group, ks in members.items():
        whole = len(ks) == size.get(group, 4)
        parts.append(group if whole else ", ".join(ks))
    return ", ".join(parts)


def describe_init(init: InitSettings) -> str:
    from rnnviz.engine import SCHEME_TITLES

    return f"{SCHEME_TITLES.get(init.scheme, init.scheme)}, seed {init.seed}"
