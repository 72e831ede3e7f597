// The review page's charts (ECharts, vendored from npm): the minute curve with markers, the funnel, ad slots.
(function () {
  "use strict";
  function start() {
    var node = document.getElementById("review-chart");
    if (!node || typeof echarts === "undefined") return;
    var d = JSON.parse(node.textContent);
    var L = d.labels;
    var curve = document.getElementById("chart-minutes");
    if (curve) {
      var marks = d.markers.map(function (m) { return { xAxis: m.minute, name: m.label }; });
      echarts.init(curve).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [L.online, L.enters, L.leaves, L.comments, L.gmv] },
        grid: { left: 50, right: 60, top: 40, bottom: 30 },
        xAxis: { type: "category", data: d.minutes },
        yAxis: [{ type: "value" }, { type: "value", position: "right" }],
        series: [
          { name: L.online, type: "line", data: d.online, showSymbol: false, lineStyle: { width: 2 },
            markLine: { symbol: "none", label: { show: false }, lineStyle: { type: "dotted", color: "#2563eb" }, data: marks } },
          { name: L.enters, type: "line", data: d.enters, showSymbol: false },
          { name: L.leaves, type: "line", data: d.leaves, showSymbol: false },
          { name: L.comments, type: "line", data: d.comments, showSymbol: false },
          { name: L.gmv, type: "bar", yAxisIndex: 1, data: d.gmv, itemStyle: { color: "#f2b8a0" } }
        ]
      });
    }
    var funnel = document.getElementById("chart-funnel");
    if (funnel) {
      echarts.init(funnel).setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", data: d.funnel, label: { formatter: "{b}: {c}" } }]
      });
    }
    var slots = document.getElementById("chart-slots");
    if (slots) {
      echarts.init(slots).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [L.spend, L.gmv] },
        grid: { left: 60, right: 20, top: 30, bottom: 30 },
        xAxis: { type: "category", data: d.slots },
        yAxis: { type: "value" },
        series: [
          { name: L.spend, type: "bar", data: d.spend, itemStyle: { color: "#94a3b8" } },
          { name: L.gmv, type: "bar", data: d.slot_gmv, itemStyle: { color: "#f97316" } }
        ]
      });
    }
    var trend = document.getElementById("chart-trend");
    if (trend) {
      var t = JSON.parse(document.getElementById("trend-data").textContent);
      echarts.init(trend).setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 70, right: 20, top: 20, bottom: 30 },
        xAxis: { type: "category", data: t.x },
        yAxis: { type: "value" },
        series: [{ name: t.label, type: "line", data: t.gmv,
          markArea: { itemStyle: { color: "rgba(249,115,22,0.12)" }, data: [[{ yAxis: t.band[0] }, { yAxis: t.band[2] }]] },
          markLine: { symbol: "none", data: [{ yAxis: t.band[1] }] } }]
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
