"""The board view: a live picture of the running board in the browser, with its editor, files,
serial console, plotter and logic analyzer, served by ``protoboard run``'s web server.

:mod:`.watch` runs in the VM (it watches the simulated board and sends deltas),
:mod:`.hub` in the supervisor (the board's latest state and the open pages), :mod:`.session`
serves one page's WebSocket, :mod:`.handler` the routes, :mod:`.vcd` the logic analyzer's VCD
export. The page and the libraries it uses (CodeMirror, xterm.js) are in ``static/``.
"""
