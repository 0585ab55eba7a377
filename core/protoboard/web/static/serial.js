// The /cp/serial/ page: CircuitPython's serial console over a WebSocket, with no library.
"use strict";
(function () {
  const log = document.getElementById("log");
  const line = document.getElementById("line");
  const status = document.getElementById("status");
  const MAX_LOG = 200000; // characters kept on the page
  let socket = null;
  let pending = "";

  // The OSC title (ESC ] 0 ; ... ESC \) becomes the page's title; line edits are applied.
  function show(text) {
    text = pending + text;
    pending = "";
    const cut = text.lastIndexOf("\x1b");
    if (cut >= 0 && text.indexOf("\x1b\\", cut) < 0 && text.length - cut < 256 &&
        text.slice(cut).indexOf("\n") < 0) {
      pending = text.slice(cut);
      text = text.slice(0, cut);
    }
    text = text.replace(/\x1b\]0;([^\x1b\x07]*)(\x1b\\|\x07)/g, function (_, title) {
      document.title = title;
      status.textContent = title;
      return "";
    });
    text = text.replace(/\x1b\[2K\x1b\[0G/g, "");
    let out = log.textContent;
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === "\b") {
        out = out.slice(0, -1);
      } else if (text.startsWith("\x1b[K", i)) {
        i += 2; // the rest of the line is already gone: nothing follows the cursor here
      } else if (ch === "\x1b") {
        const m = /^\x1b\[[0-9;]*[A-Za-z]/.exec(text.slice(i));
        if (m) { i += m[0].length - 1; }
      } else if (ch !== "\r") {
        out += ch;
      }
      i += 1;
    }
    if (out.length > MAX_LOG) { out = out.slice(out.length - MAX_LOG); }
    log.textContent = out;
    log.scrollTop = log.scrollHeight;
  }

  function send(text) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(text); }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/cp/serial/");
    socket.onopen = function () { status.textContent = "connected"; line.focus(); };
    socket.onmessage = function (event) { show(event.data); };
    socket.onclose = function () {
      status.textContent = "disconnected: reload the page to connect again";
    };
  }

  line.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { send("\r"); line.value = ""; event.preventDefault(); }
    else if (event.key === "Backspace") { send("\b"); }
    else if (event.key === "Tab") { send("\t"); event.preventDefault(); }
    else if (event.ctrlKey && event.key.length === 1) {
      const code = event.key.toUpperCase().charCodeAt(0) - 64;
      if (code > 0 && code < 32) { send(String.fromCharCode(code)); event.preventDefault(); }
    }
  });
  line.addEventListener("input", function (event) {
    if (event.data) { send(event.data); }
    if (line.value.length > 80) { line.value = ""; }
  });
  document.querySelectorAll("button[data-key]").forEach(function (button) {
    button.addEventListener("click", function () {
      send(JSON.parse('"' + button.dataset.key + '"'));
      line.focus();
    });
  });
  connect();
})();
