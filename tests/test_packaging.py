"""The wheel carries everything the app needs (CI installs it non-editable)."""

import tomllib
from importlib import resources
from pathlib import Path

import rnnviz
from rnnviz._resources import resource_dir

ROOT = Path(__file__).resolve().parent.parent


def test_resources_ship_as_a_package():
    root = resources.files("rnnviz.resources")
    assert root.joinpath("README.md").is_file()
    examples = [p.name for p in root.joinpath("examples").iterdir() if p.name.endswith(".rnnviz")]
    assert len(examples) >= 6, examples
    assert resource_dir().joinpath("examples").is_dir()


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "rnnviz").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk | {"rnnviz.resources"} == listed


def test_version_is_exposed():
    assert rnnviz.__version__.count(".") == 2
