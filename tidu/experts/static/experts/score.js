// Live total on the scoring page: sums the score boxes as the expert types and flags boxes the server
// would refuse (not a number, negative, above the maximum, more than one decimal, off the criterion's scale). The server recomputes
// the total on every save; this is only a convenience.
(function () {
  "use strict";

  function normalise(text) {
    return text.trim()
      .replace(/[\uFF10-\uFF19]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xFF10 + 48); })
      .replace(/[\uFF0E\u3002]/g, ".").replace(/\s+/g, "");
  }

  function check(input) {
    var raw = input.value, text = normalise(raw), max = parseFloat(input.dataset.max);
    if (!text) { return { value: null, error: "" }; }
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) { return { value: null, error: "“" + raw.trim() + "”不是数字" }; }
    var value = parseFloat(text);
    if (value < 0) { return { value: null, error: "不能为负数" }; }
    if (value > max) { return { value: null, error: "不能超过该项满分 " + input.dataset.maxLabel + " 分" }; }
    if (Math.abs(Math.round(value * 10) - value * 10) > 1e-9) {
      return { value: null, error: "最多保留一位小数" };
    }
    // The criterion's scale (allowed values, or a step), as the server enforces it.
    if (input.dataset.allowed) {
      var allowed = input.dataset.allowed.split(",").map(parseFloat);
      if (allowed.every(function (a) { return Math.abs(a - value) > 1e-9; })) {
        return { value: null, error: "本项按档给分，只能填 " + input.dataset.scaleLabel + " 分" };
      }
    } else if (input.dataset.step) {
      var steps = value / parseFloat(input.dataset.step);
      if (Math.abs(Math.round(steps) - steps) > 1e-9) {
        return { value: null, error: "本项按档给分，只能填 " + input.dataset.scaleLabel + " 分" };
      }
    }
    return { value: value, error: "" };
  }

  function format(n) {
    var s = (Math.round(n * 10) / 10).toFixed(1);
    return s.replace(/\.0$/, "");
  }

  function update(form) {
    var inputs = form.querySelectorAll("input.score-input");
    var total = 0, filled = 0, invalid = 0;
    inputs.forEach(function (input) {
      var result = check(input), msg = document.getElementById(input.getAttribute("aria-describedby"));
      if (result.value !== null) { total += result.value; filled += 1; }
      if (result.error) { invalid += 1; }
      if (msg && msg.dataset.live !== "off") { msg.textContent = result.error; }
      if (result.error) { input.setAttribute("aria-invalid", "true"); }
      else if (!input.dataset.serverError) { input.removeAttribute("aria-invalid"); }
    });
    var out = document.getElementById("live-total");
    if (out) { out.textContent = format(total); }
    var state = document.getElementById("live-state");
    if (state) {
      var parts = ["已填 " + filled + "/" + inputs.length + " 项"];
      if (invalid) { parts.push(invalid + " 项有误（不计入合计）"); }
      state.textContent = parts.join("，");
      state.className = invalid ? "warn" : "muted small";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("score-form");
    if (!form) { return; }
    form.addEventListener("input", function (event) {
      if (event.target.classList.contains("score-input")) {
        delete event.target.dataset.serverError;
        var msg = document.getElementById(event.target.getAttribute("aria-describedby"));
        if (msg) { msg.dataset.live = "on"; }
        update(form);
      }
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.value === "submit" && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
    update(form);
  });
}());
