/* The candidate's editor, enhanced step by step: the page works as plain textareas in one form, collapsible
 * files and small forms for the file tree. With JavaScript: each textarea becomes a CodeMirror 5 editor (when the
 * vendor files are there), the files become tabs opened from the tree, the draft is saved in the background a few
 * seconds after the candidate stops typing (and before a tree form reloads the page), and Ctrl/Cmd+Enter saves
 * and runs the checks. No inline handlers. */
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
  var editors = {};  // CodeMirror instances by file path

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
    cm.getInputField().setAttribute("aria-describedby", "editor-hint");
    return cm;
  }

  var areas = form.querySelectorAll("textarea.code[data-path]");
  Array.prototype.forEach.call(areas, function (textarea) {
    var entry = { path: textarea.getAttribute("data-path"), dirty: false };
    entry.get = function () { return textarea.value; };
    entries.push(entry);
    var pane = textarea.closest ? textarea.closest(".editor-pane") : null;
    if (window.CodeMirror) {
      var cm = enhance(textarea, entry);
      if (pane) { editors[pane.getAttribute("data-path")] = cm; }
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

  /* ---- Tabs: the open files above one editor pane; the tree opens a file in a tab. */
  var panes = Array.prototype.slice.call(form.querySelectorAll(".editor-pane"));
  var treeLinks = Array.prototype.slice.call(document.querySelectorAll(".file-tree a[data-path]"));
  var tabList = null;
  var openTabs = [];  // paths: pane numbers change when a file is added, renamed or deleted
  var active = null;
  var storeKey = "caseportal.tabs:" + url;

  function pane(path) {
    return panes.filter(function (p) { return p.getAttribute("data-path") === path; })[0] || null;
  }

  function remember() {
    try { window.sessionStorage.setItem(storeKey, JSON.stringify({ open: openTabs, active: active })); }
    catch (e) { /* private mode: tabs are simply not remembered */ }
  }

  function drawTabs() {
    while (tabList.firstChild) { tabList.removeChild(tabList.firstChild); }
    openTabs.forEach(function (path) {
      var item = document.createElement("li");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "tab";
      tab.textContent = path;
      tab.setAttribute("data-path", path);
      if (path === active) { tab.setAttribute("aria-current", "true"); }
      tab.addEventListener("click", function () { activate(path, false); });
      item.appendChild(tab);
      if (openTabs.length > 1) {
        var close = document.createElement("button");
        close.type = "button";
        close.className = "tab-close";
        close.setAttribute("aria-label", (form.getAttribute("data-t-close") || "").replace("{path}", path));
        close.textContent = "×";
        close.addEventListener("click", function () { closeTab(path); });
        item.appendChild(close);
      }
      tabList.appendChild(item);
    });
  }

  function focusEditor(path) {
    if (editors[path]) { editors[path].focus(); return; }
    var area = pane(path).querySelector("textarea");
    if (area) { area.focus(); }
  }

  function activate(path, focus) {
    if (!pane(path)) { return; }
    if (openTabs.indexOf(path) < 0) { openTabs.push(path); }
    active = path;
    panes.forEach(function (p) {
      var mine = p.getAttribute("data-path") === path;
      p.hidden = !mine;
      var details = p.querySelector("details");
      if (details) { details.open = true; }
    });
    treeLinks.forEach(function (a) {
      if (a.getAttribute("data-path") === path) { a.setAttribute("aria-current", "true"); }
      else { a.removeAttribute("aria-current"); }
    });
    drawTabs();
    if (editors[path]) { editors[path].refresh(); }
    remember();
    if (focus) { focusEditor(path); }
  }

  function closeTab(path) {
    var i = openTabs.indexOf(path);
    if (i < 0 || openTabs.length < 2) { return; }
    openTabs.splice(i, 1);
    if (active === path) { activate(openTabs[Math.min(i, openTabs.length - 1)], false); } else { drawTabs(); remember(); }
    var current = tabList.querySelector('button[aria-current="true"]');
    if (current) { current.focus(); }  // focus never falls back to the top of the page
  }

  if (panes.length) {
    tabList = document.createElement("ul");
    tabList.className = "tabs";
    tabList.setAttribute("aria-label", form.getAttribute("data-t-tabs") || "");
    panes[0].parentNode.insertBefore(tabList, panes[0]);
    form.classList.add("tabbed");
    var first = panes.filter(function (p) { var d = p.querySelector("details"); return d && d.open; })[0] || panes[0];
    var start = first.getAttribute("data-path");
    var stored = null;
    try { stored = JSON.parse(window.sessionStorage.getItem(storeKey) || "null"); } catch (e) { stored = null; }
    if (stored && Array.isArray(stored.open)) {
      openTabs = stored.open.filter(function (path) { return typeof path === "string" && pane(path); });
      // a file named by the last change (?open=) wins over the remembered tab
      if (!/[?&]open=/.test(window.location.search) && pane(stored.active)) { start = stored.active; }
    }
    activate(start, false);
    treeLinks.forEach(function (a) {
      a.addEventListener("click", function (event) {
        event.preventDefault();
        activate(a.getAttribute("data-path"), true);
      });
    });
  }

  /* ---- Ctrl/Cmd+Enter: save and run the checks, from anywhere on the page. */
  var runButton = document.getElementById("run-button");
  var submitting = false;
  if (runButton) {
    runButton.setAttribute("aria-keyshortcuts", "Control+Enter Meta+Enter");
    runButton.setAttribute("aria-describedby", "run-shortcut");
    Array.prototype.forEach.call(document.querySelectorAll("#run-shortcut, #editor-hint .shortcut"), function (n) {
      n.hidden = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) { return; }
      event.preventDefault();
      event.stopPropagation();  // capture phase: the code editor never sees it as a new line
      if (submitting) { return; }
      submitting = true;
      if (form.requestSubmit) { form.requestSubmit(runButton); } else { runButton.click(); }
    }, true);
  }

  /* ---- The tree's forms reload the page: what was typed is saved first. */
  function flush(done) {
    if (timer) { clearTimeout(timer); timer = null; }
    var tried = false;
    (function wait() {
      if (inFlight) { setTimeout(wait, 100); return; }
      if (anyDirty() && !tried) { tried = true; save(); setTimeout(wait, 100); return; }
      done(!anyDirty());
    })();
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.tree-op"), function (treeForm) {
    treeForm.addEventListener("submit", function (event) {
      if (!anyDirty() && !inFlight) { leaving = true; return; }
      event.preventDefault();
      flush(function (saved) {
        if (saved) { leaving = true; treeForm.submit(); }  // submit() fires no second submit event
      });
    });
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
