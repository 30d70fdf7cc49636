// The counter card agent's client (HTTP API v1 on the counter PC's loopback; docs/counter.md).
// An ES module without dependencies:
//
//   import { CardAgent, AgentError } from "./agent-client.js";
//   const agent = new CardAgent(undefined, token);
//   const status = await agent.status();
//   const read = await agent.read({ pin, nonce });          // authPin defaults to pin
//   const signed = await agent.sign({ password, sha256 });
//
// Every call resolves to the agent's parsed JSON or rejects with an AgentError whose code is
// the agent's ("wrong_pin", "pin_blocked", "no_card", ...) or "agent_unreachable" when nothing
// answers on the port (agent not started, blocked by the browser). The PIN and the password
// go to the agent only: never put them in a form that posts to the server.
//
// http://127.0.0.1 counts as a secure origin, so an https page may call it; Chrome's private
// network access preflight is answered by the agent (Access-Control-Allow-Private-Network).

export const DEFAULT_AGENT_URL = "http://127.0.0.1:47120";

export class AgentError extends Error {
  constructor(code, { triesLeft = null, message = "", status = null } = {}) {
    super(message || code);
    this.name = "AgentError";
    this.code = code;
    this.triesLeft = triesLeft;
    this.status = status;
  }
}

export class CardAgent {
  constructor(baseUrl = DEFAULT_AGENT_URL, token, { timeoutMs = 60000 } = {}) {
    this.baseUrl = String(baseUrl || DEFAULT_AGENT_URL).replace(/\/+$/, "");
    this.token = token || "";
    this.timeoutMs = timeoutMs;
  }

  status() {
    return this.#request("GET", "/v1/status");
  }

  read({ pin, authPin, nonce }) {
    const body = { pin, nonce };
    if (authPin !== undefined && authPin !== null && authPin !== "") {
      body.auth_pin = authPin;
    }
    return this.#request("POST", "/v1/read", body);
  }

  sign({ password, sha256 }) {
    return this.#request("POST", "/v1/sign", {
      password: String(password || "").toUpperCase(),
      sha256,
    });
  }

  async #request(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    const init = {
      method,
      headers,
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    let timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(() => controller.abort(), this.timeoutMs);
    }
    let response;
    try {
      response = await fetch(this.baseUrl + path, init);
    } catch (error) {
      throw new AgentError("agent_unreachable", {
        message: error && error.message ? error.message : "the card agent did not answer",
      });
    } finally {
      if (timer !== null) {
        clearTimeout(timer);
      }
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    if (!response.ok) {
      const code = payload && typeof payload.error === "string" ? payload.error : "card_error";
      throw new AgentError(code, {
        triesLeft: payload && Number.isInteger(payload.tries_left) ? payload.tries_left : null,
        message: payload && typeof payload.message === "string" ? payload.message : "",
        status: response.status,
      });
    }
    if (payload === null || typeof payload !== "object") {
      throw new AgentError("card_error", { message: "the agent's answer is not JSON", status: response.status });
    }
    return payload;
  }
}
