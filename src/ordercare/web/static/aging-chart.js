/* The aging buckets as bars (the receivables and open-items pages), drawn with the vendored uPlot.
   A file of its own because the Content-Security-Policy allows no inline script; the data comes from the
   figure's data-aging-chart attribute: {"title", "labels": [bucket…], "values": [open amount…]}. */
(function () {
  "use strict";
  // From on time to long overdue: the later the bucket, the warmer the bar.
  var COLOURS = ["#1e7a3c", "#c9a227", "#d9822b", "#c0392b", "#7b1d16"];

  function money(v) {
    return v == null ? "" : Number(v).toLocaleString("en", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  function draw(figure) {
    var spec = JSON.parse(figure.getAttribute("data-aging-chart"));
    var xs = spec.labels.map(function (_, i) { return i; });
    var colours = xs.map(function (i) { return COLOURS[Math.min(i, COLOURS.length - 1)]; });
    var opts = {
      width: Math.max(280, Math.min(figure.clientWidth - 16, 640)),
      height: 220,
      scales: {
        x: {time: false, range: [-0.5, xs.length - 0.5]},
        y: {range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; }}
      },
      axes: [
        {splits: function () { return xs; },
         values: function (u, ticks) { return ticks.map(function (t) { return spec.labels[t] || ""; }); }},
        {size: 80, values: function (u, ticks) { return ticks.map(money); }}
      ],
      series: [
        {label: "Days past due", value: function (u, v) { return v == null ? "" : spec.labels[v]; }},
        {label: "Open amount", width: 1, stroke: "#13294b", fill: "#1f5fbf", points: {show: false},
         value: function (u, v) { return money(v); },
         // One colour per bar: uPlot takes per-bar fills only together with per-bar strokes.
         paths: uPlot.paths.bars({size: [0.6, 90], disp: {fill: {unit: 3, values: function () { return colours; }},
                                                          stroke: {unit: 3, values: function () { return colours; }}}})}
      ],
      cursor: {points: {show: false}, drag: {x: false, y: false}}
    };
    new uPlot(opts, [xs, spec.values], figure);
  }

  function drawAll() {
    document.querySelectorAll("figure[data-aging-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
