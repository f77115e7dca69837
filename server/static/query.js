/* The query UI: YASGUI against this server's own endpoint, with the example gallery. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("query-data").textContent);
  var endpoint = new URL(data.endpoint, window.location.href).toString();
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: "ccdkg-yasgui",
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });

  function open(name, query, run) {
    var tab = yasgui.addTab(true, { name: name });
    tab.setEndpoint(endpoint);
    tab.setQuery(query);
    if (run) { tab.query(); }
    return tab;
  }

  var byId = {};
  data.gallery.forEach(function (g) { byId[g.id] = g; });
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var g = byId[button.getAttribute("data-example")];
      open(g.title, g.query, true);
    });
  });
  if (data.initial) {
    open("query", data.initial, true);
  } else {
    // an endpoint left over in a persisted tab (another server) would make the examples fail
    yasgui.getTab().setEndpoint(endpoint);
  }
  window.ccdkgYasgui = yasgui;
})();
