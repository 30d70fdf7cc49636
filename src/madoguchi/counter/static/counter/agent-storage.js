// Where this browser keeps the card agent's address and pairing token (localStorage of the
// site's origin): the clerk sets them on the agent settings page, the display uses them.
export const AGENT_URL_KEY = "madoguchi.counterAgent.url";
export const AGENT_TOKEN_KEY = "madoguchi.counterAgent.token";
export const DEFAULT_AGENT_URL = "http://127.0.0.1:47120";

export function loadAgentSettings() {
  try {
    return {
      url: localStorage.getItem(AGENT_URL_KEY) || DEFAULT_AGENT_URL,
      token: localStorage.getItem(AGENT_TOKEN_KEY) || "",
    };
  } catch {
    return { url: DEFAULT_AGENT_URL, token: "" };
  }
}

export function saveAgentSettings(url, token) {
  localStorage.setItem(AGENT_URL_KEY, url || DEFAULT_AGENT_URL);
  localStorage.setItem(AGENT_TOKEN_KEY, token);
}
