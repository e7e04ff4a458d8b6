// Copy buttons: `data-copy-from` names the element whose text is copied, `data-copy-text`
// carries the text itself. The button says how it went in `data-copied` ("true" or "false").

const RESET_MS = 2000;

async function writeText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) {
    throw new Error("The browser refused to copy");
  }
}

function textOf(button) {
  if (button.dataset.copyText !== undefined) {
    return button.dataset.copyText;
  }
  const source = document.getElementById(button.dataset.copyFrom || "");
  return source ? source.textContent : "";
}

async function copy(button) {
  const text = textOf(button);
  if (!text) {
    return;
  }
  try {
    await writeText(text);
    button.dataset.copied = "true";
    button.textContent = "Copied";
  } catch (error) {
    button.dataset.copied = "false";
    button.textContent = "Copy failed";
    button.title = error.message;
  }
  clearTimeout(Number(button.dataset.resetTimer || 0));
  button.dataset.resetTimer = String(setTimeout(() => {
    button.textContent = "Copy";
  }, RESET_MS));
}

export function copyButton(text) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy";
  button.dataset.copyText = text;
  button.textContent = "Copy";
  return button;
}

export function installCopyButtons() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.copy");
    if (button) {
      copy(button);
    }
  });
}
