"""The streaming HRV core: pure numpy, no Qt, no asyncio, no I/O."""
