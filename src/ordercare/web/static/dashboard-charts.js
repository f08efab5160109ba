/* The service dashboard's charts, drawn with the vendored uPlot from the JSON of their <figure> (the
   Content-Security-Policy allows no inline script; web/dashboard_charts.py shapes the data):
   - figure[data-trend-chart]: {title, unit: "rate"|"days", x: [epoch seconds], labels, series: [{label, values}]}
   - figure[data-zone-chart]: {points: [{customer, x, y, zone}], thresholds: {x, y}, zones: [{zone, name}], …}
   - figure[data-curve-chart]: {x: [inventory investment], y: [fill rate], targets: [target fill rate]}
   Each drawn figure gets data-drawn="true" and data-points (the values uPlot holds that are not null), so a
   reader or a test can tell what was drawn. The table beside each chart holds the same numbers. */
(function () {
  "use strict";
  var COLOURS = ["#1f5fbf", "#1e7a3c", "#d9822b", "#7b3fa0", "#c0392b", "#13294b", "#c9a227", "#5a8f9e", "#888"];
  var ZONE_COLOURS = {protect: "#1e7a3c", build: "#1f5fbf", cost_engineer: "#d9822b", danger_zone: "#c0392b"};

  function percent(v) { return v == null ? "n/a" : (v * 100).toFixed(1) + " %"; }
  function days(v) { return v == null ? "n/a" : Number(v).toFixed(2); }
  function tickPercent(v) { return v == null ? "" : Math.round(v * 1000) / 10 + " %"; }
  function money(v) {
    return v == null ? "" : Number(v).toLocaleString("en", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  function width(figure) { return Math.max(280, Math.min(figure.clientWidth - 16, 720)); }

  function mark(figure, u) {
    var n = 0;
    for (var s = 1; s < u.data.length; s++) {
      u.data[s].forEach(function (v) { if (v != null) { n++; } });
    }
    figure.setAttribute("data-points", String(n));
    figure.setAttribute("data-drawn", "true");
  }

  function trend(figure) {
    var spec = JSON.parse(figure.getAttribute("data-trend-chart"));
    var fmt = spec.unit === "rate" ? percent : days, tick = spec.unit === "rate" ? tickPercent : days;
    var series = [{label: "Period", value: function (u, v, s, i) { return i == null ? "" : spec.labels[i]; }}];
    spec.series.forEach(function (s, k) {
      series.push({label: s.label, stroke: COLOURS[k % COLOURS.length], width: 2, spanGaps: false,
                   points: {show: true, size: 6}, value: function (u, v) { return fmt(v); }});
    });
    var opts = {
      width: width(figure), height: 220,
      scales: {x: {time: true},
               y: spec.unit === "rate" ? {range: [0, 1]}
                                       : {range: function (u, min, max) { return [0, max > 0 ? max * 1.15 : 1]; }}},
      axes: [{}, {size: 60, values: function (u, ticks) { return ticks.map(tick); }}],
      series: series,
      cursor: {drag: {x: false, y: false}}
    };
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    mark(figure, new uPlot(opts, data, figure));
  }

  /* Text and lines laid over the plot (zone names, thresholds) as elements, placed where uPlot puts values. */
  function overlay(u, cls, text, left, top) {
    var el = document.createElement("div");
    el.className = cls;
    if (text) { el.textContent = text; }
    el.style.left = left + "px";
    el.style.top = top + "px";
    u.over.appendChild(el);
    return el;
  }

  function zones(figure) {
    var spec = JSON.parse(figure.getAttribute("data-zone-chart"));
    // uPlot's x values ascend: the customers sorted by net sales value, one series per zone (null elsewhere).
    var pts = spec.points.filter(function (p) { return p.x != null && p.y != null; })
                         .sort(function (a, b) { return a.x - b.x; });
    var xs = pts.map(function (p) { return p.x; });
    var names = {};
    spec.zones.forEach(function (z) { names[z.zone] = z.name; });
    var series = [{label: spec.x_label, value: function (u, v) { return money(v); }}];
    var data = [xs];
    spec.zones.forEach(function (z) {
      series.push({label: z.name, stroke: ZONE_COLOURS[z.zone], width: 0, paths: function () { return null; },
                   points: {show: true, size: 9, fill: ZONE_COLOURS[z.zone]},
                   value: function (u, v) { return money(v); }});
      data.push(pts.map(function (p) { return p.zone === z.zone ? p.y : null; }));
    });
    var th = spec.thresholds;
    function around(values, t) {
      var all = values.concat(t == null ? [] : [t]);
      var max = all.length ? Math.max.apply(null, all) : 1;
      return [0, max > 0 ? max * 1.15 : 1];
    }
    var opts = {
      width: width(figure), height: 320,
      scales: {x: {time: false, range: function () { return around(xs, th.x); }},
               y: {range: function () { return around(pts.map(function (p) { return p.y; }), th.y); }}},
      axes: [{label: spec.x_label, values: function (u, t) { return t.map(money); }},
             {label: spec.y_label, size: 80, values: function (u, t) { return t.map(money); }}],
      series: series,
      cursor: {drag: {x: false, y: false}},
      hooks: {draw: [function (u) {
        u.over.querySelectorAll(".zone-label, .threshold").forEach(function (el) { el.remove(); });
        if (th.x == null || th.y == null) { return; }
        var w = u.over.clientWidth, h = u.over.clientHeight;
        var tx = u.valToPos(th.x, "x"), ty = u.valToPos(th.y, "y");
        overlay(u, "threshold threshold-x", "", tx, 0).style.height = h + "px";
        overlay(u, "threshold threshold-y", "", 0, ty).style.width = w + "px";
        // High value right of the line, high cost above it.
        overlay(u, "zone-label zone-danger_zone", names.danger_zone, 6, 4);
        overlay(u, "zone-label zone-cost_engineer", names.cost_engineer, w - 6, 4).classList.add("right");
        overlay(u, "zone-label zone-build", names.build, 6, h - 22);
        overlay(u, "zone-label zone-protect", names.protect, w - 6, h - 22).classList.add("right");
      }]}
    };
    mark(figure, new uPlot(opts, data, figure));
  }

  function curve(figure) {
    var spec = JSON.parse(figure.getAttribute("data-curve-chart"));
    var opts = {
      width: width(figure), height: 260,
      scales: {x: {time: false}, y: {range: function (u, min, max) { return [Math.max(0, Math.min(min, 0.8)), 1]; }}},
      axes: [{label: "Inventory investment", values: function (u, t) { return t.map(money); }},
             {label: "Fill rate", size: 70, values: function (u, t) { return t.map(tickPercent); }}],
      series: [{label: "Inventory investment", value: function (u, v) { return money(v); }},
               {label: "Fill rate across the range", stroke: "#1f5fbf", width: 2, points: {show: true, size: 6},
                value: function (u, v) { return percent(v); }}],
      cursor: {drag: {x: false, y: false}}
    };
    mark(figure, new uPlot(opts, [spec.x, spec.y], figure));
  }

  var KINDS = [["data-trend-chart", trend], ["data-zone-chart", zones], ["data-curve-chart", curve]];

  function drawIn(root) {
    KINDS.forEach(function (kind) {
      root.querySelectorAll("figure[" + kind[0] + "]:not([data-drawn])").forEach(function (f) { kind[1](f); });
    });
  }

  function start() {
    drawIn(document);
    // The curve arrives later, by htmx.
    document.body.addEventListener("htmx:afterSettle", function (e) { drawIn(e.target); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
