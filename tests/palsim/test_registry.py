"""The one registry type: plain names and prefix forms such as ``imagefolder:PATH``."""

import pytest

from palsim.datasets import DATASETS
from palsim.registry import Registry


def make_registry() -> Registry[str]:
    registry: Registry[str] = Registry("widget")
    registry.register("plain", "a plain entry")("PLAIN")

    @registry.register_prefix("file", "PATH", "read from a file")
    def from_file(path: str) -> str:
        if not path:
            raise ValueError("file:PATH needs a path")
        return f"FILE {path}"

    return registry


def test_prefix_factory_receives_what_follows_the_colon() -> None:
    registry = make_registry()
    assert registry.get("plain") == "PLAIN"
    assert registry.get("file:/a:b") == "FILE /a:b"
    assert "plain" in registry and "file:/a" in registry
    assert "file" not in registry and "other:x" not in registry
    with pytest.raises(ValueError, match=r"^file:PATH needs a path$"):
        registry.get("file:")


def test_listing_and_errors_show_the_prefix_forms() -> None:
    registry = make_registry()
    assert registry.names() == ["plain"]
    assert registry.describe() == [("plain", "a plain entry"), ("file:PATH", "read from a file")]
    with pytest.raises(
        ValueError, match=r"^unknown widget 'other:x'; choose one of: plain, file:PATH$"
    ):
        registry.get("other:x")
    with pytest.raises(ValueError, match="prefix 'file' is already registered"):
        registry.register_prefix("file", "PATH")(lambda path: path)


def test_imagefolder_is_a_registered_dataset_prefix() -> None:
    assert ("imagefolder:PATH", "your own images, one sub-folder per class") in DATASETS.describe()
    assert callable(DATASETS.get("imagefolder:/nowhere"))  # nothing is read until it is called
    with pytest.raises(ValueError, match="imagefolder:PATH needs a folder"):
        DATASETS.get("imagefolder:")
