/* The dashboard's charts, drawn by the vendored Chart.js 4 (/static/vendor/chart.umd.js).
 * One chart per canvas, made once and then updated in place every refresh (no animation: the
 * numbers change every 10 s and movement distracts).  Each canvas also gets an aria-label with
 * the same numbers; the page shows them as text too. */
(function () {
  "use strict";
  var H = window.Hotline;
  var COLORS = ["#0b4f9c", "#b36b00", "#1b5e20", "#6a1b9a", "#a4161a", "#00695c", "#4e342e", "#37474f"];

  /* A dashed line across the plot at `value` on the y axis, with its label: the 85 % target. */
  var targetLine = {
    id: "targetLine",
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts || typeof opts.value !== "number" || !chart.scales.y) return;
      var y = chart.scales.y.getPixelForValue(opts.value);
      var area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = opts.color || "#a4161a";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(area.left, y);
      ctx.lineTo(area.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = opts.color || "#a4161a";
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.textAlign = "right";
      ctx.fillText(opts.label || String(opts.value), area.right - 4, y - 4);
      ctx.restore();
    }
  };

  function base(opts) {
    var o = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: !!opts.legend }, targetLine: opts.target || false,
        tooltip: { callbacks: opts.percent ? { label: function (c) { return c.dataset.label + ": " + c.parsed.y.toFixed(1) + " %"; } } : {} } },
      scales: {
        x: { ticks: { autoSkip: false, maxRotation: 45 } },
        y: { beginAtZero: true, ticks: { precision: 0 } }
      }
    };
    if (opts.percent) { o.scales.y.max = 100; o.scales.y.ticks = { callback: function (v) { return v + " %"; } }; }
    if (opts.horizontal) { o.indexAxis = "y"; o.scales = { x: o.scales.y, y: { ticks: { autoSkip: false } } }; }
    return o;
  }

  /* render("chart-queues", labels, [{label, data}], {percent, horizontal, target, legend, summary}) */
  function render(id, labels, datasets, opts) {
    opts = opts || {};
    var canvas = H.$(id);
    if (!canvas || !window.Chart) return null;
    var sets = datasets.map(function (d, i) {
      var color = d.color || (opts.colorPerBar ? labels.map(function (_, j) { return COLORS[j % COLORS.length]; }) : COLORS[i % COLORS.length]);
      return { label: d.label, data: d.data, backgroundColor: color, borderColor: color, borderWidth: 1 };
    });
    var chart = window.Chart.getChart(canvas);
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets.forEach(function (d, i) { if (sets[i]) d.data = sets[i].data; });
      chart.update("none");
    } else {
      chart = new window.Chart(canvas, { type: "bar", data: { labels: labels, datasets: sets }, options: base(opts), plugins: [targetLine] });
    }
    canvas.setAttribute("aria-label", opts.summary || labels.map(function (l, i) {
      return l + ": " + datasets.map(function (d) { return d.data[i]; }).join(" / ");
    }).join("; "));
    canvas.setAttribute("data-points", String(labels.length));
    return chart;
  }

  H.Charts = { render: render };
})();
