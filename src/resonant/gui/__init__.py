"""The trainer window (PyQt6 + pyqtgraph): a face over the session, with no maths of its own."""
