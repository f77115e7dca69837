/* Remember the reader's language, and make the Table 1 picture answer hovering. */
(function () {
  "use strict";
  var KEY = "ccdkg-lang";
  var current = document.body.getAttribute("data-lang");
  document.querySelectorAll("a.lang-switch").forEach(function (a) {
    a.addEventListener("click", function () {
      try { localStorage.setItem(KEY, a.getAttribute("data-lang")); } catch (e) { /* storage off */ }
    });
  });
  // The cookie is what the server reads; if it was cleared, the stored choice restores it.
  try {
    var stored = localStorage.getItem(KEY);
    var hasCookie = document.cookie.split("; ").some(function (c) { return c.indexOf(KEY + "=") === 0; });
    var asked = new URLSearchParams(window.location.search).has("lang");
    if (stored && !hasCookie && !asked && stored !== current) {
      document.cookie = KEY + "=" + encodeURIComponent(stored) + "; path=/; max-age=31536000; samesite=lax";
      window.location.reload();
    }
  } catch (e) { /* storage off */ }

  function highlight(svg, attr, iri, on) {
    svg.querySelectorAll(".edge").forEach(function (edge) {
      if (edge.getAttribute(attr) === iri) { edge.classList.toggle("hl", on); }
    });
  }
  document.querySelectorAll("svg.table1").forEach(function (svg) {
    svg.querySelectorAll("a.function, a.cluster").forEach(function (node) {
      var attr = node.classList.contains("function") ? "data-function" : "data-cluster";
      var iri = node.getAttribute("data-iri");
      node.addEventListener("mouseenter", function () { highlight(svg, attr, iri, true); });
      node.addEventListener("mouseleave", function () { highlight(svg, attr, iri, false); });
      node.addEventListener("focus", function () { highlight(svg, attr, iri, true); });
      node.addEventListener("blur", function () { highlight(svg, attr, iri, false); });
    });
  });
})();
