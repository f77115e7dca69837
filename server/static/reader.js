/* The reader: a sentence's facts in a side panel (from the <template> the server rendered for it). */
(function () {
  "use strict";
  var panel = document.getElementById("facts-panel");
  if (!panel) { return; }
  var body = panel.querySelector(".facts-body");
  var data = JSON.parse(document.getElementById("reader-data").textContent);
  var selected = null;

  function show(key) {
    var tpl = document.getElementById("facts-" + key);
    var sentence = document.getElementById(key);
    if (!tpl || !sentence) { return false; }
    if (selected) { selected.classList.remove("selected"); }
    selected = sentence;
    sentence.classList.add("selected");
    body.innerHTML = "";
    body.appendChild(tpl.content.cloneNode(true));
    panel.hidden = false;
    return true;
  }

  document.querySelectorAll(".sentence").forEach(function (s) {
    var key = s.getAttribute("data-passage");
    var tpl = document.getElementById("facts-" + key);
    if (!tpl) { return; }
    s.classList.add("has-facts");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "facts-btn";
    button.textContent = tpl.getAttribute("data-count");
    button.setAttribute("aria-label", data.facts_label + ": " + tpl.getAttribute("data-count"));
    button.setAttribute("data-passage", key);
    s.appendChild(button);
    button.addEventListener("click", function (ev) { ev.stopPropagation(); show(key); });
    s.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) { return; }
      show(key);
    });
  });
  panel.querySelector(".facts-close").addEventListener("click", function () {
    panel.hidden = true;
    if (selected) { selected.classList.remove("selected"); selected = null; }
  });
  // "show in the article": the passage in the address is highlighted (:target) and its facts open
  function fromHash() {
    var key = decodeURIComponent(window.location.hash.slice(1));
    if (key) { show(key); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
