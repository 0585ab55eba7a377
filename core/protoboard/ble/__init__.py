"""CircuitPython's BLE file-transfer workflow (protocol v4): a sans-IO engine for both roles."""
