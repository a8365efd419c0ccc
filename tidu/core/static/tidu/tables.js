/* Tables on phones: each row becomes a card, each cell labelled with its column's heading (data-label).
   A table whose cells span rows, or marked .keep-table, stays a table inside its scroll container. */
(function () {
  "use strict";

  function headings(table) {
    var row = table.tHead && table.tHead.rows.length === 1 ? table.tHead.rows[0] : null;
    if (!row) return null;
    var labels = [];
    Array.from(row.cells).forEach(function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) labels.push(cell.textContent.trim());
    });
    return labels;
  }

  function stack(table) {
    if (table.classList.contains("keep-table") || table.querySelector("[rowspan]:not([rowspan='1'])")) return;
    var labels = headings(table);
    if (!labels) return;
    Array.from(table.tBodies).forEach(function (body) {
      Array.from(body.rows).forEach(function (row) {
        var column = 0;
        Array.from(row.cells).forEach(function (cell) {
          if (!cell.hasAttribute("data-label") && labels[column] && (cell.colSpan || 1) === 1) {
            cell.setAttribute("data-label", labels[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stack");
  }

  function stackAll(root) {
    (root || document).querySelectorAll("main table").forEach(stack);
  }

  document.addEventListener("DOMContentLoaded", function () { stackAll(document); });
  // Tables that htmx swaps in later are stacked too.
  document.addEventListener("htmx:afterSettle", function (event) { stackAll(event.target); });
})();
