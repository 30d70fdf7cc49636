/* Staff pages: enhancements only; every form works without this file. */
(function () {
  "use strict";

  /* The inbox's bulk action offers only the statuses every checked row can move to
     (each checkbox lists its own in data-transitions); the server refuses the rest. */
  function setUpBulkStatus() {
    var select = document.getElementById("bulk-status");
    if (!select) { return; }
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input.row-select"));
    function narrow() {
      var checked = boxes.filter(function (box) { return box.checked; });
      var allowed = null;
      checked.forEach(function (box) {
        var own = (box.dataset.transitions || "").split(" ").filter(Boolean);
        allowed = allowed === null ? own : allowed.filter(function (s) { return own.indexOf(s) !== -1; });
      });
      var firstEnabled = null;
      Array.prototype.forEach.call(select.options, function (option) {
        option.disabled = allowed !== null && allowed.indexOf(option.value) === -1;
        option.hidden = option.disabled;
        if (!option.disabled && firstEnabled === null) { firstEnabled = option; }
      });
      if (select.selectedOptions.length && select.selectedOptions[0].disabled && firstEnabled) {
        select.value = firstEnabled.value;
      }
    }
    boxes.forEach(function (box) { box.addEventListener("change", narrow); });
    narrow();
  }

  document.addEventListener("DOMContentLoaded", setUpBulkStatus);
})();
