// edgehook dashboard: charts (uPlot) on the overview and the live event list (EventSource).
// Served by the Worker from src/dashboard/assets.gen.ts; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  var live = null;

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  function startLive(root) {
    var list = root.querySelector("[data-live]");
    if (!list) return;
    var status = root.querySelector("[data-live-status]");
    if (live) live.close();
    live = new EventSource(list.getAttribute("data-live"));
    live.onopen = function () {
      if (status) status.textContent = "Connected: new events appear at the top.";
    };
    live.onerror = function () {
      if (status) status.textContent = "Reconnecting…";
    };
    var seen = {};
    function add(message) {
      if (!message.lastEventId || seen[message.lastEventId]) return;
      seen[message.lastEventId] = true;
      var body;
      try {
        body = JSON.parse(message.data);
      } catch (e) {
        body = { type: message.type, data: message.data };
      }
      var item = document.createElement("li");
      item.setAttribute("data-id", message.lastEventId);
      item.appendChild(text("span", body.type || message.type, "type"));
      item.appendChild(text("time", (body.timestamp || "").replace("T", " ").slice(0, 19)));
      item.appendChild(text("code", message.lastEventId, "mono"));
      item.appendChild(text("pre", JSON.stringify(body.data, null, 2), "code"));
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 200) list.removeChild(list.lastChild);
    }
    // /live/stream sends every event unnamed (the dashboard drops the `event:` lines), so one handler sees all.
    live.onmessage = add;
  }

  var charts = [];
  function drawCharts(root) {
    var holder = root.querySelector("#chart-data");
    if (!holder || typeof uPlot === "undefined") return;
    var data = JSON.parse(holder.getAttribute("data-series"));
    var windowName = "hour";
    function render() {
      charts.forEach(function (chart) { chart.destroy(); });
      charts = [];
      var s = data[windowName];
      var holderWidth = (root.querySelector(".chart") || document.body).clientWidth;
      var width = Math.max(240, Math.min(1100, holderWidth));
      var volume = root.querySelector('[data-chart="volume"]');
      var success = root.querySelector('[data-chart="success"]');
      if (volume) {
        charts.push(new uPlot({
          width: width, height: 220, title: "Events and deliveries per minute",
          series: [{}, { label: "Events", stroke: "#1d4ed8", width: 2 }, { label: "Deliveries", stroke: "#047857", width: 2 }],
        }, [s.x, s.events, s.deliveries], volume));
      }
      if (success) {
        charts.push(new uPlot({
          width: width, height: 180, title: "Delivery success rate (%)",
          scales: { y: { range: [0, 100] } },
          series: [{}, { label: "Success %", stroke: "#b45309", width: 2, spanGaps: true }],
        }, [s.x, s.successRate], success));
      }
    }
    root.querySelectorAll("[data-window]").forEach(function (button) {
      button.addEventListener("click", function () {
        windowName = button.getAttribute("data-window");
        root.querySelectorAll("[data-window]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
        render();
      });
    });
    render();
  }

  function init(root) {
    startLive(root);
    drawCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // htmx (hx-boost) swaps pages in place: close the stream before a swap, set up the new page after.
  document.addEventListener("htmx:beforeSwap", function () { if (live) { live.close(); live = null; } });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
  window.addEventListener("pagehide", function () { if (live) live.close(); });
})();
