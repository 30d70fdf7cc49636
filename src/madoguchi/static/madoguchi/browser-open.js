/* 「この端末の鍵で開く」: open a sealed application in the browser with a key file.
 *
 * Everything happens here: the key file is read from disk, unlocked with the passphrase
 * (PBKDF2-SHA256 → AES-256-GCM, WebCrypto), the content key unwrapped with HPKE (RFC 9180
 * base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: the vendored @hpke/core),
 * and the answers and files decrypted with AES-256-GCM. Nothing decrypted and no key is sent
 * anywhere; the server only hands out ciphertext (integrations/browser_open_views.py).
 *
 * The byte layout is integrations/crypto.py's (SUITE "madoguchi-e2e/v1 ..."):
 *   part      = nonce (12 bytes) || AES-256-GCM(plaintext) with the part's AAD
 *   wrapped   = HPKE enc (32 bytes) || HPKE ciphertext of the 32-byte content key
 *   HPKE info = SUITE || 0x00 "key" 0x00 || content AAD
 * and integrations/keyfile.py's for the key file (format "madoguchi-key/v1").
 */

const SUITE = "madoguchi-e2e/v1 HPKE(X25519,HKDF-SHA256,AES-256-GCM)+AES-256-GCM";
const KEY_FILE_FORMAT = "madoguchi-key/v1";
const MIN_ITERATIONS = 600000;
// PKCS#8 wrapping of a raw X25519 private key (RFC 8410), to check it against its public key.
const PKCS8_X25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e,
  0x04, 0x22, 0x04, 0x20];

class Problem extends Error {
  constructor(kind, field, values) {
    super(kind);
    this.kind = kind; // a data-text-* name
    this.field = field || ""; // "file", "passphrase" or "" (the whole form)
    this.values = values || {};
  }
}

const encoder = new TextEncoder();

function fromBase64url(text) {
  const base64 = String(text).replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
  return bytes;
}

function toBase64url(bytes) {
  let binary = "";
  bytes.forEach((byte) => { binary += String.fromCharCode(byte); });
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function concat(...parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  parts.forEach((part) => { joined.set(part, offset); offset += part.length; });
  return joined;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/* A part: nonce || AES-256-GCM(ciphertext || tag), under ``key`` with ``aad``. */
async function decryptPart(key, data, aad) {
  if (data.length < 28) { throw new Problem("tampered"); }
  try {
    return new Uint8Array(await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: data.slice(0, 12), additionalData: encoder.encode(aad) },
      key, data.slice(12),
    ));
  } catch (error) {
    throw new Problem("tampered");
  }
}

/* The key file: its fingerprint and public key in clear, the private key under the
   passphrase. Gives {fingerprint, privateKey (raw bytes)}. */
async function unlockKeyFile(text, passphrase) {
  let parsed;
  let salt; let nonce; let sealed; let publicKey; let iterations;
  try {
    parsed = JSON.parse(text);
    if (parsed.format !== KEY_FILE_FORMAT) { throw new Error("format"); }
    publicKey = fromBase64url(String(parsed.public_key).replace(/^x25519:/, ""));
    salt = fromBase64url(parsed.kdf.salt);
    iterations = Number(parsed.kdf.iterations);
    nonce = fromBase64url(parsed.cipher.nonce);
    sealed = fromBase64url(parsed.private_key);
    if (parsed.kdf.name !== "PBKDF2" || parsed.kdf.hash !== "SHA-256"
      || !(iterations >= MIN_ITERATIONS) || publicKey.length !== 32) { throw new Error("kdf"); }
  } catch (error) {
    throw new Problem("not-key-file", "file");
  }
  const fingerprint = String(parsed.fingerprint);
  if (await sha256(publicKey) !== fingerprint) { throw new Problem("not-key-file", "file"); }
  const material = await crypto.subtle.importKey(
    "raw", encoder.encode(passphrase.normalize("NFC")), "PBKDF2", false, ["deriveKey"],
  );
  const wrapping = await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material, { name: "AES-GCM", length: 256 }, false, ["decrypt"],
  );
  let privateKey;
  try {
    privateKey = new Uint8Array(await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce, additionalData: encoder.encode(`${KEY_FILE_FORMAT}:${fingerprint}`) },
      wrapping, sealed,
    ));
  } catch (error) {
    throw new Problem("wrong-passphrase", "passphrase");
  }
  // The private key must be the one the fingerprint names (a file put together by hand).
  const imported = await crypto.subtle.importKey(
    "pkcs8", concat(new Uint8Array(PKCS8_X25519), privateKey), { name: "X25519" }, true,
    ["deriveBits"],
  );
  const jwk = await crypto.subtle.exportKey("jwk", imported);
  if (jwk.x !== toBase64url(publicKey)) { throw new Problem("not-key-file", "file"); }
  return { fingerprint, privateKey };
}

/* The content key, unwrapped (HPKE) from the recipient entry of the key file's key. */
async function openContentKey(hpke, sealed, contentAad, keyFile) {
  if (sealed.suite !== SUITE) { throw new Problem("tampered"); }
  const entries = sealed.recipients || [];
  const entry = entries.find((recipient) => recipient.fingerprint === keyFile.fingerprint);
  if (!entry) {
    throw new Problem("wrong-key", "file", {
      recipients: entries.map((r) => `${r.fingerprint} (${r.purpose})`).join(", "),
      file: keyFile.fingerprint,
    });
  }
  const suite = new hpke.CipherSuite({
    kem: new hpke.DhkemX25519HkdfSha256(),
    kdf: new hpke.HkdfSha256(),
    aead: new hpke.Aes256Gcm(),
  });
  const wrapped = fromBase64url(entry.enc);
  const info = concat(encoder.encode(SUITE), new Uint8Array([0]), encoder.encode("key"),
    new Uint8Array([0]), encoder.encode(contentAad));
  let raw;
  try {
    const recipientKey = await suite.kem.importKey("raw", keyFile.privateKey.slice().buffer, false);
    const context = await suite.createRecipientContext({
      recipientKey, enc: wrapped.slice(0, 32).buffer, info: info.buffer,
    });
    raw = new Uint8Array(await context.open(wrapped.slice(32).buffer));
  } catch (error) {
    throw new Problem("tampered");
  }
  if (raw.length !== 32) { throw new Problem("tampered"); }
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
}

/* One sealed source (the application, or a correction it was resent with): its content and
   its files, decrypted and checked against their SHA-256, each file as an object URL. */
async function openSource(hpke, source, keyFile, objectUrls) {
  const contentKey = await openContentKey(hpke, source.sealed, source.content_aad, keyFile);
  const plaintext = await decryptPart(contentKey, fromBase64url(source.sealed.ciphertext), source.content_aad);
  if (source.sealed.plaintext_sha256 && await sha256(plaintext) !== source.sealed.plaintext_sha256) {
    throw new Problem("tampered");
  }
  const content = JSON.parse(new TextDecoder().decode(plaintext));
  const names = content.files || {};
  const files = [];
  for (const file of source.files || []) {
    const clear = await decryptPart(contentKey, await fetchOk(file.url, "bytes"), file.aad);
    if (file.sha256 && await sha256(clear) !== file.sha256) { throw new Problem("tampered"); }
    const described = names[String(file.id)] || {};
    const blob = new Blob([clear], { type: described.content_type || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    objectUrls.push(url);
    files.push({
      id: file.id, field_key: file.field_key, name: described.name || `file-${file.id}`,
      size: clear.length, url,
    });
  }
  return { content, files };
}

async function fetchOk(url, kind) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", redirect: "error" });
  } catch (error) {
    throw new Problem("fetch-failed");
  }
  if (!response.ok) { throw new Problem("fetch-failed"); }
  return kind === "json" ? response.json() : new Uint8Array(await response.arrayBuffer());
}

/* ------------------------------------------------------------------ showing the answers */

function element(name, attributes, ...children) {
  const node = document.createElement(name);
  Object.entries(attributes || {}).forEach(([key, value]) => {
    if (key === "className") { node.className = value; } else { node.setAttribute(key, value); }
  });
  children.forEach((child) => {
    if (child === null || child === undefined) { return; }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  });
  return node;
}

function lines(text) {
  const fragment = document.createDocumentFragment();
  String(text).split("\n").forEach((line, index) => {
    if (index) { fragment.append(document.createElement("br")); }
    fragment.append(document.createTextNode(line));
  });
  return fragment;
}

function sizeText(bytes, language) {
  const units = ["B", "KB", "MB"];
  let value = bytes; let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toLocaleString(language, { maximumFractionDigits: unit ? 1 : 0 })} ${units[unit]}`;
}

function dateText(value, language) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (!match) { return String(value); }
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (language.startsWith("en")) {
    return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(date);
  }
  const wareki = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", {
    era: "long", year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
  }).format(date);
  return `${wareki}（${match[1]}年）`;
}

function valueText(field, value, texts, language) {
  const values = Array.isArray(value) ? value : [value];
  switch (field.type) {
    case "choice":
      return values.map((v) => (field.options || {})[String(v)] ?? String(v)).join("、");
    case "consent":
      return value ? texts.agreed : "";
    case "number": {
      const shown = field.grouping ? Number(value).toLocaleString("ja-JP") : String(value);
      return `${shown}${field.unit || ""}`;
    }
    case "date":
      return dateText(value, language);
    default:
      return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

function isEmpty(value) {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
}

function row(label, content) {
  return element("div", { className: "review-row" }, element("dt", {}, label), element("dd", {}, content));
}

function downloadLink(file, texts, language) {
  const link = element("a", { href: file.url, download: file.name, "data-testid": "browser-open-file" },
    texts.download.replace("{name}", file.name).replace("{size}", sizeText(file.size, language)));
  // Not ".attachment": the staff page sets sections holding those aside in a sticky column.
  return element("p", {}, link);
}

function timeText(iso, language) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) { return String(iso); }
  return new Intl.DateTimeFormat(language.startsWith("en") ? "en-GB" : "ja-JP", {
    dateStyle: "medium", timeStyle: "short",
  }).format(moment);
}

/* The answers of ``answers`` by the form's steps (only those answered), files by question. */
function answerLists(steps, answers, files, texts, language, level) {
  const fragment = document.createDocumentFragment();
  const shownFiles = new Set();
  steps.forEach((step) => {
    const list = element("dl", { className: "review-list" });
    step.fields.forEach((field) => {
      if (!(field.key in answers) || isEmpty(answers[field.key])) { return; }
      if (field.type === "file" || field.type === "photo") {
        const own = files.filter((file) => file.field_key === field.key);
        own.forEach((file) => shownFiles.add(file.id));
        const cell = document.createDocumentFragment();
        own.forEach((file) => cell.append(downloadLink(file, texts, language)));
        list.append(row(field.label, own.length ? cell : valueText(field, answers[field.key], texts, language)));
        return;
      }
      list.append(row(field.label, lines(valueText(field, answers[field.key], texts, language))));
    });
    if (list.children.length) {
      fragment.append(element(level, {}, step.title), list);
    }
  });
  return { fragment, shownFiles };
}

function showContent(result, opened, corrections, steps, texts, language, keyFile) {
  result.replaceChildren();
  result.append(element("p", { className: "notice" }, texts.opened.replace("{file}", keyFile.fingerprint)));
  const content = opened.content;
  const applicant = element("dl", { className: "review-list" });
  if (content.applicant_name) { applicant.append(row(texts.applicantName, content.applicant_name)); }
  if (applicant.children.length) {
    result.append(element("h3", {}, texts.applicant), applicant);
  }
  const identity = content.identity || null;
  if (identity && Object.keys(identity).length) {
    const items = element("dl", { className: "review-list", "data-testid": "browser-open-identity" });
    const sexes = { male: texts.sexMale, female: texts.sexFemale, other: texts.sexOther };
    [["name", texts.identityName], ["address", texts.identityAddress],
      ["birth_date", texts.identityBirthDate], ["sex", texts.identitySex]].forEach(([key, label]) => {
      if (isEmpty(identity[key])) { return; }
      let shown = identity[key];
      if (key === "birth_date") { shown = dateText(shown, language); }
      if (key === "sex") { shown = sexes[shown] || shown; }
      items.append(row(label, shown));
    });
    result.append(element("h3", {}, texts.identity), items);
  }
  // The answers as they stand: the application's, each resent correction's over them.
  const answers = { ...(content.answers || {}) };
  const files = [...opened.files];
  corrections.forEach((correction) => {
    if (correction.content) {
      Object.assign(answers, correction.content.answers || {});
      files.push(...correction.files);
    }
  });
  if (corrections.length) {
    result.append(element("p", {}, texts.correctedIncluded));
  }
  const { fragment, shownFiles } = answerLists(steps, answers, files, texts, language, "h3");
  result.append(fragment);
  const others = files.filter((file) => !shownFiles.has(file.id));
  if (others.length) {
    const section = element("div", {}, element("h3", {}, texts.attachments));
    others.forEach((file) => section.append(downloadLink(file, texts, language)));
    result.append(section);
  }
  corrections.forEach((correction) => {
    const part = element("div", { "data-testid": "browser-open-correction" },
      element("h3", {}, texts.correction.replace("{at}", timeText(correction.at, language))));
    if (correction.unopened) {
      part.append(element("p", { className: "notice" }, texts.correctionUnopened.replace("{recipients}", correction.unopened)));
    } else {
      part.append(answerLists(steps, correction.content.answers || {}, correction.files, texts, language, "h4").fragment);
    }
    result.append(part);
  });
  const forget = element("button", { type: "button", className: "button button-secondary" }, texts.forget);
  result.append(element("div", { className: "actions" }, forget));
  return forget;
}

/* ----------------------------------------------------------------------------- the form */

function textsOf(section) {
  const texts = {};
  Object.entries(section.dataset).forEach(([key, value]) => {
    if (key.startsWith("text")) {
      const name = key.slice(4);
      texts[name.charAt(0).toLowerCase() + name.slice(1)] = value;
    }
  });
  return texts;
}

function camel(kind) {
  return kind.replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
}

function setUp(section) {
  const form = section.querySelector("#browser-open-form");
  const fileInput = section.querySelector("#browser-open-file");
  const passphraseInput = section.querySelector("#browser-open-passphrase");
  const status = section.querySelector("#browser-open-status");
  const result = section.querySelector("#browser-open-result");
  const general = section.querySelector("#browser-open-error");
  const language = section.dataset.language || "ja";
  const texts = textsOf(section);
  const fieldErrors = {
    file: [fileInput, section.querySelector("#browser-open-file-error"), "browser-open-file-hint"],
    passphrase: [passphraseInput, section.querySelector("#browser-open-passphrase-error"), ""],
  };
  let objectUrls = [];

  function clearErrors() {
    Object.values(fieldErrors).forEach(([input, message, hint]) => {
      input.removeAttribute("aria-invalid");
      if (hint) { input.setAttribute("aria-describedby", hint); } else { input.removeAttribute("aria-describedby"); }
      message.hidden = true;
      message.replaceChildren();
    });
    general.hidden = true;
    general.replaceChildren();
  }

  function showError(problem) {
    let text = texts[camel(problem.kind)] || texts.fetchFailed;
    Object.entries(problem.values).forEach(([name, value]) => { text = text.replace(`{${name}}`, value); });
    const message = [element("span", { className: "visually-hidden" }, texts.errorPrefix), ` ${text}`];
    status.textContent = "";
    if (problem.field && fieldErrors[problem.field]) {
      const [input, holder, hint] = fieldErrors[problem.field];
      holder.replaceChildren(...message);
      holder.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [hint, holder.id].filter(Boolean).join(" "));
      input.focus();
      return;
    }
    general.replaceChildren(...message);
    general.hidden = false;
    general.focus();
  }

  function forget() {
    objectUrls.forEach((url) => URL.revokeObjectURL(url));
    objectUrls = [];
    result.replaceChildren();
    result.hidden = true;
  }

  async function open() {
    if (!fileInput.files || !fileInput.files.length) { throw new Problem("no-file", "file"); }
    if (!passphraseInput.value) { throw new Problem("no-passphrase", "passphrase"); }
    if (!window.isSecureContext || !crypto.subtle) { throw new Problem("unsupported"); }
    status.textContent = texts.opening;
    const keyFile = await unlockKeyFile(await fileInput.files[0].text(), passphraseInput.value);
    let hpke;
    try {
      hpke = await import(section.dataset.hpkeModule);
    } catch (error) {
      throw new Problem("unsupported");
    }
    const payload = await fetchOk(section.dataset.payloadUrl, "json");
    forget(); // what an earlier opening showed
    const opened = await openSource(hpke, payload, keyFile, objectUrls);
    // Corrections the applicant resent: each under its own content key, sealed to the keys of
    // its time (a key rotated since may not open it; the page says so and shows the rest).
    const corrections = [];
    for (const correction of payload.corrections || []) {
      try {
        corrections.push({ ...(await openSource(hpke, correction, keyFile, objectUrls)), at: correction.resubmitted_at });
      } catch (error) {
        if (!(error instanceof Problem) || error.kind !== "wrong-key") { throw error; }
        corrections.push({ at: correction.resubmitted_at, unopened: error.values.recipients });
      }
    }
    const forgetButton = showContent(result, opened, corrections, payload.steps, texts, language, keyFile);
    forgetButton.addEventListener("click", () => {
      forget();
      status.textContent = texts.forgotten;
    });
    result.hidden = false;
    status.textContent = "";
    // Tell a screen reader the answers are there: focus the first line of what was opened.
    const opening = result.querySelector(".notice");
    opening.setAttribute("tabindex", "-1");
    opening.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    try {
      await open();
    } catch (error) {
      showError(error instanceof Problem ? error : new Problem("unsupported"));
    }
  });
  section.querySelector("[data-browser-open-needs-js]").hidden = true;
  form.hidden = false;
}

document.querySelectorAll("[data-testid=browser-open]").forEach(setUp);
