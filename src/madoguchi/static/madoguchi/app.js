/* Progressive enhancement only: every page works without this file.
   - shows and hides fields with the same JSON Logic rules the server applies;
   - fills the address from the postal code without a page reload;
   - moves focus to the error summary so screen readers announce it. */
(function () {
  "use strict";

  function answersOf(form) {
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (key.indexOf("__") !== -1 || key === "csrfmiddlewaretoken") { return; }
      var input = form.querySelector('[name="' + key + '"]');
      if (input && input.type === "checkbox" && input.closest("fieldset") && form.querySelectorAll('[name="' + key + '"]').length > 1) {
        (data[key] = data[key] || []).push(value);
      } else if (input && input.type === "checkbox") {
        data[key] = true;
      } else {
        data[key] = value;
      }
    });
    return data;
  }

  // The answers a rule reads ({"var": "reason"}); a rule reading an answer that is not on
  // this page keeps what the server rendered, which knew every answer.
  function varsOf(logic, found) {
    if (Array.isArray(logic)) { logic.forEach(function (item) { varsOf(item, found); }); }
    else if (logic && typeof logic === "object") {
      Object.keys(logic).forEach(function (op) {
        if (op === "var") {
          var name = Array.isArray(logic[op]) ? logic[op][0] : logic[op];
          if (typeof name === "string" && name) { found.push(name.split(".")[0]); }
        } else { varsOf(logic[op], found); }
      });
    }
    return found;
  }

  function evaluate(form, text, data) {
    var logic;
    try { logic = JSON.parse(text); } catch (e) { return null; }
    var onPage = varsOf(logic, []).every(function (name) { return form.querySelector('[name="' + name + '"]'); });
    if (!onPage) { return null; }
    try { return !!window.jsonLogic.apply(logic, data); } catch (e) { return null; }
  }

  function applyConditions(form, known) {
    if (!window.jsonLogic) { return; }
    var data = Object.assign({}, known, answersOf(form));
    form.querySelectorAll("[data-visible-if]").forEach(function (element) {
      var visible = evaluate(form, element.dataset.visibleIf, data);
      if (visible !== null) { element.hidden = !visible; }
    });
    // 必須/任意 says what is true now: a "required when ..." rule flips the tag as its
    // answers change (the server renders the same from the answers it has).
    form.querySelectorAll("[data-required-if]").forEach(function (element) {
      var required = evaluate(form, element.dataset.requiredIf, data);
      var tag = element.querySelector("[data-required-tag]");
      if (required === null || !tag) { return; }
      tag.textContent = required ? tag.dataset.textRequired : tag.dataset.textOptional;
      tag.classList.toggle("tag-required", required);
      tag.classList.toggle("tag-optional", !required);
    });
  }

  // After a lookup fixed a postal code, its old error (message, summary entry) is stale.
  function clearErrors(names) {
    names.forEach(function (name) {
      var field = document.querySelector('[data-field="' + name + '"]');
      if (!field) { return; }
      field.classList.remove("field-error");
      var message = field.querySelector(".error-message");
      if (message) { message.remove(); }
      field.querySelectorAll('[aria-invalid="true"]').forEach(function (input) {
        input.removeAttribute("aria-invalid");
        var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== "field-" + name + "-error"; });
        if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
      });
      document.querySelectorAll('.error-summary a[href="#field-' + name + '"]').forEach(function (link) { link.closest("li").remove(); });
    });
    var summary = document.querySelector(".error-summary");
    if (summary && !summary.querySelector("li")) {
      summary.remove();
      document.title = document.title.replace(/^(エラー: |Error: )/, "");
    }
  }

  function setUpConditions(form) {
    var known = {};
    try { known = JSON.parse(form.dataset.known || "{}"); } catch (e) { known = {}; }
    form.addEventListener("input", function () { applyConditions(form, known); });
    form.addEventListener("change", function () { applyConditions(form, known); });
    applyConditions(form, known);
  }

  function comparable(text) {
    return (text || "").normalize("NFKC").replace(/\s+/g, "");
  }

  // The found (town-level) address fills an empty address or one it extends; it never
  // replaces a different or longer address without the resident's say, and never a
  // field the card locked (the server applies the same rules without JavaScript).
  function offerAddress(form, input, target, address) {
    var old = input.closest(".field").querySelector(".address-suggestion");
    if (old) { old.remove(); }
    var box = document.createElement("div");
    box.className = "notice notice-info address-suggestion";
    box.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = (form.dataset.textDiffers || "") + " " + address;
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button button-secondary";
    use.textContent = form.dataset.textUse || "OK";
    use.addEventListener("click", function () { target.value = address; box.remove(); target.focus(); });
    box.appendChild(text);
    box.appendChild(use);
    input.closest(".input-row").insertAdjacentElement("afterend", box);
  }

  function setUpPostalLookup(form) {
    form.querySelectorAll('button[name="lookup"]').forEach(function (button) {
      button.addEventListener("click", function (event) {
        var input = form.querySelector('[name="' + button.value + '"]');
        var target = input && form.querySelector('[name="' + input.dataset.addressField + '"]');
        if (!input || !target || !window.fetch) { return; }
        event.preventDefault();
        if (target.readOnly || target.disabled || input.readOnly) { return; }
        fetch("/api/v1/postal-codes/" + encodeURIComponent(input.value), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
          .then(function (result) {
            if (!result.ok) { form.requestSubmit ? form.requestSubmit(button) : form.submit(); return; }
            var typed = comparable(target.value), found = comparable(result.body.address);
            input.value = result.body.postal_code;
            clearErrors([input.name].concat(typed ? [] : [target.name]));
            if (!typed || found.indexOf(typed) === 0) { target.value = result.body.address; target.focus(); }
            else if (typed.indexOf(found) !== 0) { offerAddress(form, input, target, result.body.address); }
          })
          .catch(function () { form.requestSubmit ? form.requestSubmit(button) : form.submit(); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
    document.querySelectorAll("form.application-form").forEach(function (form) {
      setUpConditions(form);
      setUpPostalLookup(form);
    });
  });
})();
