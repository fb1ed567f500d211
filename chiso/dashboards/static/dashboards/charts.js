// Draws every <figure data-echart> from the ECharts option stored beside it as JSON.
// The same figures are in the table under each chart, so nothing is lost without JS.
(function () {
  function draw(root) {
    root.querySelectorAll("[data-echart]").forEach(function (box) {
      if (box.dataset.drawn) return;
      var source = document.getElementById(box.dataset.echart);
      if (!source || !window.echarts) return;
      // The height comes as data, not a style attribute, which the CSP would refuse.
      if (box.dataset.height) box.style.height = box.dataset.height + "px";
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      box.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
