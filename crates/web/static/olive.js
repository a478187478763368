// Olive's only script (no inline scripts: the pages run under a strict CSP).
(function () {
  "use strict";
  // "Use suggestion": replace the flagged excerpt in the text box with the suggested wording
  // (already fitted to its sentence by the server: capital or not, the text's own punctuation).
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-use-suggestion]");
    if (!b) return;
    e.preventDefault();
    var box = document.getElementById(b.getAttribute("data-target"));
    if (!box) return;
    var excerpt = b.getAttribute("data-excerpt"), suggestion = b.getAttribute("data-suggestion");
    var i = box.value.indexOf(excerpt);
    box.value = i >= 0 ? box.value.slice(0, i) + suggestion + box.value.slice(i + excerpt.length) : suggestion;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  });
  // Front-desk log screen: show the defects of the chosen stage.
  function showStage() {
    var c = document.querySelector("input[name=stage]:checked");
    document.querySelectorAll(".defects").forEach(function (p) {
      p.classList.toggle("show", !!c && p.getAttribute("data-stage") === c.value);
    });
  }
  document.addEventListener("DOMContentLoaded", showStage);
  document.addEventListener("change", function (e) {
    var r = e.target;
    if (r.name === "stage") showStage();
    // Picking a defect offers its first steps as "already done on the spot".
    if (r.name === "defect" && window.htmx) {
      var d = document.getElementById("done-steps");
      if (d) window.htmx.trigger(d, "defect-picked");
    }
    // Picking a search result also selects its stage.
    if (r.name === "defect" && r.closest("#search-results") && r.dataset.stage) {
      var s = document.getElementById("stage-" + r.dataset.stage);
      if (s) s.checked = true;
    }
  });
  // Shared front-desk device: back to the switcher after a few idle minutes.
  var idle = parseInt(document.body.getAttribute("data-idle-seconds") || "0", 10);
  if (idle > 0) {
    var t;
    var reset = function () { clearTimeout(t); t = setTimeout(function () { document.getElementById("switch-user-form").submit(); }, idle * 1000); };
    ["click", "keydown", "touchstart", "input"].forEach(function (ev) { document.addEventListener(ev, reset, true); });
    reset();
  }
})();
document.addEventListener("click", function (e) {
  if (e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
});
// The case page and My work act in place and stay current (issue 20). Each part of the page is a
// section (`[data-section]` with an id); an action's answer, and a live update's, carry every section:
// the one acted on is always replaced, the others unless the person is typing in them. The scroll
// position stays where it was, and focus lands inside the section acted on.
(function () {
  "use strict";
  if (window.htmx) {
    // The one place htmx is told which answers to swap, for every page: refusals (403, 409 stale, 422)
    // come with the section or card and its message beside the field, so they are swapped too.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "40[39]|422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true }
    ];
  }
  function live() { return document.querySelector("[data-live]"); }
  // A section the person is working in: a field focused, or something typed or chosen there.
  function editing(sec) {
    // Something the person opened ("Skip…", Edit details) stays as it is until they are done with it.
    if (sec.querySelector("details[open]")) return true;
    var a = document.activeElement;
    if (a && sec.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== "hidden") return true;
    var dirty = false;
    sec.querySelectorAll("input, textarea, select").forEach(function (f) {
      if (dirty || f.type === "hidden") return;
      if (f.tagName === "SELECT") {
        // A list with nothing marked chosen starts on its first option.
        var start = 0;
        Array.prototype.forEach.call(f.options, function (o, i) { if (o.defaultSelected) start = i; });
        if (f.selectedIndex !== start) dirty = true;
      } else if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) dirty = true;
      } else if (f.value !== f.defaultValue) { dirty = true; }
    });
    return dirty;
  }
  function focusIn(sec) {
    var t = sec.querySelector("[role=alert], .field-error") || sec.querySelector("[data-next]") || sec.querySelector("[data-msg]") || sec;
    if (!t.hasAttribute("tabindex") && !/^(BUTTON|A|INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) t.setAttribute("tabindex", "-1");
    t.focus({ preventScroll: true });
  }
  // Put the sections of `html` in place. `primary`: the section acted on (always replaced, focused).
  // `note`: said in a section kept because the person is typing in it (a live update).
  function apply(html, primary, note) {
    var root = live();
    if (!root) return;
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("[data-live]");
    if (!fresh) return;
    var y = window.scrollY, x = window.scrollX;
    var focused = document.activeElement;
    fresh.querySelectorAll("[data-section]").forEach(function (n) {
      var old = document.getElementById(n.id);
      if (!old) return;
      if (n.id !== primary && editing(old)) {
        if (note) {
          var p = old.querySelector(".live-note");
          if (!p) { p = document.createElement("p"); p.className = "live-note small"; p.setAttribute("role", "status"); old.insertBefore(p, old.children[1] || null); }
          p.textContent = "Updated by " + note + " — save or clear what you typed to see it.";
        }
        return;
      }
      // Keep open what the person opened (a "Skip…" box, Edit details), unless acted on.
      if (n.id !== primary) {
        var was = old.querySelectorAll("details");
        n.querySelectorAll("details").forEach(function (d, i) { if (was[i] && was[i].open) d.open = true; });
      }
      var node = document.importNode(n, true);
      old.replaceWith(node);
      if (window.htmx) window.htmx.process(node);
    });
    if (fresh.dataset.version) root.dataset.version = fresh.dataset.version;
    window.scrollTo(x, y);
    var sec = primary && document.getElementById(primary);
    if (sec) focusIn(sec);
    else if (focused && !document.body.contains(focused)) {
      // The focused button went with its section: keep focus where it was, without scrolling.
      var any = document.querySelector("[data-live]");
      if (any) { any.setAttribute("tabindex", "-1"); any.focus({ preventScroll: true }); }
    }
    window.scrollTo(x, y);
  }
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-section")) return;
    var s = e.detail.xhr.status;
    if (s === 200 || s === 403 || s === 409 || s === 422) {
      e.detail.shouldSwap = false;
      apply(e.detail.serverResponse, target.id, null);
    }
  });
  // A gesture chosen: its typical value in the value box (unless the person typed their own).
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches("select[data-typical-for]")) return;
    var box = document.getElementById(sel.getAttribute("data-typical-for"));
    var o = sel.options[sel.selectedIndex];
    if (!box || !o) return;
    var prev = box.getAttribute("data-typical");
    if (box.value === "" || box.value === box.defaultValue || box.value === prev) {
      box.value = o.getAttribute("data-value") || "";
      box.setAttribute("data-typical", box.value);
    }
    var hint = document.getElementById(box.id + "-hint");
    if (hint) hint.textContent = o.getAttribute("data-hint") || "";
  });
  // Live updates: a few dozen bytes every 3.5 s; the sections only when something changed. The poll
  // is not the person's activity: it neither resets the shared device's idle timer (which listens to
  // clicks and keys) nor extends the session (sessions end at their fixed expiry).
  var last = null, busy = false, stopped = false, acted = 0;
  document.addEventListener("htmx:afterRequest", function (e) {
    // The person's own action (a form posted), not the page's own polls.
    var c = e.detail.requestConfig;
    if (c && c.verb === "post" && e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("[data-live]")) acted = Date.now();
  });
  function poll() {
    var root = live();
    if (!root || busy || stopped || document.hidden) return;
    // My work: leave the answer to the person's own action in view a moment before refreshing around it.
    if (!root.dataset.version && Date.now() - acted < 8000) return;
    busy = true;
    fetch(root.getAttribute("data-live"), { credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "manual" })
      .then(function (r) {
        // Signed out (sent to the sign-in page) or no longer allowed: stop asking.
        if (r.type === "opaqueredirect" || r.status === 401 || r.status === 403 || r.status === 404) { stopped = true; throw new Error("stop"); }
        if (!r.ok) throw new Error("poll " + r.status);
        return r.json();
      })
      .then(function (a) {
        // My work has no version on the page: the first answer fetches its sections once (whatever
        // changed between the page being drawn and this answer), then only when the hash changes.
        var key = String(a.h), changed = last === null || key !== last;
        // The case page: its version against the one on the page (its own actions already shown).
        if (a.v !== undefined) { if (String(a.v) === root.dataset.version) { last = key; return null; } }
        else if (!changed) return null;
        return fetch(root.getAttribute("data-page") || window.location.pathname, { credentials: "same-origin", headers: { "HX-Request": "true" }, redirect: "manual" })
          .then(function (r) { if (!r.ok) throw new Error("page " + r.status); return r.text(); })
          .then(function (html) { apply(html, null, a.by || "someone"); last = key; });
      })
      .catch(function () { /* a passing failure: the next poll tries again */ })
      .then(function () { busy = false; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (live()) setInterval(poll, 3500);
  });
})();
// Approvals: after a decision in place, the next request (marked `autofocus` by the server, and swapped in
// out of band, which htmx does not focus) takes the focus, so the manager goes on from there.
document.addEventListener("htmx:afterSettle", function () {
  var next = document.querySelector("article.approval[autofocus]");
  if (!next) return;
  next.removeAttribute("autofocus");
  if (!next.contains(document.activeElement)) next.focus({ preventScroll: true });
});
// A form answered in place (marked `data-answered` by the server): the first field marked wrong takes
// the focus and is brought into view with its message; after a save, the message beside the button
// takes it, so the person reads the answer where they are.
document.addEventListener("htmx:afterSettle", function (e) {
  // Only the answer to a form sent in place: never a page's polling (the live alert, every 4 s).
  var cfg = e.detail && e.detail.requestConfig;
  if (!cfg || String(cfg.verb).toLowerCase() !== "post") return;
  var sec = document.querySelector("[data-answered]");
  if (!sec) return;
  sec.removeAttribute("data-answered");
  var bad = sec.querySelector('[aria-invalid="true"]');
  if (bad) {
    bad.focus({ preventScroll: true });
    bad.scrollIntoView({ block: "center" });
    return;
  }
  var msg = sec.querySelector('[role="alert"], .flash.ok');
  if (msg) {
    if (!msg.hasAttribute("tabindex")) msg.setAttribute("tabindex", "-1");
    msg.focus({ preventScroll: true });
  }
});
