/* Small helpers for the application wizard (no framework; every page works without it). */
(function () {
  "use strict";

  function countChars(textarea) {
    var box = document.querySelector('[data-count-for="' + textarea.id + '"]');
    if (!box) return;
    var n = Array.from(textarea.value.trim()).length;
    box.querySelector(".n").textContent = n;
    box.classList.toggle("over", n > Number(textarea.dataset.maxlength));
  }

  function renumber(container) {
    var name = container.dataset.rows;
    var pattern = new RegExp("^(id_|msg-|gist-)?" + name + "-(\\d+|__prefix__)-");
    container.querySelectorAll("[data-rows-body] > [data-row]").forEach(function (row, index) {
      row.querySelectorAll("[name],[id],[for],[aria-describedby],[data-count-for],[data-gist-target]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby", "data-count-for", "data-gist-target"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && pattern.test(value)) {
            el.setAttribute(attr, value.replace(pattern, function (m, prefix) { return (prefix || "") + name + "-" + index + "-"; }));
          }
        });
      });
      var number = row.querySelector("[data-row-number]");
      if (number) number.textContent = index + 1;
    });
  }

  function changed(el) {
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setupRows(container) {
    var body = container.querySelector("[data-rows-body]");
    var template = container.querySelector("template[data-row-template]");
    if (!body || !template) return;
    var stored = body.querySelectorAll("[data-row]:not([data-blank])").length;
    var blanks = body.querySelectorAll("[data-row][data-blank]");
    blanks.forEach(function (row, i) { if (stored > 0 || i > 0) row.remove(); });
    container.querySelectorAll("[data-add-row],[data-remove-row]").forEach(function (b) { b.hidden = false; });
    renumber(container);
    container.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      var remove = event.target.closest("[data-remove-row]");
      if (add) {
        var fragment = template.content.cloneNode(true);
        fragment.querySelectorAll("[data-remove-row]").forEach(function (b) { b.hidden = false; });
        body.appendChild(fragment);
        renumber(container);
        var rows = body.querySelectorAll("[data-row]");
        var first = rows[rows.length - 1].querySelector("input,select,textarea");
        if (first) first.focus();
      } else if (remove) {
        var row = remove.closest("[data-row]");
        var hadContent = Array.from(row.querySelectorAll("input,select,textarea")).some(function (el) {
          return (el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "";
        });
        row.remove();
        renumber(container);
        if (hadContent) changed(body);
      }
    });
  }

  function setupGates(form) {
    form.addEventListener("change", function (event) {
      var el = event.target;
      if (el.dataset && el.dataset.yesno) {
        document.querySelectorAll('[data-gate-target="' + el.dataset.yesno + '"]').forEach(function (target) {
          target.hidden = el.value !== "yes";
        });
      }
      if (el.dataset && el.dataset.gistTarget) {
        var gist = document.getElementById(el.dataset.gistTarget);
        var option = el.selectedOptions && el.selectedOptions[0];
        if (gist) gist.textContent = option && option.dataset.gist ? option.dataset.gist : "";
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target.dataset && event.target.dataset.maxlength) countChars(event.target);
    });
  }

  /* A full save waits for an autosave in flight, so that both carry the same base revision. */
  function setupSave(form) {
    var busy = false, pending = null;
    function flush() {
      busy = false;
      if (pending) { var submitter = pending; pending = null; form.requestSubmit(submitter); }
    }
    form.addEventListener("htmx:beforeRequest", function () { busy = true; });
    form.addEventListener("htmx:afterSettle", flush);
    form.addEventListener("htmx:afterRequest", function (event) { if (!event.detail.successful) flush(); });
    form.addEventListener("submit", function (event) {
      if (busy) { event.preventDefault(); pending = event.submitter || form.querySelector("button[type=submit]"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-maxlength]").forEach(countChars);
    document.querySelectorAll("[data-rows]").forEach(setupRows);
    var form = document.getElementById("section-form");
    if (form) { setupGates(form); setupSave(form); }
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (event) { if (!window.confirm(f.dataset.confirm)) event.preventDefault(); });
    });
    document.querySelectorAll("button[data-once]").forEach(function (b) {
      b.form.addEventListener("submit", function () { setTimeout(function () { b.disabled = true; }, 0); });
    });
    document.querySelectorAll("button[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
