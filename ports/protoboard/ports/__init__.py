"""Protoboard's ports: one package per port, registered through the ``protoboard.ports``
entry-point group. Importing this package imports no port."""
