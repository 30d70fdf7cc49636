// The card agent's address and pairing token, kept in this browser's localStorage
// (counter/agent_settings.html). The resident display reads them (display-card.js).
import { CardAgent, AgentError } from "./agent-client.js";
import { loadAgentSettings, saveAgentSettings } from "./agent-storage.js";
import { say as text } from "./card-texts.js";

const form = document.getElementById("agent-settings");
const status = document.getElementById("agent-settings-status");

function say(text) {
  status.hidden = false;
  status.textContent = text;
}

if (form) {
  const saved = loadAgentSettings();
  form.elements.url.value = saved.url;
  form.elements.token.value = saved.token;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveAgentSettings(form.elements.url.value.trim(), form.elements.token.value.trim());
    say(text("saved"));
  });
  document.getElementById("agent-test").addEventListener("click", async () => {
    const agent = new CardAgent(form.elements.url.value.trim(), form.elements.token.value.trim());
    try {
      const answer = await agent.status();
      const reader = answer.reader || text("no_reader_name");
      say(text("connected", { reader }));
    } catch (error) {
      const code = error instanceof AgentError ? error.code : "agent_unreachable";
      say(text("not_connected", { code }));
    }
  });
}
