// The embeddable board's postMessage API (docs/board-view.rst has the whole list).
// Parent -> board: {kind: "flash", filesystem: {"code.py": "text"}}, {kind: "serial_input",
// data}, {kind: "set_value", id: "PART.attribute", value}, {kind: "stop"}, {kind: "reset"}.
// Board -> parent: {kind: "ready", state}, {kind: "state_change", changes},
// {kind: "serial_output", data}, {kind: "reply", request, ok, error}, {kind: "internal_error", error}.
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  // Messages go only to the page that embeds us, at the origin it names (default: ours).
  const target = params.get("origin") || location.origin;
  const post = (message) => window.parent !== window && window.parent.postMessage(message, target);
  async function flash(files) {
    for (const [path, text] of Object.entries(files)) {
      const name = "/" + path.replace(/^\/+/, "");
      const reply = await fetch("/fs" + name.split("/").map(encodeURIComponent).join("/"), { method: "PUT", body: text });
      if (!reply.ok) return { ok: false, error: `${name}: ${reply.status} ${await reply.text()}` };
    }
    return { ok: true };
  }
  async function handle(message) {
    switch (message.kind) {
      case "flash":
        if (!message.filesystem || typeof message.filesystem !== "object") return { ok: false, error: "flash needs filesystem: {name: text}" };
        return flash(message.filesystem);
      case "serial_input":
        pb.serialWrite(String(message.data));
        return { ok: true };
      case "set_value": {
        const [part, attribute] = String(message.id || "").split(".");
        if (!part || !attribute) return { ok: false, error: 'set_value needs id: "PART.attribute"' };
        return pb.set(part, attribute, message.value);
      }
      case "stop":
        pb.serialWrite("\x03");
        return { ok: true };
      case "reset":
        pb.serialWrite("\x04");
        return { ok: true };
      default:
        return { ok: false, error: `unknown kind ${JSON.stringify(message.kind)}` };
    }
  }
  window.addEventListener("message", async (event) => {
    if (event.source !== window.parent || !event.data || typeof event.data !== "object") return;
    try {
      const answer = await handle(event.data);
      post({ kind: "reply", request: event.data.kind, ok: !!answer.ok, error: answer.error || null });
    } catch (error) {
      post({ kind: "internal_error", error: String(error) });
    }
  });
  let told = false;
  pb.onState((delta) => {
    if (!told) { told = true; post({ kind: "ready", state: pb.state }); }
    else post({ kind: "state_change", changes: delta });
  });
  pb.onSerial((data) => post({ kind: "serial_output", data }));
})();
