"""The top-level package: cheap to import, and every name it offers resolves."""

import subprocess
import sys

import pytest

import resonant


def test_importing_resonant_loads_neither_numpy_nor_qt():
    code = (
        "import resonant, sys; "
        "assert 'numpy' not in sys.modules, 'numpy'; "
        "assert not any(m.startswith(('PyQt6', 'bleak')) for m in sys.modules), 'qt/bleak'"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("name", resonant.__all__)
def test_each_public_name_resolves(name):
    value = getattr(resonant, name)
    assert value is not None
    if name != "__version__":
        assert value.__name__ == name
        assert value.__module__.startswith("resonant.")


def test_public_names_are_listed_by_dir_and_lazy_map():
    assert set(resonant.__all__) <= set(dir(resonant))
    assert set(resonant.__all__) == {"__version__", *resonant._LAZY}


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        resonant.nope  # noqa: B018
    assert not hasattr(resonant, "nope")
