"""resonant: a biofeedback trainer for soothing rhythm breathing.

Importing the package is cheap on purpose: it pulls in neither numpy, Qt nor bleak, so
the command line starts fast. The parts live in sub-packages:

- :mod:`resonant.model.beats`: the Beat and Gap types every part exchanges;
- :mod:`resonant.signal`: the streaming HRV core (pure numpy);
- :mod:`resonant.session`: reading and writing recordings;
- :mod:`resonant.cli`: the ``resonant`` command.
"""

from resonant._version import __version__

__all__ = ["__version__"]
