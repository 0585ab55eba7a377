"""CircuitPython's web workflow: its HTTP file API, served over a CIRCUITPY drive."""
