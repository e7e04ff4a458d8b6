// The playground page: the server signs (POST /_playground/sign) and compares formats
// (POST /_playground/compare); this page only shows.

import { clearComparison, compare } from "./compare.js";
import { installCopyButtons } from "./copy.js";
import { installFocus, showFocusMarker } from "./focus.js";

const FIELDS = [
  "width", "height", "resizing_type", "gravity", "dpr", "enlarge", "draw_detections",
  "format", "quality", "blur", "sharpen", "video_second",
];
const FOCUS_FIELDS = ["focus_x", "focus_y"];
const TYPING_PAUSE_MS = 300;

let generation = 0;
let typingTimer = null;
let previewUrl = null;
let comparing = false;

function byId(id) {
  return document.getElementById(id);
}

function setState(state, message) {
  document.body.dataset.state = state;
  byId("message").textContent = message;
}

function formOptions() {
  const options = {};
  for (const name of FIELDS) {
    const control = byId(name);
    options[name] = control.type === "checkbox" ? control.checked : control.value;
  }
  if (options.gravity === "fp") {
    for (const name of FOCUS_FIELDS) {
      options[name] = byId(name).value;
    }
  }
  return options;
}

async function failureText(response) {
  const text = (await response.text()).trim();
  return `${response.status}: ${text || response.statusText}`;
}

async function sign(source) {
  const response = await fetch("/_playground/sign", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ source, options: formOptions() }),
  });
  if (!response.ok) {
    throw new Error(`Signing refused, ${await failureText(response)}`);
  }
  return response.json();
}

function processingTime(header) {
  const proc = (header || "").split(",").map((part) => part.trim())
    .find((part) => part.startsWith("proc"));
  const duration = proc && proc.split(";").find((param) => param.trim().startsWith("dur="));
  return duration ? Number(duration.trim().slice(4)) : null;
}

function formatBytes(bytes) {
  return bytes < 1024 ? `${bytes} bytes` : `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
}

function showBlob(blob) {
  const image = byId("preview");
  const url = URL.createObjectURL(blob);
  return new Promise((resolve, reject) => {
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("The browser cannot display this format"));
    image.src = url;
  }).finally(() => {
    if (previewUrl) {
      URL.revokeObjectURL(previewUrl);
    }
    previewUrl = url;
  });
}

function showOriginal(url) {
  const original = byId("original");
  byId("original-url").textContent = url;
  if (original.getAttribute("src") === url && original.complete) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    original.onload = () => resolve();
    original.onerror = () => reject(new Error("The original cannot be shown"));
    original.src = url;
  });
}

function clearResult() {
  const result = byId("result");
  delete result.dataset.url;
  for (const id of ["result-format", "result-dimensions", "result-size", "result-time", "result-cache"]) {
    const fact = byId(id);
    fact.textContent = "–";
    for (const key of Object.keys(fact.dataset)) {
      delete fact.dataset[key];
    }
  }
}

function showFacts(url, response, blob, image) {
  const type = response.headers.get("Content-Type") || "";
  const millis = processingTime(response.headers.get("Server-Timing"));
  byId("result-format").textContent = type;
  byId("result-format").dataset.type = type;
  const dimensions = byId("result-dimensions");
  dimensions.textContent = `${image.naturalWidth} × ${image.naturalHeight} px`;
  dimensions.dataset.width = String(image.naturalWidth);
  dimensions.dataset.height = String(image.naturalHeight);
  byId("result-size").textContent = formatBytes(blob.size);
  byId("result-size").dataset.bytes = String(blob.size);
  byId("result-time").textContent = millis === null ? "not reported" : `${millis} ms on the server`;
  byId("result-cache").textContent = response.headers.get("X-Cache") || "–";
  byId("result").dataset.url = url;
}

async function refresh() {
  const mine = ++generation;
  const source = byId("source").value.trim();
  clearResult();
  if (!source) {
    byId("signed-url").textContent = "";
    byId("srcset").textContent = "";
    byId("original-url").textContent = "";
    clearComparison("idle", "");
    setState("idle", "Choose a sample or paste a source URL.");
    return;
  }
  setState("loading", "Signing…");
  try {
    const signed = await sign(source);
    if (mine !== generation) return;
    byId("signed-url").textContent = signed.url;
    byId("srcset").textContent = signed.snippet;
    if (comparing) {
      compareNow(source, mine);
    }
    setState("loading", "Processing…");
    const response = await fetch(signed.url, { cache: "no-store" });
    if (!response.ok) {
      throw new Error(`The proxy answered ${await failureText(response)}`);
    }
    const blob = await response.blob();
    const image = await showBlob(blob);
    await showOriginal(signed.original);
    if (mine !== generation) return;
    showFacts(signed.url, response, blob, image);
    setState("ready", "");
  } catch (error) {
    if (mine !== generation) return;
    if (!byId("result").dataset.url) {
      byId("preview").removeAttribute("src");
    }
    setState("error", error.message);
  }
}

function compareNow(source, mine) {
  compare(source, formOptions(), () => mine === generation)
    .catch((error) => {
      if (mine === generation) clearComparison("error", error.message);
    });
}

function typed(control) {
  return control.tagName === "INPUT" && control.type !== "checkbox";
}

function refreshAfterTyping() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(refresh, TYPING_PAUSE_MS);
}

async function loadSamples() {
  const response = await fetch("/_playground/samples");
  if (!response.ok) {
    throw new Error(`Samples unavailable, ${await failureText(response)}`);
  }
  const { samples } = await response.json();
  const select = byId("sample");
  for (const sample of samples) {
    const option = document.createElement("option");
    option.value = sample.source;
    option.textContent = sample.name;
    select.append(option);
  }
  return samples;
}

function start() {
  const form = byId("options");
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("input", (event) => {
    if (event.target.id === "source") {
      byId("sample").value = "";
    }
    if (FOCUS_FIELDS.includes(event.target.id)) {
      showFocusMarker();
    }
    if (typed(event.target)) {
      refreshAfterTyping();
    }
  });
  form.addEventListener("change", (event) => {
    if (typed(event.target)) {
      return;  // its input events already refresh, once typing pauses
    }
    if (event.target.id === "sample") {
      byId("source").value = event.target.value;
    }
    if (event.target.id === "gravity") {
      showFocusMarker();
    }
    clearTimeout(typingTimer);
    refresh();
  });
  installCopyButtons();
  installFocus((message) => {
    if (message) {
      byId("message").textContent = message;
      return;
    }
    clearTimeout(typingTimer);
    refresh();
  });
  byId("compare").addEventListener("click", () => {
    const source = byId("source").value.trim();
    if (source) {
      comparing = true;
      compareNow(source, generation);
    }
  });
  loadSamples()
    .then((samples) => {
      if (samples.length > 0) {
        byId("sample").value = samples[0].source;
        byId("source").value = samples[0].source;
      }
      return refresh();
    })
    .catch((error) => setState("error", error.message));
}

start();
