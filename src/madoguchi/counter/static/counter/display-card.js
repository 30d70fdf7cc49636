// The resident display (counter/display.html): reload when the clerk changes what it shows,
// and relay the card agent's answers. The PIN and the signing password go only to the agent
// on loopback (agent-client.js); the server gets the agent's answer without them.
import { CardAgent, AgentError } from "./agent-client.js";
import { loadAgentSettings } from "./agent-storage.js";
import { known, say } from "./card-texts.js";

const root = document.getElementById("display");
let busy = false;
let hold = false; // while the signature's result becomes what the display shows

function agentMessage(error, what) {
  if (error.code === "wrong_pin") {
    const name = say(what === "sign" ? "signing_password" : "pin");
    if (typeof error.triesLeft === "number") {
      return say("wrong_secret_tries", { name, left: error.triesLeft });
    }
    return say("wrong_secret", { name });
  }
  return say(known(error.code) ? error.code : "card_error");
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
    throw new Error(answer.message || say("card_error"));
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
    show(form, say("one_try_left"));
    return true;
  }
  return false;
}

async function readCard(form) {
  const pin = form.elements.pin.value.trim();
  if (!/^[0-9]{4}$/.test(pin)) {
    show(form, say("enter_pin"));
    return;
  }
  if (await oneTryLeft(form, "read")) {
    return;
  }
  show(form, say("reading"), "info");
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
  show(form, say("verified"), "success");
  window.location.reload();
}

async function signCard(form) {
  const password = form.elements.password.value.trim().toUpperCase();
  if (!/^[A-Z0-9]{6,16}$/.test(password)) {
    show(form, say("enter_password"));
    return;
  }
  if (await oneTryLeft(form, "sign")) {
    return;
  }
  show(form, say("signing"), "info");
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
  finish(form, say("signed", { receipt_number: done.receipt_number }));
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
      show(form, error.message || say("card_error"));
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
