/* Live status of the latest check run: polls the run's JSON about once a second and redraws the
 * aria-live region only when something changed (the phase: queued, starting, running, done). The elapsed time
 * ticks every second in a span that screen readers are not interrupted by. Without JavaScript the page has a
 * "Refresh status" link and shows the phase and time of its own moment. Keep in step with _run.html. */
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  if (!url || box.getAttribute("data-finished") === "true") { return; }
  var started = Date.now();
  var lastKey = (box.getAttribute("data-phase") || "") + "/0";  // what the page already shows
  var failures = 0;
  var PHASES = ["queued", "starting", "running", "done"];
  var elapsedBase = parseInt(box.getAttribute("data-elapsed") || "0", 10) || 0;
  var elapsedAt = Date.now();
  var ticker = null;

  function t(key) { return box.getAttribute("data-t-" + key) || ""; }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }
  function hideRefresh() {
    Array.prototype.forEach.call(document.querySelectorAll(".no-js-refresh"), function (n) { n.hidden = true; });
  }
  function showLost() {
    if (ticker) { clearInterval(ticker); ticker = null; }
    box.appendChild(el("p", "error", t("lost")));
    Array.prototype.forEach.call(document.querySelectorAll(".no-js-refresh"), function (n) { n.hidden = false; });
  }

  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) { return t("sec").replace("{s}", s); }
    return t("min").replace("{m}", Math.floor(s / 60)).replace("{s}", s % 60);
  }
  function tick() {
    var span = box.querySelector(".run-elapsed");
    if (span) { span.textContent = duration(elapsedBase + (Date.now() - elapsedAt) / 1000); }
  }

  function phases(current) {
    var here = PHASES.indexOf(current);
    var list = el("ol", "run-phases");
    list.setAttribute("aria-label", t("phases"));
    PHASES.forEach(function (p, i) {
      var item = el("li", "phase-" + p + (i < here ? " past" : i === here ? " current" : ""), t("phase-" + p));
      if (i === here) { item.setAttribute("aria-current", "step"); }
      list.appendChild(item);
    });
    return list;
  }

  function render(run) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (run.kind === "full") { box.appendChild(el("p", "hint", t("full"))); }
    if (run.note) { box.appendChild(el("p", "run-note", run.note)); }  // e.g. a machine stopped, restarting
    box.appendChild(phases(run.phase));
    if (!run.finished) {
      var state = el("p", "run-state", t(run.phase === "queued" ? "queued" : run.phase === "starting" ? "starting"
        : "running") + " ");
      var span = el("span", "run-elapsed", duration(run.elapsed_s));
      span.setAttribute("aria-live", "off");  // ticks every second: not read out each time
      state.appendChild(span);
      box.appendChild(state);
      return;
    }
    box.appendChild(el("p", "run-time", t("took").replace("{time}", duration(run.elapsed_s))));
    var checks = run.checks || [];
    var counted = checks.filter(function (c) { return c.status !== "advisory"; });
    var passed = checks.filter(function (c) { return c.status === "passed"; });
    // As _run.html: a full run (handed in) shows no checks and no "no checks" line, only its explanation.
    if (checks.length) {
      var state = el("p", "run-state");
      state.appendChild(el("strong", null,
        t(counted.length === 1 ? "summary-one" : "summary-other")  // the page's ngettext forms for 1 and many
          .replace("{passed}", passed.length).replace("{total}", counted.length)));
      box.appendChild(state);
    } else if (run.kind !== "full") {
      box.appendChild(el("p", "run-state", t("none")));
    }
    if (run.explanation) { box.appendChild(el("p", "explanation", run.explanation)); }
    if (checks.length) {
      var table = el("table", "checks");
      var head = el("thead");
      var hr = el("tr");
      ["check", "result", "message"].forEach(function (k) {
        var th = el("th", null, t(k));
        th.setAttribute("scope", "col");
        hr.appendChild(th);
      });
      head.appendChild(hr);
      table.appendChild(head);
      var body = el("tbody");
      checks.forEach(function (c) {
        var tr = el("tr");
        var name = el("th");
        name.setAttribute("scope", "row");
        name.appendChild(el("code", null, c.name));
        tr.appendChild(name);
        tr.appendChild(el("td", "status-" + String(c.status || "").replace(/[^a-z]/g, ""), t(c.status) || c.status));
        var msg = el("td");
        if (c.message) { msg.appendChild(el("pre", "message", c.message)); }
        tr.appendChild(msg);
        body.appendChild(tr);
      });
      table.appendChild(body);
      box.appendChild(table);
    }
    if (run.stdout) {
      var details = el("details", "output");
      details.appendChild(el("summary", null, t("output")));
      details.appendChild(el("pre", null, run.stdout));
      box.appendChild(details);
    }
  }

  function next() {
    var elapsed = Date.now() - started;
    if (elapsed > 15 * 60 * 1000) { showLost(); return; }
    setTimeout(poll, elapsed < 90 * 1000 ? 1000 : 3000);
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (run) {
        failures = 0;
        elapsedBase = run.elapsed_s || 0;
        elapsedAt = Date.now();
        var key = run.phase + "/" + (run.finished ? "1" : "0") + (run.note ? "/note" : "");
        if (key !== lastKey) { render(run); lastKey = key; }
        if (run.finished) {
          if (ticker) { clearInterval(ticker); ticker = null; }
          hideRefresh();
        } else { next(); }
      })
      .catch(function () {
        failures += 1;
        if (failures > 5) { showLost(); } else { next(); }
      });
  }

  hideRefresh();
  ticker = setInterval(tick, 1000);
  next();
})();
