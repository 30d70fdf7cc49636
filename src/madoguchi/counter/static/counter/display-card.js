// The resident display (counter/display.html): reload when the clerk changes what it shows,
// and relay the card agent's answers. The PIN and the signing password go only to the agent
// on loopback (agent-client.js); the server gets the agent's answer without them.
import { CardAgent, AgentError } from "./agent-client.js";
import { loadAgentSettings } from "./agent-storage.js";

const root = document.getElementById("display");
const ja = document.documentElement.lang !== "en";
let busy = false;
let hold = false; // while the signature's result becomes what the display shows

const MESSAGES = {
  no_reader: ["カードリーダーが見つかりません。職員にお知らせください。", "No card reader was found. Please tell the clerk."],
  no_card: ["マイナンバーカードをカードリーダーに置いてください。", "Put your My Number Card on the card reader."],
  card_removed: ["読み取りの途中でカードが離れました。カードを置いたまま、もう一度お試しください。", "The card was moved away while it was read. Keep it on the reader and try again."],
  pin_blocked: ["暗証番号がロックされています。この窓口では使えません。職員にお知らせください。", "The PIN is locked. The card cannot be used here; please tell the clerk."],
  not_my_number_card: ["マイナンバーカードではないようです。マイナンバーカードを置いてください。", "This does not seem to be a My Number Card. Put your My Number Card on the reader."],
  card_error: ["カードを読み取れませんでした。もう一度お試しください。", "The card could not be read. Please try again."],
  busy: ["カードリーダーが使用中です。少し待ってからもう一度お試しください。", "The card reader is busy. Please wait a moment and try again."],
  bad_request: ["入力を確かめて、もう一度お試しください。", "Check what you typed and try again."],
  agent_unreachable: ["カードリーダーの準備ができていません。職員にお知らせください（カードエージェントの起動が必要です）。", "The card reader is not ready. Please tell the clerk (the card agent needs to be started)."],
  bad_token: ["カードリーダーの設定が合っていません。職員にお知らせください。", "The card reader is not set up for this screen. Please tell the clerk."],
  origin_not_allowed: ["カードリーダーの設定が合っていません。職員にお知らせください。", "The card reader is not set up for this screen. Please tell the clerk."],
};

function text(pair) {
  return ja ? pair[0] : pair[1];
}

function agentMessage(error, what) {
  if (error.code === "wrong_pin") {
    const left = error.triesLeft;
    const name = what === "sign" ? (ja ? "署名用パスワード" : "signing password") : (ja ? "暗証番号" : "PIN");
    if (typeof left === "number") {
      return ja ? `${name}が違います。あと${left}回間違えるとロックされます。` : `Wrong ${name}. ${left} tries left before it locks.`;
    }
    return ja ? `${name}が違います。` : `Wrong ${name}.`;
  }
  return text(MESSAGES[error.code] || MESSAGES.card_error);
}

// kind: "warning" for what went wrong (the default), "info" for progress, "success" for done.
function show(form, message, kind = "warning") {
  const status = form.querySelector("#card-status");
  status.hidden = false;
  status.className = `notice notice-${kind}`;
  status.textContent = message;
}

// Done: the result stays, the password field and its button go (nothing left to type).
function finish(form, message) {
  show(form, message, "success");
  for (const element of form.querySelectorAll("label, input:not([type=hidden]), button")) {
    element.hidden = true;
  }
}

function csrf(form) {
  return form.querySelector("input[name=csrfmiddlewaretoken]").value;
}

async function relay(form, body) {
  const response = await fetch(form.dataset.post, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
    body: JSON.stringify(body),
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  if (!response.ok) {
    throw new Error(answer.message || text(MESSAGES.card_error));
  }
  return answer;
}

function agent() {
  const settings = loadAgentSettings();
  return new CardAgent(settings.url, settings.token);
}

// With one try left, say so first and go on only when the resident presses again.
async function oneTryLeft(form, kind) {
  if (form.dataset.warned === "yes") {
    return false;
  }
  let tries = null;
  try {
    const status = await agent().status();
    tries = kind === "sign" ? status.signing_password_tries : status.auth_pin_tries;
    if (kind !== "sign" && status.card_info_pin_tries === 1) {
      tries = 1;
    }
  } catch {
    return false; // the operation itself will say what is wrong
  }
  if (tries === 1) {
    form.dataset.warned = "yes";
    show(form, ja
      ? "残り1回です。間違えるとロックされ、市区町村の窓口で解除が必要になります。確かめてから、もう一度押してください。"
      : "One try left. A wrong entry locks it, and unlocking needs a visit to the city office. Check, then press again.");
    return true;
  }
  return false;
}

async function readCard(form) {
  const pin = form.elements.pin.value.trim();
  if (!/^[0-9]{4}$/.test(pin)) {
    show(form, ja ? "4桁の数字を入力してください。" : "Enter the 4 digits.");
    return;
  }
  if (await oneTryLeft(form, "read")) {
    return;
  }
  show(form, ja ? "カードを読み取っています。カードを動かさないでください。" : "Reading the card. Keep it on the reader.", "info");
  let answer;
  try {
    answer = await agent().read({ pin, nonce: form.dataset.nonce });
  } catch (error) {
    form.elements.pin.value = "";
    show(form, agentMessage(error instanceof AgentError ? error : { code: "agent_unreachable" }, "read"));
    return;
  } finally {
    form.elements.pin.value = "";
  }
  await relay(form, {
    items: answer.items,
    integrity: answer.integrity,
    auth_certificate: answer.auth_certificate,
    auth_ca_certificate: answer.auth_ca_certificate,
    nonce_signature: answer.nonce_signature,
  });
  show(form, ja ? "カードを確認しました。" : "The card was verified.", "success");
  window.location.reload();
}

async function signCard(form) {
  const password = form.elements.password.value.trim().toUpperCase();
  if (!/^[A-Z0-9]{6,16}$/.test(password)) {
    show(form, ja ? "6〜16文字の英大文字と数字で入力してください。" : "Enter 6 to 16 letters and digits.");
    return;
  }
  if (await oneTryLeft(form, "sign")) {
    return;
  }
  show(form, ja ? "署名しています。カードを動かさないでください。" : "Signing. Keep the card on the reader.", "info");
  let answer;
  try {
    answer = await agent().sign({ password, sha256: form.dataset.sha256 });
  } catch (error) {
    show(form, agentMessage(error instanceof AgentError ? error : { code: "agent_unreachable" }, "sign"));
    return;
  } finally {
    form.elements.password.value = "";
  }
  const done = await relay(form, {
    certificate: answer.certificate,
    ca_certificate: answer.ca_certificate,
    signature: answer.signature,
  });
  finish(form, ja ? `署名して申請しました。受付番号: ${done.receipt_number}` : `Signed and accepted. Receipt number: ${done.receipt_number}`);
  await stayOnTheResult();
}

// The result stays on screen until the clerk changes what the display shows (no timed
// reload, WCAG 2.2.1): what the display should show now becomes what the poll compares with.
async function stayOnTheResult() {
  hold = true;
  try {
    const response = await fetch(root.dataset.stateUrl, { credentials: "same-origin", cache: "no-store" });
    const state = await response.json();
    if (state.paired && state.version) {
      root.dataset.version = state.version;
    }
  } catch {
    // Offline for a moment: the poll brings the display up to date when it can.
  } finally {
    hold = false;
  }
}

function attach(id, action) {
  const form = document.getElementById(id);
  if (!form) {
    return;
  }
  for (const button of form.querySelectorAll("[data-needs-script]")) {
    button.disabled = false;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    try {
      await action(form);
    } catch (error) {
      show(form, error.message || text(MESSAGES.card_error));
    } finally {
      busy = false;
    }
  });
}

attach("card-read", readCard);
attach("card-sign", signCard);

// Poll what the display should show; when it changed, reload (or, on the page that answers
// the resident's press, go back to the display), unless the resident is in the middle of
// typing a PIN or a password. This is the display's only automatic update: no page refreshes
// itself on a timer (WCAG 2.2.1); without JavaScript the page's "Refresh" button does it.
function moveOn() {
  if (root.dataset.returnTo) {
    window.location.assign(root.dataset.returnTo);
  } else {
    window.location.reload();
  }
}

async function poll() {
  if (!root) {
    return;
  }
  const typing = Array.from(root.querySelectorAll("input[type=password]")).some((input) => input.value);
  if (!busy && !hold && !typing) {
    try {
      const response = await fetch(root.dataset.stateUrl, { credentials: "same-origin", cache: "no-store" });
      const state = await response.json();
      if (!state.paired || state.version !== root.dataset.version) {
        moveOn();
        return;
      }
    } catch {
      // Offline for a moment: try again at the next tick.
    }
  }
  window.setTimeout(poll, 3000);
}
window.setTimeout(poll, 3000);
