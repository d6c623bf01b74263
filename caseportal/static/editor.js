/* The candidate's editor, enhanced step by step: the page works as plain textareas in one form.
 * With JavaScript: each textarea becomes a CodeMirror 5 editor (when the vendor files are there) and the
 * draft is saved in the background a few seconds after the candidate stops typing. No inline handlers. */
(function () {
  "use strict";
  var form = document.getElementById("work-form");
  if (!form || !window.fetch || !window.JSON) { return; }
  var url = form.getAttribute("data-autosave-url");
  var statusEl = document.getElementById("autosave-status");
  var csrfInput = form.querySelector('input[name="csrf_token"]');
  var DELAY_MS = 3000;
  var entries = [];
  var timer = null;
  var inFlight = false;
  var again = false;
  var leaving = false;

  function text(key) { return (statusEl && statusEl.getAttribute("data-t-" + key)) || ""; }
  function say(message) { if (statusEl) { statusEl.textContent = message; } }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) { d = new Date(); }
    var lang = document.documentElement.lang || undefined;
    try {
      return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    }
  }

  function anyDirty() { return entries.some(function (e) { return e.dirty; }); }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY_MS);
  }

  function markDirty(entry) { entry.dirty = true; schedule(); }

  function save() {
    timer = null;
    if (leaving) { return; }
    if (inFlight) { again = true; return; }
    var files = {};
    var notes = {};
    var sent = entries.filter(function (e) { return e.dirty; });
    if (!sent.length) { return; }
    sent.forEach(function (e) {
      if (e.note) { notes[e.note] = e.get(); } else { files[e.path] = e.get(); }
      e.dirty = false;
    });
    inFlight = true;
    say(text("saving"));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfInput ? csrfInput.value : ""
      },
      body: JSON.stringify({ files: files, notes: notes })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, data: data || {} };
      });
    }).then(function (res) {
      if (res.ok) {
        say(text("saved").replace("{time}", clock(res.data.saved_at)));
      } else {
        sent.forEach(function (e) { e.dirty = true; });  // tried again on the next change or Save draft
        say(res.data.error || text("failed"));
      }
    }).catch(function () {
      sent.forEach(function (e) { e.dirty = true; });
      say(text("failed"));
    }).then(function () {
      inFlight = false;
      if (again) { again = false; save(); }
    });
  }

  function modeFor(name) {
    if (name === "python") { return { name: "python", version: 3 }; }
    if (name === "javascript") { return { name: "javascript" }; }
    return name || null;
  }

  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select, ' +
    'textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

  /* Move focus to the next (or previous) control outside the editor, as Tab would without it. */
  function leave(wrapper, backwards) {
    var all = Array.prototype.filter.call(document.querySelectorAll(FOCUSABLE), function (node) {
      return !wrapper.contains(node) && node.getClientRects().length > 0;
    });
    var after = all.filter(function (node) {
      return wrapper.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    var before = all.filter(function (node) {
      return wrapper.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
    });
    var target = backwards ? before[before.length - 1] : after[0];
    if (target) { target.focus(); }
  }

  function enhance(textarea, entry) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var escaped = false;
    var cm = window.CodeMirror.fromTextArea(textarea, {
      mode: modeFor(textarea.getAttribute("data-mode")),
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      matchBrackets: true,
      lineWrapping: true,
      viewportMargin: Infinity,
      screenReaderLabel: label ? label.textContent : entry.path,
      extraKeys: {
        // Tab indents; Esc then Tab leaves the editor, so keyboard users are never trapped.
        "Tab": function (ed) {
          if (escaped) { escaped = false; leave(ed.getWrapperElement(), false); return undefined; }
          if (ed.somethingSelected()) { ed.indentSelection("add"); return undefined; }
          ed.replaceSelection(new Array(ed.getOption("indentUnit") + 1).join(" "), "end", "+input");
          return undefined;
        },
        "Shift-Tab": function (ed) {
          if (escaped) { escaped = false; leave(ed.getWrapperElement(), true); return undefined; }
          ed.indentSelection("subtract");
          return undefined;
        },
        "Esc": function () { escaped = true; }
      }
    });
    cm.on("keydown", function (ed, event) {
      if (event.key !== "Escape" && event.key !== "Tab") { escaped = false; }
    });
    // The editor grows with its file and wraps long lines: no inner scroll area that keyboards can't reach.
    cm.setSize(null, "auto");
    cm.on("change", function () { markDirty(entry); });
    var details = textarea.closest ? textarea.closest("details") : null;
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { cm.refresh(); } });
    }
    entry.get = function () { return cm.getValue(); };
  }

  var areas = form.querySelectorAll("textarea.code[data-path]");
  Array.prototype.forEach.call(areas, function (textarea) {
    var entry = { path: textarea.getAttribute("data-path"), dirty: false };
    entry.get = function () { return textarea.value; };
    entries.push(entry);
    if (window.CodeMirror) {
      enhance(textarea, entry);
    } else {
      textarea.addEventListener("input", function () { markDirty(entry); });
    }
  });
  // The hand-in notes sit outside the form element but belong to it (form="work-form"); they are kept too.
  var noteAreas = document.querySelectorAll('textarea[form="work-form"][name]');
  Array.prototype.forEach.call(noteAreas, function (textarea) {
    var entry = { note: textarea.getAttribute("name"), dirty: false };
    entry.get = function () { return textarea.value; };
    entries.push(entry);
    textarea.addEventListener("input", function () { markDirty(entry); });
  });
  if (!entries.length) { return; }

  form.addEventListener("submit", function () {
    leaving = true;  // the form posts everything itself; no background save may race it
    if (timer) { clearTimeout(timer); timer = null; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!leaving && (anyDirty() || inFlight)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
