/* Never lose a keystroke on a section page.
   - Every change is kept in this browser (localStorage, keyed by user + application + section) until the
     server has it; after a re-login on the same page the kept values are put back, with a message.
   - When autosave finds the session ended (401, or a 403 page instead of the autosave answer) the page
     stays where it is and offers a login link that returns here; nothing typed is cleared.
   - Leaving the page with edits the server does not have yet asks first. */
(function () {
  "use strict";

  var form, key, dirty = false, typedSinceRequest = false;

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function fields() {
    return Array.from(form.elements).filter(function (el) {
      return el.name && !el.disabled && el.type !== "hidden" && el.type !== "submit" && el.type !== "button"
        && el.type !== "file" && !el.closest("template");
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (!(el.name in values)) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else if (el.multiple) {
        values[el.name] = Array.from(el.selectedOptions).map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function revision() {
    var input = document.getElementById("base-revision");
    return input ? input.value : "";
  }

  /* Returns whether this browser now holds the values (false: storage refused or full). */
  function keep() {
    var store = storage();
    if (!store) return false;
    try {
      store.setItem(key, JSON.stringify({ revision: revision(), values: snapshot(), at: Date.now() }));
      return true;
    } catch (e) { return false; /* storage full or refused: the server copy is all there is */ }
  }

  function forget() {
    var store = storage();
    if (store) store.removeItem(key);
  }

  function addRowsFor(name) {
    var match = /^(.+)-(\d+)-/.exec(name);
    if (!match) return;
    var container = form.querySelector('[data-rows="' + match[1] + '"]');
    var add = container && container.querySelector("[data-add-row]");
    for (var guard = 0; add && guard < 50 && !form.querySelector('[name="' + CSS.escape(name) + '"]'); guard++) add.click();
  }

  function put(values) {
    var changed = false;
    Object.keys(values).forEach(function (name) {
      if (!form.querySelector('[name="' + CSS.escape(name) + '"]')) addRowsFor(name);
      var value = values[name];
      form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          var on = Array.isArray(value) && value.indexOf(el.value) !== -1;
          if (el.checked !== on) { el.checked = on; changed = true; }
        } else if (el.multiple) {
          Array.from(el.options).forEach(function (o) {
            var on = Array.isArray(value) && value.indexOf(o.value) !== -1;
            if (o.selected !== on) { o.selected = on; changed = true; }
          });
        } else if (typeof value === "string" && el.value !== value) {
          el.value = value;
          changed = true;
        }
      });
    });
    return changed;
  }

  function say(html, kind) {
    var box = document.getElementById("draft-notice");
    if (!box) return;
    box.className = "banner banner-" + kind;
    box.innerHTML = html;
    box.hidden = false;
  }

  function restore() {
    var store = storage();
    var kept = store && store.getItem(key);
    if (!kept) return;
    try { kept = JSON.parse(kept); } catch (e) { forget(); return; }
    if (!kept || !kept.values) { forget(); return; }
    if (String(kept.revision) !== revision()) {
      // Saved again elsewhere since: the newer saved content wins; what was kept here would overwrite it.
      forget();
      return;
    }
    if (!put(kept.values)) { forget(); return; }
    say(escapeText(form.dataset.msgRestored), "info");
    dirty = true;
    form.dispatchEvent(new Event("change", { bubbles: true }));  // autosave what was put back
  }

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text || "";
    return div.innerHTML;
  }

  function sessionEnded() {
    // Said once. A later refused autosave (leaving the field fires one as the link is pressed) must not rebuild
    // the notice: a link replaced between the press and the release gets no click, and the login never opens.
    if (form.dataset.sessionEnded) return;
    form.dataset.sessionEnded = "1";
    var status = document.getElementById("autosave-status");
    var html = escapeText(form.dataset.msgSessionEnded) + ' <a href="' + escapeText(form.dataset.loginUrl) + '" data-relogin>'
      + escapeText(form.dataset.msgLogin) + "</a>";
    if (status) status.innerHTML = '<span class="autosave-error" role="alert">' + html + "</span>";
    say(html, "warning");
    // When the values are in this browser the login returns here to put them back: following the link loses
    // nothing, so it does not ask "leave this page?". Without storage it still asks.
    document.querySelectorAll("a[data-relogin]").forEach(function (link) {
      link.addEventListener("click", function () { if (keep()) dirty = false; });
    });
  }

  function looksLikeWholePage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    return type.indexOf("text/html") !== -1 && /<html[\s>]/i.test(xhr.responseText || "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    form = document.getElementById("section-form");
    if (!form || !form.dataset.draftKey) return;
    key = form.dataset.draftKey;
    restore();
    form.addEventListener("input", function () { dirty = true; typedSinceRequest = true; keep(); });
    form.addEventListener("change", function () { dirty = true; typedSinceRequest = true; keep(); });
    form.addEventListener("htmx:beforeRequest", function () { typedSinceRequest = false; });
    form.addEventListener("htmx:beforeOnLoad", function (event) {
      var xhr = event.detail.xhr;
      if (xhr.status === 401 || (xhr.status === 403 && looksLikeWholePage(xhr))) {
        event.preventDefault();  // no jump to the login page: the values stay on screen and in this browser
        keep();
        sessionEnded();
      }
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.xhr.status === 200) delete form.dataset.sessionEnded;  // saving again: say it if it ends again
      if (event.detail.xhr.status === 200 && !typedSinceRequest) {
        dirty = false;
        forget();
      }
    });
    form.addEventListener("submit", function () {
      keep();  // kept until the page that follows shows the same values
      dirty = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  });
})();
