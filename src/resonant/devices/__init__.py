"""Sources of beats: the simulated strap, replay, and (to come) Bluetooth straps."""
