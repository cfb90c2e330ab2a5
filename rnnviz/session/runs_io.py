"""A session's other runs (compare mode) in the ``.rnnviz`` file.

The manifest's ``"runs"`` list (schema version 2; empty when there is one run)::

    [{"name": str,
      "network": {as the session's "network"},
      "init": {InitSettings fields},
      "weights": "runs/<k>/weights.npy",        # [P]: every parameter, flattened in
                                                #      NetworkSpec.param_shapes() order
      "training": {as the session's "training", members under runs/<k>/training/}}, …]

Every array is read with the archive's checks, within the byte budget the whole
session shares; a bad run raises SessionFileError naming ``runs[k]``.
"""

from __future__ import annotations

import zipfile
from dataclasses import fields
from typing import Any

from . import manifest as mf
from .errors import SessionFileError
from .model import InitSettings, Run
from .training_io import Budget, flat, read_training, read_weights, training_section

MAX_RUNS = 16


def runs_section(runs: tuple[Run, ...]) -> tuple[list[dict[str, Any]], list]:
    """The manifest's ``"runs"`` list and every run's array members."""
    if len(runs) > MAX_RUNS:
        raise ValueError(f"a session holds at most {MAX_RUNS + 1} runs; this one has {len(runs) + 1}")
    section, members = [], []
    for k, run in enumerate(runs, 1):
        spec, net = run.network.spec, run.network
        prefix = f"runs/{k}/"
        training, training_members = training_section(run.training, net, prefix + "training/")
        section.append(
            {
                "name": run.name,
                "network": {
                    "mode": spec.mode,
                    "input_size": spec.input_size,
                    "hidden_size": spec.hidden_size,
                    "num_layers": spec.num_layers,
                    "bidirectional": spec.bidirectional,
                    "output_size": spec.output_size,
                    "head_activation": spec.head_activation,
                    "dtype": str(net.dtype),
                },
                "init": {f.name: getattr(run.init, f.name) for f in fields(InitSettings)},
                "weights": prefix + "weights.npy",
                "training": training,
            }
        )
        members.append((prefix + "weights.npy", flat(net, list(spec.param_shapes()))))
        members += training_members
    return section, members


def read_runs(zf: zipfile.ZipFile, section: Any, budget: Budget) -> tuple[Run, ...]:
    """The other runs of a manifest's ``"runs"`` list."""
    if not isinstance(section, list):
        raise SessionFileError(f"manifest.json: 'runs' must be a list; got {type(section).__name__}")
    if len(section) > MAX_RUNS:
        raise SessionFileError(f"manifest.json: 'runs' lists {len(section)} runs; the limit is {MAX_RUNS}")
    return tuple(_run(zf, item, budget, f"manifest.json: runs[{k}]") for k, item in enumerate(section))


def _run(zf: zipfile.ZipFile, item: Any, budget: Budget, where: str) -> Run:
    if not isinstance(item, dict):
        raise SessionFileError(f"{where} must be an object; got {type(item).__name__}")
    spec, dtype = mf.network_spec(mf.obj(item, "network", where), f"{where}: network")
    member = mf.typed(item, "weights", str, where)
    network = read_weights(zf, member, spec, dtype, budget, "the run's weights", where)
    training = read_training(zf, item.get("training"), network, budget, f"{where}: training")
    init = mf.init_settings(item.get("init", {}))
    return Run(mf.typed(item, "name", str, where), network, init, training)
