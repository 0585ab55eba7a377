"""The CIRCUITPY runtime: a supervisor process that owns the drive, the console and the world,
and a fresh VM process per run that executes boot.py, code.py and the REPL."""
