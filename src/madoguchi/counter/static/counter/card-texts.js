// The card scripts' messages, translated on the server ({% card_texts_script %} writes them
// as a JSON data block). Placeholders are %(name)s, as in the catalog.
const block = document.getElementById("card-texts");
const TEXTS = block ? JSON.parse(block.textContent) : {};

export function say(key, values = {}) {
  const template = TEXTS[key] ?? TEXTS.card_error ?? key;
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

export function known(key) {
  return Object.hasOwn(TEXTS, key);
}
