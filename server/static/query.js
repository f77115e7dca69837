/* The query UI: YASGUI against this server's own endpoint, with the example gallery.
 * Results show IRIs by their label in the reader's language, each node with a link to the passage it
 * is drawn from (a table plugin over the vendored YASR); examples load into the open tab. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("query-data").textContent);
  var ui = data.ui || {};
  var endpoint = new URL(data.endpoint, window.location.href).toString();
  var known = { labels: {}, evidence: {} };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var Table = Yasgui.Yasr.plugins.table;
  if (Table) {
    var Labelled = class extends Table {
      getCellContent(binding, prefixes) {
        if (binding.type === "uri" && known.labels[binding.value]) {
          var entry = known.labels[binding.value];
          var ev = known.evidence[binding.value];
          var link = "<a class='iri labelled' href='" + esc(entry[1]) + "' title='" + esc(binding.value) + "'>" + esc(entry[0]) + "</a>";
          // the passage link first: it stays visible when YASR shortens a long label
          var proof = ev ? "<a class='evidence-link' href='" + esc(ev[0]) + "' title='" + esc(ev[1]) + "'>" + esc(ui.evidence || "原文") + "</a> " : "";
          return "<div><span>" + proof + link + "</span></div>";
        }
        return super.getCellContent(binding, prefixes);
      }
    };
    Labelled.defaults = Table.defaults;
    if (ui.table) { Table.defaults.tableConfig.language = Object.assign({}, Table.defaults.tableConfig.language, ui.table); }
    Yasgui.Yasr.registerPlugin("table", Labelled);
  }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: "ccdkg-yasgui",
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasr: { prefixes: {} },
    yasqe: { lineWrapping: true }
  });

  // YASGUI has no translations of its own: put the reader's words on its fixed controls.
  function translate(root) {
    if (!ui.words) { return; }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (text && ui.words[text]) { node.nodeValue = node.nodeValue.replace(text, ui.words[text]); continue; }
      var m = ui.timing && /^(\d+) results? in ([\d.]+) seconds?$/.exec(text);
      if (m) { node.nodeValue = ui.timing.replace("{n}", m[1]).replace("{s}", m[2]); }
    }
    root.querySelectorAll("input[placeholder]").forEach(function (input) {
      var p = input.getAttribute("placeholder");
      if (ui.words[p]) { input.setAttribute("placeholder", ui.words[p]); }
    });
    root.querySelectorAll("[title]").forEach(function (el) {
      var tt = el.getAttribute("title");
      if (ui.words[tt]) { el.setAttribute("title", ui.words[tt]); el.setAttribute("aria-label", ui.words[tt]); }
    });
  }
  // YASGUI's own markup, made accessible: named inputs and selects, a tab list holding only tabs.
  function accessible() {
    var root = document.getElementById("yasgui");
    var name = ui.names || {};
    root.querySelectorAll(".yasqe textarea").forEach(function (t) { t.setAttribute("aria-label", name.editor || "SPARQL query"); });
    root.querySelectorAll("input.autocomplete").forEach(function (t) { t.setAttribute("aria-label", name.endpoint || "SPARQL endpoint"); });
    root.querySelectorAll(".tabsList .tab input[type=text]").forEach(function (t) { t.setAttribute("aria-label", name.tabName || "Tab name"); });
    root.querySelectorAll("select.tableSizer").forEach(function (t) { t.setAttribute("aria-label", name.pageSize || "Page size"); });
    // a scrolling editor must be reachable by keyboard as a region too
    root.querySelectorAll(".CodeMirror-scroll").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1) {
        t.setAttribute("tabindex", "0");
        t.setAttribute("aria-label", name.editor || "SPARQL query");
      }
    });
    root.querySelectorAll(".tabsList").forEach(function (list) {
      var add = list.querySelector(".addTab");
      if (add && add.parentElement.parentElement === list) {
        list.parentElement.insertBefore(add.parentElement, list.nextSibling);
        add.parentElement.classList.add("addTabOutside");
      }
    });
  }

  function watch(tab) {
    var yasr = tab.getYasr && tab.getYasr();
    if (yasr && !yasr.__ccdkg) {
      yasr.__ccdkg = true;
      yasr.on("drawn", function () { translate(yasr.rootEl); accessible(); });
    }
    translate(document.getElementById("yasgui"));
    accessible();
  }
  yasgui.on("tabSelect", function () { setTimeout(function () { watch(yasgui.getTab()); }, 0); });
  yasgui.on("tabAdd", function () { setTimeout(function () { watch(yasgui.getTab()); }, 0); });

  // an example replaces the query in the open tab (tabs do not pile up)
  function open(name, query, run) {
    var tab = yasgui.getTab() || yasgui.addTab(true, { name: name });
    tab.setEndpoint(endpoint);
    if (tab.setName) { tab.setName(name); }
    tab.setQuery(query);
    watch(tab);
    if (run) { tab.query(); }
    return tab;
  }

  var byId = {};
  data.gallery.forEach(function (g) { byId[g.id] = g; });
  var ready = fetch(data.labels, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : known; })
    .then(function (got) { known = got; })
    .catch(function () { /* labels are a nicety: raw IRIs still work */ });

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var g = byId[button.getAttribute("data-example")];
      ready.then(function () { open(g.title, g.query, true); });
    });
  });
  ready.then(function () {
    if (data.initial) {
      open("query", data.initial, true);
    } else {
      // an endpoint left over in a persisted tab (another server) would make the examples fail
      yasgui.getTab().setEndpoint(endpoint);
      watch(yasgui.getTab());
    }
  });
  window.ccdkgYasgui = yasgui;
})();
