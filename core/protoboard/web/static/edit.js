// /edit/#/code.py: load a file from /fs/, edit it, save it back with PUT (Ctrl-S or Save).
"use strict";
(function () {
  const text = document.getElementById("text");
  const status = document.getElementById("status");
  const pathLabel = document.getElementById("path");
  const saveButton = document.getElementById("save");

  function filePath() {
    const path = decodeURIComponent(location.hash.slice(1)) || "/code.py";
    return path.startsWith("/") ? path : "/" + path;
  }

  function url(path) {
    return "/fs" + path.split("/").map(encodeURIComponent).join("/");
  }

  async function load() {
    const path = filePath();
    pathLabel.textContent = path;
    document.title = path + " - Offline Code Edit";
    const response = await fetch(url(path), { cache: "no-store" });
    if (response.status === 404) {
      text.value = "";
      status.textContent = "new file";
    } else {
      text.value = await response.text();
      status.textContent = response.ok ? "" : response.status + " " + response.statusText;
    }
  }

  async function save() {
    status.textContent = "saving…";
    const response = await fetch(url(filePath()), {
      method: "PUT",
      headers: { "X-Timestamp": String(Date.now()) },
      body: new Blob([text.value]),
    });
    const reason = response.ok ? "" : " " + (await response.text()).trim();
    status.textContent = response.status + " " + response.statusText + reason;
  }

  text.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      save();
    } else if (event.key === "Tab") { // indent, not move the focus
      event.preventDefault();
      const start = text.selectionStart;
      text.setRangeText("    ", start, text.selectionEnd, "end");
    }
  });
  saveButton.addEventListener("click", save);
  window.addEventListener("hashchange", load);
  load();
})();
