// Driven by test_agent_client.py: calls the agent through agent-client.js and prints one JSON
// line per call. Node's fetch sends no Origin header, so this script adds the page's origin.
const [, , moduleUrl, baseUrl, token, origin] = process.argv;
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) =>
  realFetch(url, { ...init, headers: { ...init.headers, Origin: origin } });
const { CardAgent, AgentError } = await import(moduleUrl);

async function outcome(call) {
  try {
    return { ok: await call() };
  } catch (error) {
    return {
      error: error instanceof AgentError,
      code: error.code,
      triesLeft: error.triesLeft,
      status: error.status,
    };
  }
}

const agent = new CardAgent(baseUrl + "/", token);
const results = {
  status: await outcome(() => agent.status()),
  read: await outcome(() => agent.read({ pin: "1234", nonce: "ab".repeat(32) })),
  wrongAuthPin: await outcome(() =>
    agent.read({ pin: "1234", authPin: "0000", nonce: "ab".repeat(32) })
  ),
  sign: await outcome(() => agent.sign({ password: "abc123", sha256: "00".repeat(32) })),
  badRequest: await outcome(() => agent.read({ pin: "12", nonce: "ab" })),
  badToken: await outcome(() => new CardAgent(baseUrl, "wrong").status()),
  unreachable: await outcome(() => new CardAgent("http://127.0.0.1:9", token).status()),
};
console.log(JSON.stringify(results));
