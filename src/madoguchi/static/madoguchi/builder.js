/* Form builder: progressive enhancement only. Every action works with the buttons;
   this file adds drag-and-drop reordering of questions (posting the same "move_field"
   action the buttons post). Selects never submit on change (WCAG 3.2.2 On Input): the
   rule editor's choice of answer is sent with its 「次へ」 button. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function actionUrl(list) {
    var form = list.closest("section").querySelector("form.builder-add");
    return form ? form.getAttribute("action") : null;
  }

  function setUpDragAndDrop() {
    var lists = document.querySelectorAll("[data-builder-list]");
    if (!lists.length || !window.fetch) { return; }
    var dragged = null;
    document.querySelectorAll(".builder-js-hint").forEach(function (hint) { hint.hidden = false; });
    lists.forEach(function (list) {
      list.querySelectorAll(".builder-field").forEach(function (item) {
        item.setAttribute("draggable", "true");
        item.classList.add("builder-draggable");
        item.addEventListener("dragstart", function (event) {
          dragged = item;
          item.classList.add("builder-dragging");
          event.dataTransfer.effectAllowed = "move";
          event.dataTransfer.setData("text/plain", item.dataset.key);
        });
        item.addEventListener("dragend", function () {
          item.classList.remove("builder-dragging");
        });
      });
      list.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        var after = null;
        list.querySelectorAll(".builder-field:not(.builder-dragging)").forEach(function (item) {
          var box = item.getBoundingClientRect();
          if (after === null && event.clientY < box.top + box.height / 2) { after = item; }
        });
        if (after) { list.insertBefore(dragged, after); } else { list.appendChild(dragged); }
      });
      list.addEventListener("drop", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        var items = Array.prototype.slice.call(list.querySelectorAll(".builder-field"));
        var body = new URLSearchParams();
        body.set("action", "move_field");
        body.set("key", dragged.dataset.key);
        body.set("step", list.dataset.step);
        body.set("position", String(items.indexOf(dragged)));
        var url = actionUrl(list);
        dragged = null;
        if (!url) { return; }
        fetch(url, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
          body: body,
          credentials: "same-origin"
        }).then(function () { window.location.reload(); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpDragAndDrop();
  });
})();
