/* The map: Natural Earth countries (world-atlas) and the graph's coordinates, drawn with d3-geo. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var clusters = JSON.parse(document.getElementById("map-data").textContent);
  var holder = document.getElementById("world-map");

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function link(parent, href, title) {
    var a = el("a", { href: href }, parent);
    el("title", {}, a).textContent = title;
    return a;
  }

  function draw(box, land, width, height, projection, options) {
    box.innerHTML = "";
    var svg = el("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", "aria-hidden": "true", focusable: "false" }, box);
    var path = d3.geoPath(projection);
    el("path", { d: path({ type: "Sphere" }), class: "sphere" }, svg);
    el("path", { d: path(d3.geoGraticule10()), class: "graticule" }, svg);
    el("path", { d: path(land), class: "land" }, svg);
    options.clusters.forEach(function (c) {
      c.cities.forEach(function (city) {
        var p = projection([city.long, city.lat]);
        if (!p) { return; }
        var a = link(svg, city.href, city.label + " (" + c.label + ")");
        a.setAttribute("tabindex", "-1");
        el("circle", { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: options.r, fill: c.color, class: "city" }, a);
        if (options.cityLabels) {
          var w = textWidth(city.label, 13), r = options.r + 3;
          var box = free(options.placed, [[p[0] + r, p[1] - 8], [p[0] - r - w, p[1] - 8], [p[0] - w / 2, p[1] - r - 15],
                                          [p[0] - w / 2, p[1] + r], [p[0] + r, p[1] + 6], [p[0] - r - w, p[1] + 6]], w, 15);
          var t = el("text", { x: box.x.toFixed(1), y: (box.y + 12).toFixed(1), class: "city-label" }, a);
          t.textContent = city.label;
        }
      });
      if (options.clusterLabels && c.cities.length) {
        var ps = c.cities.map(function (city) { return projection([city.long, city.lat]); }).filter(Boolean);
        placeLabel(svg, c, ps, options.placed);
      }
    });
  }

  function textWidth(text, size) {
    return Array.from(text).reduce(function (n, ch) { return n + (ch.charCodeAt(0) > 0x2e80 ? size : size * 0.58); }, 0);
  }

  // The first of the candidate places whose box no earlier label took (or the first, if all are taken).
  function free(placed, tries, w, h) {
    var box = null;
    for (var i = 0; i < tries.length && !box; i++) {
      var b = { x: tries[i][0], y: tries[i][1], w: w, h: h };
      var clash = placed.some(function (o) { return b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h; });
      if (!clash) { box = b; }
    }
    box = box || { x: tries[0][0], y: tries[0][1], w: w, h: h };
    placed.push(box);
    return box;
  }

  // A cluster's name above, below, left or right of its cities: the first place no other name took.
  function placeLabel(svg, c, ps, placed) {
    var x0 = d3.min(ps, function (p) { return p[0]; }), x1 = d3.max(ps, function (p) { return p[0]; });
    var y0 = d3.min(ps, function (p) { return p[1]; }), y1 = d3.max(ps, function (p) { return p[1]; });
    var w = textWidth(c.label, 12);
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    var box = free(placed, [[cx - w / 2, y0 - 22], [cx - w / 2, y1 + 8], [x0 - w - 8, cy - 7], [x1 + 8, cy - 7],
                            [cx - w / 2, y0 - 40], [cx - w / 2, y1 + 26]], w, 15);
    var t = el("text", { x: box.x.toFixed(1), y: (box.y + 12).toFixed(1), class: "cluster-label", fill: c.color }, svg);
    t.textContent = c.label;
  }

  function around(c, pad) {
    var lats = c.cities.map(function (x) { return x.lat; });
    var longs = c.cities.map(function (x) { return x.long; });
    var s = d3.min(lats) - pad, n = d3.max(lats) + pad, w = d3.min(longs) - pad, e = d3.max(longs) + pad;
    // points, not a polygon: a box wider than 180° would wrap the other way round the sphere
    return { type: "MultiPoint", coordinates: [[w, s], [w, n], [e, n], [e, s], [(w + e) / 2, s], [(w + e) / 2, n]] };
  }

  function render(land) {
    var width = Math.max(320, Math.round(holder.clientWidth || 960));
    var height = Math.round(width * 0.45);
    // the band of the world the clusters are in, with a margin
    var all = { cities: [].concat.apply([], clusters.map(function (c) { return c.cities; })) };
    var world = d3.geoNaturalEarth1().fitExtent([[10, 10], [width - 10, height - 10]], around(all, 14));
    draw(holder, land, width, height, world, { clusters: clusters, r: width < 600 ? 3 : 4.5, clusterLabels: width >= 700, placed: [] });
    document.querySelectorAll(".mini-map").forEach(function (box) {
      var c = clusters[Number(box.getAttribute("data-cluster"))];
      if (!c.cities.length) { return; }
      var w = 320, h = 220;
      var projection = d3.geoMercator().fitExtent([[36, 20], [w - 60, h - 20]], around(c, 1.2));
      draw(box, land, w, h, projection, { clusters: [c], r: 5, cityLabels: true, placed: [] });
    });
  }

  fetch(holder.getAttribute("data-atlas"))
    .then(function (r) { return r.json(); })
    .then(function (topology) {
      var land = topojson.feature(topology, topology.objects.countries);
      render(land);
      var timer = null;
      window.addEventListener("resize", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { render(land); }, 150);
      });
      holder.setAttribute("data-drawn", "true");
    });
})();
