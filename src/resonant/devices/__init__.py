"""Sources of beats: Bluetooth chest straps (bleak), the simulated strap, and replay of a recording."""
