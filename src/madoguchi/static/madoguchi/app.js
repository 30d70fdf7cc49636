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

  function applyConditions(form, known) {
    if (!window.jsonLogic) { return; }
    var data = Object.assign({}, known, answersOf(form));
    form.querySelectorAll("[data-visible-if]").forEach(function (element) {
      var visible = true;
      try { visible = !!window.jsonLogic.apply(JSON.parse(element.dataset.visibleIf), data); } catch (e) { visible = true; }
      element.hidden = !visible;
    });
  }

  function setUpConditions(form) {
    var known = {};
    try { known = JSON.parse(form.dataset.known || "{}"); } catch (e) { known = {}; }
    form.addEventListener("input", function () { applyConditions(form, known); });
    form.addEventListener("change", function () { applyConditions(form, known); });
    applyConditions(form, known);
  }

  function setUpPostalLookup(form) {
    form.querySelectorAll('button[name="lookup"]').forEach(function (button) {
      button.addEventListener("click", function (event) {
        var input = form.querySelector('[name="' + button.value + '"]');
        var target = input && form.querySelector('[name="' + input.dataset.addressField + '"]');
        if (!input || !target || !window.fetch) { return; }
        event.preventDefault();
        fetch("/api/v1/postal-codes/" + encodeURIComponent(input.value), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
          .then(function (result) {
            if (result.ok) { target.value = result.body.address; input.value = result.body.postal_code; target.focus(); }
            else { form.requestSubmit ? form.requestSubmit(button) : form.submit(); }
          })
          .catch(function () { form.submit(); });
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
