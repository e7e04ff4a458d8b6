// The format comparison row: POST /_playground/compare renders the form's URL as JPEG, WebP,
// AVIF, JPEG XL and `best`; each cell shows its picture (or the server's refusal), bytes,
// encode and render time and DSSIM, the smallest marked.

import { copyButton } from "./copy.js";

const LABELS = { jpeg: "JPEG", webp: "WebP", avif: "AVIF", jxl: "JPEG XL", best: "best" };

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function facts(cell) {
  const list = element("dl", "cell-facts");
  const rows = [
    ["Bytes", `${cell.bytes.toLocaleString("en")}`, "bytes"],
    ["Encode", `${cell.encode_ms} ms`, "encodeMs"],
    ["Render", `${cell.render_ms} ms`, "renderMs"],
    ["DSSIM", cell.dssim === null ? "–" : cell.dssim.toFixed(5), "dssim"],
    ["Size", `${cell.width} × ${cell.height} px`, "size"],
  ];
  if (cell.format === "best") {
    rows.push(["Chose", cell.output, "output"]);
  }
  for (const [name, value, key] of rows) {
    list.append(element("dt", "", name));
    const fact = element("dd", "", value);
    fact.dataset.fact = key;
    list.append(fact);
  }
  return list;
}

// Resolves once the picture is shown, or the browser said it cannot show it.
function picture(cell, figure) {
  const image = element("img", "cell-image");
  image.alt = `${LABELS[cell.format]} rendering`;
  figure.append(image);
  return new Promise((resolve) => {
    image.onload = () => {
      figure.dataset.state = "ok";
      resolve();
    };
    image.onerror = () => {
      figure.dataset.state = "undisplayable";
      image.replaceWith(element("p", "cell-note", `This browser cannot display ${cell.media_type}`));
      resolve();
    };
    image.src = cell.data;
  });
}

function cellView(cell) {
  const figure = element("figure", "cell");
  figure.dataset.format = cell.format;
  figure.dataset.state = "loading";
  const caption = element("figcaption", "", LABELS[cell.format] || cell.format);
  figure.append(caption);
  let shown = Promise.resolve();
  if (cell.ok) {
    figure.dataset.bytes = String(cell.bytes);
    if (cell.smallest) {
      figure.dataset.smallest = "true";
      caption.append(element("span", "badge", "smallest"));
    }
    shown = picture(cell, figure);
    figure.append(facts(cell));
  } else {
    figure.dataset.state = "error";
    figure.append(element("p", "cell-error", `${cell.status}: ${cell.error}`));
  }
  const link = element("div", "cell-url");
  link.append(element("code", "", cell.url), copyButton(cell.url));
  figure.append(link);
  return { figure, shown };
}

function setComparisonState(state, message) {
  document.getElementById("comparison").dataset.state = state;
  document.getElementById("comparison-message").textContent = message;
}

export function clearComparison(state, message) {
  setComparisonState(state, message);
  document.getElementById("comparison-row").replaceChildren();
}

// `isCurrent()`: false once a newer request started; its answer is then dropped.
export async function compare(source, options, isCurrent) {
  setComparisonState("loading", "Rendering every format…");
  const response = await fetch("/_playground/compare", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ source, options }),
  });
  if (!isCurrent()) return;
  if (!response.ok) {
    const text = (await response.text()).trim();
    clearComparison("error", `Comparison refused, ${response.status}: ${text || response.statusText}`);
    return;
  }
  const { cells, reference } = await response.json();
  if (!isCurrent()) return;
  const views = cells.map(cellView);
  document.getElementById("comparison-row").replaceChildren(...views.map((view) => view.figure));
  await Promise.all(views.map((view) => view.shown));
  if (!isCurrent()) return;
  document.getElementById("comparison").dataset.reference = String(reference.bytes);
  setComparisonState("ready", `Against a lossless PNG of ${reference.bytes.toLocaleString("en")} bytes.`);
}
