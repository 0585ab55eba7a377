// Protoboard board view: the live board picture, its controls, the editor, files, console,
// plotter and logic analyzer. Everything comes from the board this page is served by:
// /board/board.json (the picture's data), /board/ws (state out, inputs in), /fs/ (files),
// /cp/serial/ (the console). No network beyond that.
"use strict";

const pb = (window.pb = {});
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const embed = document.body.dataset.mode === "embed";

// ---------------------------------------------------------------- helpers
function el(tag, attrs, parent, ns) {
  const node = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const svg = (tag, attrs, parent) => el(tag, attrs, parent, true);
function wsUrl(path) {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
}
function status(id, text, bad) {
  const node = $(id);
  if (!node) return;
  node.textContent = text;
  node.classList.toggle("bad", !!bad);
}
function fsUrl(path) {
  return "/fs" + path.split("/").map(encodeURIComponent).join("/");
}

// ---------------------------------------------------------------- board state
const state = { pins: {}, parts: {}, displays: {}, run: 0 };
pb.state = state;
const listeners = [];
pb.onState = (fn) => listeners.push(fn);

function applyDelta(delta) {
  if (delta.reset) {
    state.pins = {};
    state.parts = {};
    state.displays = {};
    state.run = delta.reset.run;
  }
  let partsChanged = !!delta.reset;
  for (const section of ["pins", "parts", "displays"]) {
    for (const [key, value] of Object.entries(delta[section] || {})) {
      if (value === null) {
        delete state[section][key];
        partsChanged = partsChanged || section === "parts";
      } else {
        if (section === "parts" && !state.parts[key]) partsChanged = true;
        state[section][key] = value;
      }
    }
  }
  if (partsChanged) drawPicture();
  updatePicture();
  updateControls(partsChanged);
  drawDisplays(delta.displays || {});
  for (const fn of listeners) fn(delta);
}

let boardSocket = null;
let nextId = 1;
const waiting = new Map();
function connectBoard() {
  const ws = new WebSocket(wsUrl("/board/ws"));
  boardSocket = ws;
  ws.onopen = () => status("link-state", "live");
  ws.onclose = () => {
    status("link-state", "disconnected: reconnecting…", true);
    setTimeout(connectBoard, 1000);
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "state") applyDelta(message.delta);
    else if (message.type === "reply") {
      const done = waiting.get(message.id);
      waiting.delete(message.id);
      if (!message.ok) status("link-state", message.error, true);
      if (done) done(message);
    } else if (message.type === "error") status("link-state", message.error, true);
  };
}
// Set a part's value (a press, a slider): the board checks it as `protoboard sim set` does.
pb.set = function (part, attribute, value) {
  return new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    if (!boardSocket || boardSocket.readyState !== 1) {
      waiting.delete(id);
      resolve({ ok: false, error: "the board view is not connected" });
      return;
    }
    boardSocket.send(JSON.stringify({ type: "set", id, part, attribute, value }));
  });
};

// ---------------------------------------------------------------- the picture
let board = null;
const pinSpots = {}; // pin name -> [x, y] of its header hole
const PITCH = 26;

function drawPicture() {
  const host = $("picture");
  if (!board) return;
  host.textContent = "";
  const pins = board.pins;
  const half = Math.ceil(pins.length / 2);
  const width = Math.max(half * PITCH + 40, 360);
  const extra = Object.keys(state.parts).filter((n) => !board.onboard.includes(n) && state.parts[n].wiring && Object.keys(state.parts[n].wiring).length);
  const height = 220 + (extra.length ? 90 : 0);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, id: "board-svg", role: "img" }, host);
  svg("title", { text: `${board.name} (${board.mcu})` }, root);
  // the board outline, with mounting holes
  svg("rect", { x: 8, y: 30, width: width - 16, height: 160, rx: 14, class: "pcb" }, root);
  for (const [x, y] of [[22, 44], [width - 22, 44], [22, 176], [width - 22, 176]]) {
    svg("circle", { cx: x, cy: y, r: 5, class: "hole" }, root);
  }
  svg("rect", { x: width / 2 - 40, y: 80, width: 80, height: 60, rx: 3, class: "chip" }, root);
  svg("text", { x: width / 2, y: 114, class: "chip-label", text: board.mcu }, root);
  // under the chip, clear of the header pins' labels
  svg("text", { x: width / 2, y: 158, "text-anchor": "middle", class: "board-label", text: board.name }, root);
  // header pins: the first half along the top edge, the rest along the bottom
  pins.forEach((pin, i) => {
    const top = i < half;
    const x = 30 + (top ? i : i - half) * PITCH;
    const y = top ? 42 : 178;
    const name = pin.names[0];
    pinSpots[name] = [x, top ? 34 : 186];
    for (const other of pin.names) pinSpots[other] = pinSpots[name];
    const group = svg("g", { class: "pin", "data-pin": name }, root);
    svg("title", { text: `${pin.names.join(" / ")} (${pin.id})${pin.capabilities.length ? ": " + pin.capabilities.join(", ") : ""}` }, group);
    svg("rect", { x: x - 6, y: y - 6, width: 12, height: 12, class: "pad" }, group);
    svg("text", { x, y: top ? 22 : 206, class: "pin-label", text: name, transform: `rotate(-50 ${x} ${top ? 22 : 206})` }, group);
  });
  // on-board parts sit near their pins, inside the outline
  let slot = 0;
  for (const name of board.onboard) {
    const part = state.parts[name];
    if (!part) continue;
    const pinName = part.wiring && Object.values(part.wiring)[0];
    const spot = pinName && pinSpots[pinName] ? pinSpots[pinName][0] : 60 + slot * 60;
    drawPart(root, name, part, Math.min(Math.max(spot, 50), width - 50), 70 + (slot % 2) * 70, true);
    slot++;
  }
  // attached parts below the board, wired to their pins
  extra.forEach((name, i) => {
    const x = 50 + i * ((width - 60) / Math.max(extra.length, 1));
    drawPart(root, name, state.parts[name], x, 250, false);
    for (const pinName of Object.values(state.parts[name].wiring)) {
      const spot = pinSpots[pinName];
      if (!spot) continue;
      svg("path", { d: `M${spot[0]} ${spot[1]} C ${spot[0]} ${spot[1] + 50}, ${x} 210, ${x} 232`, class: "wire", "data-wire": `${name}:${pinName}` }, root);
    }
  });
}

function drawPart(root, name, part, x, y, onboard) {
  const group = svg("g", { class: "part " + part.type, "data-part": name, transform: `translate(${x} ${y})` }, root);
  svg("title", { text: `${name} (${part.type})` + (part.wiring ? " on " + Object.values(part.wiring).join(", ") : "") }, group);
  if (part.type === "LED") {
    svg("circle", { r: 9, class: "led", style: `--led: ${part.settable.color || "red"}` }, group);
  } else if (part.type === "NeoPixelStrip") {
    const count = (part.pixels || []).length;
    const across = Math.min(count, 10);
    (part.pixels || []).forEach((_, i) => {
      svg("rect", { x: (i % across) * 14 - across * 7, y: Math.floor(i / across) * 14 - 7, width: 12, height: 12, rx: 2, class: "pixel", "data-index": i }, group);
    });
  } else if (part.type === "Button") {
    svg("rect", { x: -13, y: -13, width: 26, height: 26, rx: 4, class: "button-body" }, group);
    const cap = svg("circle", { r: 8, class: "button-cap" }, group);
    group.setAttribute("tabindex", "0");
    group.setAttribute("role", "button");
    const press = (down) => (event) => {
      event.preventDefault();
      pb.set(name, "pressed", down);
    };
    group.addEventListener("pointerdown", press(true));
    group.addEventListener("pointerup", press(false));
    group.addEventListener("pointerleave", (e) => { if (state.parts[name] && state.parts[name].settable.pressed) press(false)(e); });
    group.addEventListener("keydown", (e) => { if (e.key === " " || e.key === "Enter") press(true)(e); });
    group.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") press(false)(e); });
    cap.dataset.cap = "1";
  } else if (part.type === "Potentiometer") {
    svg("circle", { r: 14, class: "knob" }, group);
    svg("line", { x1: 0, y1: 0, x2: 0, y2: -12, class: "knob-mark" }, group);
  } else if (part.type === "Servo") {
    svg("rect", { x: -20, y: -10, width: 40, height: 20, rx: 3, class: "servo" }, group);
    svg("line", { x1: 0, y1: 0, x2: 0, y2: -18, class: "servo-horn" }, group);
  } else if (part.type !== "Clock") {
    svg("rect", { x: -24, y: -16, width: 48, height: 32, rx: 3, class: "module" }, group);
  }
  if (!onboard || part.type !== "LED") {
    svg("text", { y: 30, class: "part-label", text: name }, group);
  }
}

function updatePicture() {
  for (const [name, pin] of Object.entries(state.pins)) {
    const node = document.querySelector(`[data-pin="${CSS.escape(name)}"]`);
    if (!node) continue;
    node.dataset.level = pin.level;
    node.dataset.mode = pin.mode;
  }
  for (const [name, part] of Object.entries(state.parts)) {
    const node = document.querySelector(`[data-part="${CSS.escape(name)}"]`);
    if (!node) continue;
    if (part.type === "LED") {
      node.dataset.lit = part.brightness > 0 ? "1" : "0";
      node.style.setProperty("--glow", String(part.brightness));
    } else if (part.type === "NeoPixelStrip") {
      node.querySelectorAll(".pixel").forEach((px) => {
        px.style.fill = (part.pixels || [])[px.dataset.index] || "#000";
      });
      node.dataset.lit = (part.pixels || []).some((c) => c !== "#000000") ? "1" : "0";
    } else if (part.type === "Button") {
      node.dataset.pressed = part.settable.pressed ? "1" : "0";
    } else if (part.type === "Potentiometer") {
      const mark = node.querySelector(".knob-mark");
      if (mark) mark.setAttribute("transform", `rotate(${(part.settable.position - 0.5) * 270})`);
    } else if (part.type === "Servo") {
      const horn = node.querySelector(".servo-horn");
      if (horn && part.angle !== null) horn.setAttribute("transform", `rotate(${part.angle - 90})`);
    }
  }
}

// ---------------------------------------------------------------- controls (sliders, switches)
// Ranges for settable values by name; anything else numeric gets a range around its value.
const RANGES = {
  temperature: [-40, 85, 0.1], humidity: [0, 100, 0.5], relative_humidity: [0, 100, 0.5],
  pressure: [300, 1100, 1], position: [0, 1, 0.01], light: [0, 65535, 1], lux: [0, 2000, 1],
  distance: [2, 400, 1], x: [-20, 20, 0.1], y: [-20, 20, 0.1], z: [-20, 20, 0.1],
  acceleration_x: [-20, 20, 0.1], acceleration_y: [-20, 20, 0.1], acceleration_z: [-20, 20, 0.1],
  angle: [0, 180, 1], brightness: [0, 1, 0.01], voltage: [0, 3.3, 0.01],
};
const HIDDEN = new Set(["frames", "color", "count", "byte_order", "active_high", "active_low", "pressed", "min_pulse_us", "max_pulse_us", "actuation_range", "width", "height"]);

function updateControls(rebuild) {
  const host = $("controls");
  if (rebuild) {
    host.textContent = "";
    for (const [name, part] of Object.entries(state.parts)) {
      const entries = Object.entries(part.settable || {}).filter(([k, v]) => !HIDDEN.has(k) && (typeof v === "number" || typeof v === "boolean"));
      if (part.type === "Clock") continue; // the RTC keeps its own time
      if (part.type === "Button") entries.unshift(["pressed", false]);
      if (!entries.length) continue;
      const box = el("fieldset", { "data-controls": name }, host);
      el("legend", { text: `${name} (${part.type})` }, box);
      for (const [attribute, value] of entries) control(box, name, attribute, value, part.type);
    }
  }
  for (const input of host.querySelectorAll("input[data-attribute]")) {
    if (document.activeElement === input) continue; // do not fight the user's drag
    const part = state.parts[input.dataset.part];
    if (!part || !part.settable) continue;
    const value = part.settable[input.dataset.attribute];
    if (input.type === "checkbox") input.checked = !!value;
    else if (typeof value === "number") {
      input.value = value;
      const out = input.parentNode.querySelector("output");
      if (out) out.textContent = value;
    }
  }
}

function control(box, name, attribute, value, type) {
  const label = el("label", {}, box);
  el("span", { text: attribute }, label);
  if (type === "Button" && attribute === "pressed") {
    const button = el("button", { text: "hold to press", "data-part": name, "data-press": "1" }, label);
    button.addEventListener("pointerdown", () => pb.set(name, "pressed", true));
    button.addEventListener("pointerup", () => pb.set(name, "pressed", false));
    return;
  }
  if (typeof value === "boolean") {
    const input = el("input", { type: "checkbox", "data-part": name, "data-attribute": attribute, role: "switch" }, label);
    input.checked = value;
    input.addEventListener("change", () => pb.set(name, attribute, input.checked));
    return;
  }
  let [min, max, step] = RANGES[attribute] || [Math.min(0, value * 2), Math.max(1, Math.abs(value) * 2), Number.isInteger(value) ? 1 : 0.01];
  if (type === "Clock") return;
  const input = el("input", { type: "range", min, max, step, "data-part": name, "data-attribute": attribute }, label);
  input.value = value;
  const out = el("output", { text: value }, label);
  let timer = null;
  input.addEventListener("input", () => {
    out.textContent = input.value;
    clearTimeout(timer); // a drag sends at most ~20 values a second
    timer = setTimeout(() => pb.set(name, attribute, Number(input.value)), 50);
  });
}

// ---------------------------------------------------------------- displays
function drawDisplays(changed) {
  const host = $("displays");
  for (const [name, frame] of Object.entries(changed)) {
    let canvas = host.querySelector(`canvas[data-display="${CSS.escape(name)}"]`);
    if (!frame) { if (canvas) canvas.remove(); continue; }
    if (!canvas) {
      const figure = el("figure", {}, host);
      canvas = el("canvas", { "data-display": name, width: frame.width, height: frame.height, class: "display" }, figure);
      el("figcaption", { text: name }, figure);
    }
    const bytes = Uint8Array.from(atob(frame.data), (c) => c.charCodeAt(0));
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(frame.width, frame.height);
    for (let i = 0; i < frame.width * frame.height; i++) {
      let r, g, b;
      if (frame.mode === "mono") {
        const on = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
        [r, g, b] = on ? [120, 200, 255] : [0, 0, 0];
      } else [r, g, b] = [bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2]];
      image.data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
    canvas.dataset.frames = String(Number(canvas.dataset.frames || 0) + 1);
  }
}

// ---------------------------------------------------------------- console (/cp/serial/)
let term = null;
let serial = null;
const consoleListeners = [];
pb.onSerial = (fn) => consoleListeners.push(fn);
pb.serialWrite = (text) => { if (serial && serial.readyState === 1) serial.send(text); };
pb.consoleText = () => {
  if (!term) return "";
  const buffer = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\n");
};

function startConsole() {
  const host = $("console");
  if (host && window.Terminal) {
    term = new Terminal({ convertEol: false, fontSize: 13, scrollback: 2000, cursorBlink: true });
    const fit = window.FitAddon ? new FitAddon.FitAddon() : null;
    if (fit) term.loadAddon(fit);
    term.open(host);
    if (fit) { fit.fit(); window.addEventListener("resize", () => fit.fit()); }
    term.onData((data) => pb.serialWrite(data)); // typing, Ctrl-C, Ctrl-D and pastes
    term.onTitleChange((title) => status("run-state", title));
  }
  connectSerial();
}

function connectSerial() {
  serial = new WebSocket(wsUrl("/cp/serial/"));
  serial.onmessage = (event) => {
    const text = typeof event.data === "string" ? event.data : "";
    if (term) term.write(text);
    feedPlotter(text);
    for (const fn of consoleListeners) fn(text);
  };
  serial.onclose = () => setTimeout(connectSerial, 1500);
}

// ---------------------------------------------------------------- plotter
// Reads what the program prints as Mu and code.circuitpython.org do: a tuple "(1, 2.5)", CSV
// "1,2.5" or labelled values "temp: 21.5, hum: 40" (a line with any non-number is skipped).
const plot = { series: [], labels: [], limit: 500 };
pb.plot = plot;
let partial = "";
function parsePlotLine(line) {
  line = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trim();
  if (!line) return null;
  const tuple = line.match(/^\((.*)\)$/);
  if (tuple) line = tuple[1];
  const items = line.split(/[,\t]|\s{2,}|(?<=\d)\s+(?=[A-Za-z_])/).map((s) => s.trim()).filter(Boolean);
  const values = [];
  const labels = [];
  for (const item of items) {
    const labelled = item.match(/^([A-Za-z_][\w .-]*?)\s*[:=]\s*(.+)$/);
    const text = labelled ? labelled[2] : item;
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
    values.push(Number(text));
    labels.push(labelled ? labelled[1] : `value ${values.length}`);
  }
  return values.length ? { values, labels } : null;
}
pb.parsePlotLine = parsePlotLine;
function feedPlotter(text) {
  partial += text;
  const lines = partial.split(/\r?\n/);
  partial = lines.pop().slice(-1000);
  for (const line of lines) {
    const point = parsePlotLine(line);
    if (!point) continue;
    point.values.forEach((v, i) => {
      if (!plot.series[i]) plot.series[i] = [];
      plot.labels[i] = point.labels[i];
      plot.series[i].push(v);
      if (plot.series[i].length > plot.limit) plot.series[i].shift();
    });
    plot.dirty = true;
  }
}
const COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"];
function drawPlot() {
  requestAnimationFrame(drawPlot);
  const canvas = $("plot");
  if (!canvas || !plot.dirty) return;
  plot.dirty = false;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const all = plot.series.flat();
  if (!all.length) return;
  let lo = Math.min(...all), hi = Math.max(...all);
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = 10;
  const y = (v) => canvas.height - pad - ((v - lo) / (hi - lo)) * (canvas.height - 2 * pad);
  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#666";
  ctx.font = "11px sans-serif";
  ctx.fillText(hi.toPrecision(4), 2, 12);
  ctx.fillText(lo.toPrecision(4), 2, canvas.height - 2);
  let drawn = 0;
  plot.series.forEach((points, i) => {
    ctx.strokeStyle = COLORS[i % COLORS.length];
    ctx.beginPath();
    points.forEach((v, j) => {
      const x = 40 + (j / Math.max(plot.limit - 1, 1)) * (canvas.width - 50);
      j ? ctx.lineTo(x, y(v)) : ctx.moveTo(x, y(v));
    });
    ctx.stroke();
    drawn += points.length;
  });
  canvas.dataset.points = String(drawn);
  $("plot-legend").innerHTML = "";
  plot.labels.forEach((label, i) => el("span", { text: label, style: `color: ${COLORS[i % COLORS.length]}` }, $("plot-legend")));
}

// ---------------------------------------------------------------- editor (/fs/)
let editor = null;
async function openFile(path) {
  status("editor-status", "opening…");
  const reply = await fetch(fsUrl(path), { cache: "no-store" });
  if (reply.status === 404) { editor.setText(""); status("editor-status", `${path} is new`); return; }
  if (!reply.ok) { status("editor-status", `cannot open ${path}: ${reply.status} ${await reply.text()}`, true); return; }
  editor.setText(await reply.text());
  $("editor-path").value = path;
  status("editor-status", `${path} opened`);
}
pb.openFile = openFile;
async function saveFile() {
  const path = $("editor-path").value;
  status("editor-status", "saving…");
  const reply = await fetch(fsUrl(path), { method: "PUT", body: editor.getText(), headers: { "X-Timestamp": String(Date.now()) } });
  if (reply.ok) status("editor-status", `saved ${path}: the board runs it`);
  else if (reply.status === 409) status("editor-status", "not saved: the program owns the drive (storage.remount in boot.py); press Ctrl-D in the console after changing boot.py", true);
  else status("editor-status", `not saved (${reply.status}): ${await reply.text()}`, true);
  return reply.ok;
}
pb.saveFile = saveFile;
pb.editorText = (text) => { if (text !== undefined) editor.setText(text); return editor.getText(); };
// The editor's bundle (CodeMirror, the largest script) loads after the console is up, so the
// REPL does not wait for it; pb.editorReady says when it can be used.
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}
async function startEditor() {
  if (!$("editor")) return;
  status("editor-status", "loading the editor…");
  try {
    if (!window.PBEditor) await loadScript("/board/static/editor.js");
  } catch (error) {
    status("editor-status", `${error.message}: reload the page`, true);
    return;
  }
  editor = PBEditor.createEditor($("editor"), "", saveFile);
  $("editor-save").addEventListener("click", saveFile);
  $("editor-open").addEventListener("click", () => openFile($("editor-path").value));
  await openFile("/code.py");
  pb.editorReady = true;
}

// ---------------------------------------------------------------- file manager (/fs/)
let folder = "/";
async function listFolder(path) {
  folder = path;
  $("files-path").textContent = path;
  const reply = await fetch(fsUrl(path), { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!reply.ok) { status("files-status", `cannot list ${path}: ${reply.status}`, true); return; }
  const listing = await reply.json();
  const body = $("files-list").querySelector("tbody");
  body.textContent = "";
  for (const entry of listing.files.sort((a, b) => (b.directory - a.directory) || a.name.localeCompare(b.name))) {
    const row = el("tr", { "data-name": entry.name }, body);
    const cell = el("td", {}, row);
    const link = el("a", { href: "#", text: entry.name + (entry.directory ? "/" : "") }, cell);
    link.addEventListener("click", (e) => {
      e.preventDefault();
      if (entry.directory) listFolder(path + entry.name + "/");
      else { openFile(path + entry.name); selectTab("editor"); }
    });
    el("td", { text: entry.directory ? "" : `${entry.file_size} B` }, row);
    const actions = el("td", {}, row);
    el("button", { text: "Rename" }, actions).addEventListener("click", () => renameEntry(entry));
    el("button", { text: "Delete" }, actions).addEventListener("click", () => deleteEntry(entry));
  }
  const free = listing.free * listing.block_size;
  $("files-free").textContent = `${Math.round(free / 1024)} kB free`;
}
async function fsCall(path, method, headers, body) {
  const reply = await fetch(fsUrl(path), { method, headers, body });
  if (!reply.ok) status("files-status", `${method} ${path}: ${reply.status} ${await reply.text()}`, true);
  else status("files-status", "done");
  listFolder(folder);
  return reply.ok;
}
function renameEntry(entry) {
  const name = prompt(`New name for ${entry.name}`, entry.name);
  if (!name || name === entry.name) return;
  const suffix = entry.directory ? "/" : "";
  fsCall(folder + entry.name + suffix, "MOVE", { "X-Destination": fsUrl(folder + name + suffix) });
}
function deleteEntry(entry) {
  if (!confirm(`Delete ${entry.name}${entry.directory ? " and everything in it" : ""}?`)) return;
  fsCall(folder + entry.name + (entry.directory ? "/" : ""), "DELETE");
}
pb.listFolder = listFolder;
pb.fsCall = fsCall;
function startFiles() {
  if (!$("files-list")) return;
  $("files-up").addEventListener("click", () => {
    if (folder !== "/") listFolder(folder.replace(/[^/]+\/$/, ""));
  });
  $("files-mkdir").addEventListener("click", () => {
    const name = prompt("New folder name");
    if (name) fsCall(folder + name + "/", "PUT");
  });
  $("files-upload").addEventListener("change", async (event) => {
    for (const file of event.target.files) {
      await fsCall(folder + file.name, "PUT", { "X-Timestamp": String(file.lastModified) }, file);
    }
    event.target.value = "";
  });
}

// ---------------------------------------------------------------- logic analyzer
const logic = { trace: null, chosen: new Set() };
pb.logic = logic;
async function capture() {
  status("logic-status", "capturing…");
  const reply = await fetch("/board/trace.json", { cache: "no-store" });
  if (!reply.ok) { status("logic-status", await reply.text(), true); return; }
  logic.trace = await reply.json();
  const host = $("logic-pins");
  host.textContent = "";
  const names = Object.keys(logic.trace.pins);
  if (!logic.chosen.size) names.filter((n) => logic.trace.pins[n].length > 1).slice(0, 8).forEach((n) => logic.chosen.add(n));
  for (const name of names) {
    const label = el("label", {}, host);
    const box = el("input", { type: "checkbox", value: name }, label);
    box.checked = logic.chosen.has(name);
    box.addEventListener("change", () => { box.checked ? logic.chosen.add(name) : logic.chosen.delete(name); drawLogic(); });
    el("span", { text: name }, label);
  }
  drawLogic();
  const bus = $("logic-bus");
  bus.textContent = "";
  for (const t of logic.trace.bus.slice(-50)) {
    const hex = (s) => (s.match(/../g) || []).join(" ");
    const line = t.kind === "spi"
      ? `${t.where} SPI mode ${t.mode}${t.cs ? " cs=" + t.cs : ""} write ${hex(t.mosi)}${/^(ff)*$/.test(t.miso) ? "" : " read " + hex(t.miso)}`
      : `${t.where} 0x${t.address.toString(16).padStart(2, "0")} ${t.answered ? "" : "NACK "}${t.written ? "write " + hex(t.written) + " " : ""}${t.read ? "read " + hex(t.read) : ""}`;
    el("li", { text: line }, bus);
  }
  status("logic-status", `${names.length} pins, ${logic.trace.bus.length} bus transfers`);
}
pb.capture = capture;
function drawLogic() {
  const canvas = $("logic");
  const trace = logic.trace;
  const names = [...logic.chosen].filter((n) => trace && trace.pins[n]);
  $("logic-export").href = "/board/trace.vcd?pins=" + encodeURIComponent(names.join(","));
  canvas.height = Math.max(40, names.length * 28 + 10);
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!names.length) return;
  const times = names.flatMap((n) => trace.pins[n].map((e) => e[0]));
  const start = Math.min(...times), end = Math.max(trace.now, ...times);
  const x = (t) => 60 + ((t - start) / Math.max(end - start, 1)) * (canvas.width - 70);
  ctx.font = "11px monospace";
  names.forEach((name, row) => {
    const base = 24 + row * 28;
    ctx.fillStyle = "#333";
    ctx.fillText(name, 2, base - 4);
    ctx.strokeStyle = "#0a7";
    ctx.beginPath();
    let level = 0;
    trace.pins[name].forEach(([t, v], i) => {
      const px = x(t);
      if (i === 0) ctx.moveTo(px, base - v * 16);
      else { ctx.lineTo(px, base - level * 16); ctx.lineTo(px, base - v * 16); }
      level = v;
    });
    ctx.lineTo(x(end), base - level * 16);
    ctx.stroke();
  });
}

// ---------------------------------------------------------------- tabs and start
function selectTab(name) {
  document.querySelectorAll("[role=tab]").forEach((tab) => tab.setAttribute("aria-selected", String(tab.dataset.tab === name)));
  document.querySelectorAll(".tab").forEach((tab) => { tab.hidden = tab.id !== "tab-" + name; });
  if (name === "files") listFolder(folder);
  if (name === "plotter") plot.dirty = true;
}
pb.selectTab = selectTab;

async function start() {
  if (!embed) startConsole(); // first: the REPL needs neither the board's data nor the editor
  const reply = await fetch("/board/board.json");
  board = await reply.json();
  pb.board = board;
  status("board-name", board.name);
  document.title = `${board.name}: Protoboard board view`;
  connectBoard();
  if (!embed) {
    document.querySelectorAll("[role=tab]").forEach((tab) => tab.addEventListener("click", () => selectTab(tab.dataset.tab)));
    startFiles();
    $("plot-clear").addEventListener("click", () => { plot.series = []; plot.labels = []; plot.dirty = true; });
    $("logic-capture").addEventListener("click", capture);
    $("console-ctrl-c").addEventListener("click", () => pb.serialWrite("\x03"));
    $("console-ctrl-d").addEventListener("click", () => pb.serialWrite("\x04"));
    $("console-clear").addEventListener("click", () => term && term.clear());
    requestAnimationFrame(drawPlot);
  }
  if (embed) startConsole();
  pb.ready = true;
  if (pb.onReady) pb.onReady();
  if (!embed) startEditor();
}
start();
