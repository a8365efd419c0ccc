/* Forms with unsaved edits (form[data-unsaved-warning]): leaving the page asks first; a form that acts on the
   saved version (form[data-requires-saved="<id of the edited form>"], e.g. 签发推荐名单) asks before it goes,
   with its data-unsaved-message. The section pages have their own guard (applications/drafts.js). */
(function () {
  "use strict";
  var dirty = new Set(), leaving = false;

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
      var mark = function () { dirty.add(form.id || form); };
      form.addEventListener("input", mark);
      form.addEventListener("change", mark);
      form.addEventListener("submit", function () { leaving = true; });
    });
    document.querySelectorAll("form[data-requires-saved]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (dirty.has(form.dataset.requiresSaved) && !window.confirm(form.dataset.unsavedMessage || "")) {
          event.preventDefault();
          return;
        }
        leaving = true;
      });
    });
    // Logging out on purpose forgets the unsaved section values this browser kept (applications/drafts.js):
    // a shared computer keeps nobody's text. A page still open elsewhere keeps its own again on its next change.
    document.querySelectorAll("form.logout-form").forEach(function (form) {
      form.addEventListener("submit", function () {
        try {
          Object.keys(window.localStorage).forEach(function (key) {
            if (key.indexOf("tidu:draft:") === 0) window.localStorage.removeItem(key);
          });
        } catch (e) { /* no storage: nothing kept */ }
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if (leaving || dirty.size === 0) return;
      event.preventDefault();
      event.returnValue = "";
    });
  });
})();
