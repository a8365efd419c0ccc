/* Warn before the session ends (its length is the server's session age, body[data-session-age], counted from
   this page's load, which is when the server last saw the user), and say so once it has ended. */
(function () {
  "use strict";
  var WARN_BEFORE = 5 * 60;  // seconds

  function banner(text, kind, link) {
    var box = document.getElementById("session-notice");
    if (!box) {
      box = document.createElement("div");
      box.id = "session-notice";
      box.setAttribute("role", "alert");
      var main = document.querySelector("main");
      main.insertBefore(box, main.firstChild);
    }
    box.className = "banner banner-" + kind;
    box.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.label;
      box.appendChild(a);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var age = Number(body.dataset.sessionAge);
    if (!age || age <= 0 || age > 7 * 24 * 3600) return;
    var warnAt = Math.max(age - WARN_BEFORE, age * 0.8);
    setTimeout(function () { banner(body.dataset.sessionWarning, "warning"); }, warnAt * 1000);
    setTimeout(function () {
      banner(body.dataset.sessionEnded, "error", { href: body.dataset.loginUrl, label: body.dataset.loginLabel });
    }, age * 1000);
  });
})();
