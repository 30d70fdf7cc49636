// The wall display of waiting numbers (reservations/waiting_display.html): every few seconds
// fetch the counter's state (numbers and desks only) and redraw; a newly called number, or a
// number called again, is read out once through the aria-live region. Without JavaScript the
// page shows the state at load and its "Refresh" link.
const POLL_MILLISECONDS = 4000;
const root = document.getElementById("waiting-display");

function sentence(call) {
  const template = call.desk ? root.dataset.sayDesk : root.dataset.sayPlain;
  return template.replace("{number}", String(call.number)).replace("{desk}", call.desk);
}

function item(call) {
  const li = document.createElement("li");
  const number = document.createElement("span");
  number.className = "waiting-call-number";
  number.textContent = String(call.number);
  const desk = document.createElement("span");
  desk.className = "waiting-call-desk";
  desk.textContent = call.desk;
  li.append(number, " ", desk);
  return li;
}

function key(call) {
  return call ? `${call.number}@${call.announced_at}` : "";
}

let lastAnnounced = null;

function draw(state) {
  const latest = state.calls[0];
  document.getElementById("waiting-latest-number").textContent = latest ? String(latest.number) : "—";
  document.getElementById("waiting-latest-desk").textContent = latest ? latest.desk : "";
  document.getElementById("waiting-calls").replaceChildren(...state.calls.map(item));
  document.getElementById("waiting-no-calls").hidden = state.calls.length > 0;
  document.getElementById("waiting-count").textContent = String(state.waiting);
  document.getElementById("waiting-updated").textContent = state.updated_at;
  const current = key(latest);
  if (lastAnnounced !== null && current && current !== lastAnnounced) {
    document.getElementById("waiting-announcement").textContent = sentence(latest);
  }
  lastAnnounced = current;
}

async function poll() {
  try {
    const response = await fetch(root.dataset.stateUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (response.ok) {
      draw(await response.json());
    }
  } catch {
    // The network is down for a moment: keep showing what is there and try again.
  }
  window.setTimeout(poll, POLL_MILLISECONDS);
}

if (root) {
  poll();
}
