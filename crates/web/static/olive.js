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
