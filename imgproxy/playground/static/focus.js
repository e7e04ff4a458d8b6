// Focus point: a click on the original (or on a result that shows the whole image) sets
// gravity `fp` with the click's position, 0..1 of the width and the height.

const DIGITS = 3;
const SAME_ASPECT = 0.01;

function relative(event, image) {
  const box = image.getBoundingClientRect();
  const clamp = (value) => Math.min(1, Math.max(0, value));
  return {
    x: Number(clamp((event.clientX - box.left) / box.width).toFixed(DIGITS)),
    y: Number(clamp((event.clientY - box.top) / box.height).toFixed(DIGITS)),
  };
}

function wholeImage(result, original) {
  if (!result.naturalWidth || !original.naturalWidth) {
    return false;
  }
  const aspect = (image) => image.naturalWidth / image.naturalHeight;
  return Math.abs(aspect(result) / aspect(original) - 1) < SAME_ASPECT;
}

export function showFocusMarker() {
  const marker = document.getElementById("focus-marker");
  const gravity = document.getElementById("gravity").value;
  const x = document.getElementById("focus_x").value;
  const y = document.getElementById("focus_y").value;
  const shown = gravity === "fp" && x !== "" && y !== "";
  marker.hidden = !shown;
  if (shown) {
    marker.style.left = `${Number(x) * 100}%`;
    marker.style.top = `${Number(y) * 100}%`;
  }
}

// `onChange(message)`: called after the form changed, or with a message when it did not.
export function installFocus(onChange) {
  const original = document.getElementById("original");
  const preview = document.getElementById("preview");

  function setFocus(event, image) {
    if (!image.naturalWidth) {
      return;
    }
    const { x, y } = relative(event, image);
    document.getElementById("gravity").value = "fp";
    document.getElementById("focus_x").value = String(x);
    document.getElementById("focus_y").value = String(y);
    showFocusMarker();
    onChange(null);
  }

  original.addEventListener("click", (event) => setFocus(event, original));
  preview.addEventListener("click", (event) => {
    if (wholeImage(preview, original)) {
      setFocus(event, preview);
    } else {
      onChange("This result is cropped: click the original to place the focus point.");
    }
  });
}
