// Site-wide behaviour, kept out of the HTML so that the Content-Security-Policy can forbid inline scripts
// and inline event handlers (settings.CONTENT_SECURITY_POLICY).
(function () {
  "use strict";
  // htmx would add a <style> element for its request indicators, which the policy refuses: the same rules are
  // in tidu.css instead.
  if (window.htmx) {
    window.htmx.config.includeIndicatorStyles = false;
  }
  // <select data-autosubmit> (the language switch) submits its form when changed.
  document.addEventListener("change", function (event) {
    var element = event.target;
    if (element.matches && element.matches("select[data-autosubmit]") && element.form) {
      element.form.submit();
    }
  });
})();
