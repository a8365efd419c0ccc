/* Progressive enhancements for the review pages; everything works without them.
 * 1. 推荐名单: drag rows to reorder; the order numbers are rewritten and the user saves as usual.
 * 2. 形式审查: highlight items whose tick differs from the engine's pre-fill (a reason is then required). */
(function () {
  "use strict";

  function sortable(form) {
    var body = form.querySelector("tbody");
    var hint = form.querySelector("[data-sort-hint]");
    var dragged = null;
    if (!body) return;
    function renumber() {
      var rows = body.querySelectorAll("tr[data-entry]");
      rows.forEach(function (row, index) {
        var input = row.querySelector("input.position");
        if (input) input.value = String(index + 1);
      });
      if (hint) hint.hidden = false;
    }
    body.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("tr[data-entry]");
      if (!dragged) return;
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.entry);
    });
    body.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      body.querySelectorAll(".drop-target").forEach(function (row) { row.classList.remove("drop-target"); });
      dragged = null;
    });
    body.addEventListener("dragover", function (event) {
      var row = event.target.closest("tr[data-entry]");
      if (!dragged || !row || row === dragged) return;
      event.preventDefault();
      body.querySelectorAll(".drop-target").forEach(function (r) { r.classList.remove("drop-target"); });
      row.classList.add("drop-target");
    });
    body.addEventListener("drop", function (event) {
      var row = event.target.closest("tr[data-entry]");
      if (!dragged || !row || row === dragged) return;
      event.preventDefault();
      var rect = row.getBoundingClientRect();
      var after = event.clientY > rect.top + rect.height / 2;
      body.insertBefore(dragged, after ? row.nextSibling : row);
      row.classList.remove("drop-target");
      renumber();
    });
  }

  function checklist(form) {
    function mark(row) {
      var box = row.querySelector("input[type=checkbox]");
      if (!box) return;
      var differs = (box.checked ? "1" : "0") !== row.dataset.engine;
      row.classList.toggle("overridden", differs);
      var reason = row.querySelector("input[type=text]");
      if (reason) reason.required = differs;
    }
    form.querySelectorAll("tr.check-row").forEach(function (row) {
      mark(row);
      var box = row.querySelector("input[type=checkbox]");
      if (box) box.addEventListener("change", function () { mark(row); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-sortable]").forEach(sortable);
    var formal = document.getElementById("formal-form");
    if (formal) checklist(formal);
  });
})();
