/* Reading a QR code with the camera, for any form with an input marked data-qr-scan.

   A progressive enhancement: without JavaScript, without a camera API (an old browser, or a
   page not served over HTTPS) or when the camera is refused, the input still takes a USB
   scanner's typing or a typed reference. With them, a 「カメラで読み取る」 button opens a
   dialog with the camera's picture; about five frames a second go to the vendored ZXing-C++
   reader (WebAssembly, served from our own origin: never a CDN); the first QR code read fills
   the input and submits the form (only fills it when the input has data-qr-fill-only), and
   the camera is stopped.

   Every text comes from the input's data attributes, translated by the server
   ({% qr_scan_attributes %} in core/templatetags/qr_scanner.py): data-qr-open, -title,
   -hint, -close, -video, -starting, -scanning, -found, -denied, -no-camera, -failed; the
   reader's module and .wasm URLs are data-qr-reader and data-qr-wasm (hashed in production).
   The page's Content-Security-Policy needs 'wasm-unsafe-eval' (core/csp.py). */

const READ_EVERY_MS = 200; /* 5 frames a second: quick to read, light on a counter PC */
const READER_OPTIONS = { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 };

let readerModule = null;

/* The reader, loaded once on first use, with its .wasm fetched from our origin. */
function loadReader(moduleUrl, wasmUrl) {
  if (readerModule === null) {
    readerModule = import(moduleUrl).then(async (reader) => {
      await reader.prepareZXingModule({
        overrides: {
          locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
        },
        fireImmediately: true,
      });
      return reader;
    });
    readerModule.catch(() => { readerModule = null; }); /* let a later try load it again */
  }
  return readerModule;
}

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
  if (text) { node.textContent = text; }
  return node;
}

/* Which message explains a failed getUserMedia (DOMException names, per Media Capture). */
function cameraProblem(error, texts) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") { return texts.qrDenied; }
  if (name === "NotFoundError" || name === "OverconstrainedError") { return texts.qrNoCamera; }
  return texts.qrFailed;
}

function enhance(input) {
  const form = input.form;
  const texts = input.dataset;
  const id = `${input.id || input.name}-camera`;

  const open = element("button", {
    type: "button",
    class: "button button-secondary qr-scan-open",
    "aria-haspopup": "dialog",
    "aria-controls": id,
  }, texts.qrOpen);
  const dialog = element("dialog", { id, class: "qr-scanner", "aria-labelledby": `${id}-title` });
  const title = element("h2", { id: `${id}-title` }, texts.qrTitle);
  const hint = element("p", { class: "hint" }, texts.qrHint);
  const video = element("video", { "aria-label": texts.qrVideo, playsinline: "", muted: "" });
  video.muted = true;
  const status = element("p", { class: "qr-scanner-status", role: "status" });
  const close = element("button", { type: "button", class: "button" }, texts.qrClose);
  dialog.append(title, hint, video, status, close);
  input.insertAdjacentElement("afterend", open);
  open.insertAdjacentElement("afterend", dialog);

  const canvas = document.createElement("canvas");
  let stream = null;
  let timer = null;
  let session = 0; /* a dialog closed while the camera was starting ends that start */

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error-message", Boolean(isError));
  }

  function stop() {
    session += 1;
    window.clearTimeout(timer);
    timer = null;
    if (stream !== null) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
  }

  function found(text) {
    stop();
    say(texts.qrFound, false);
    input.value = text;
    dialog.close();
    /* data-qr-fill-only: a question of a longer form (the counter's 申請書ID) is filled, not sent. */
    if (input.hasAttribute("data-qr-fill-only")) { input.focus(); return; }
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  async function read(reader, mine) {
    if (mine !== session) { return; }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      let results;
      try {
        results = await reader.readBarcodes(frame, READER_OPTIONS);
      } catch (error) {
        if (mine === session) { stop(); say(texts.qrFailed, true); }
        return;
      }
      if (mine !== session) { return; }
      const hit = results.find((result) => result.isValid && result.text);
      if (hit) { found(hit.text.trim()); return; }
    }
    timer = window.setTimeout(() => { read(reader, mine); }, READ_EVERY_MS);
  }

  async function start() {
    const mine = session;
    video.hidden = true;
    say(texts.qrStarting, false);
    let reader;
    try {
      const camera = navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } },
        audio: false,
      });
      reader = loadReader(texts.qrReader, texts.qrWasm);
      const media = await camera;
      if (mine !== session) { media.getTracks().forEach((track) => track.stop()); return; }
      stream = media;
      video.srcObject = media;
      await video.play();
    } catch (error) {
      if (mine === session) { stop(); say(cameraProblem(error, texts), true); }
      return;
    }
    try {
      reader = await reader;
    } catch (error) {
      if (mine === session) { stop(); say(texts.qrFailed, true); }
      return;
    }
    if (mine !== session) { return; }
    video.hidden = false;
    say(texts.qrScanning, false);
    read(reader, mine);
  }

  /* A USB scanner types like a keyboard: while the camera is open, what it types (then
     Enter) is taken as the scan, so neither way of scanning loses the other's code. */
  let typed = "";
  dialog.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Enter" && typed) {
      event.preventDefault();
      const text = typed.trim();
      typed = "";
      found(text);
    } else if (event.key.length === 1 && event.key !== " ") {
      event.preventDefault();
      typed += event.key;
    }
  });

  open.addEventListener("click", () => {
    typed = "";
    dialog.showModal();
    close.focus();
    start();
  });
  close.addEventListener("click", () => { dialog.close(); });
  /* Esc closes a modal dialog by itself ("cancel", then "close"); every way out stops it.
     "close" comes a task after the dialog shut: where the clerk (or found(), for a fill-only
     input) has put the focus meanwhile, it stays; only a focus left nowhere returns to the
     camera button. */
  dialog.addEventListener("close", () => {
    stop();
    const focused = document.activeElement;
    if (focused === null || focused === document.body || dialog.contains(focused)) { open.focus(); }
  });
  window.addEventListener("pagehide", stop);
}

function setUp() {
  const camera = navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function";
  if (!camera || typeof HTMLDialogElement !== "function") { return; }
  document.querySelectorAll("input[data-qr-scan]").forEach((input) => {
    if (input.form) { enhance(input); }
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUp);
} else {
  setUp();
}
