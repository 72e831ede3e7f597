// livecrew incidents: step timers, live updates of runs over the show's stream, incident spans on the charts.
(function () {
  "use strict";
  var page = document.getElementById("incident-page");
  var room = document.getElementById("control-room");
  var panelHost = document.getElementById("incident-panel") || document.querySelector("[data-incident-panel]");
  var showId = (page && page.dataset.show) || (room && room.dataset.show) || (panelHost && panelHost.dataset.show);
  if (!showId) return;
  var me = (page && page.dataset.me) || (panelHost && panelHost.dataset.me) || "";

  function fmtSecs(s) {
    s = Math.max(0, Math.round(s));
    return s < 120 ? s + " s" : Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // Every second: elapsed time since opening, and each open step's time left (or how late it is).
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".elapsed[data-since]").forEach(function (el) {
      el.textContent = fmtSecs((now - Date.parse(el.dataset.since)) / 1000);
    });
    document.querySelectorAll("[data-due][data-state='open']").forEach(function (el) {
      var left = (Date.parse(el.dataset.due) - now) / 1000;
      var timer = el.querySelector(".timer");
      if (timer) window.lcIconText(timer, left >= 0 ? "timer" : "warning", left >= 0 ? fmtSecs(left) : "+" + fmtSecs(-left));
      el.classList.toggle("overdue", left < 0);
      if (me && el.dataset.assignee === me) el.classList.add("mine");
    });
  }
  setInterval(tick, 1000);
  tick();

  // The run's own page shows the change by reloading, unless someone is typing there.
  function reloadSoon() {
    if (page.dataset.reloading) return;
    page.dataset.reloading = "1";
    setTimeout(function () {
      var el = document.activeElement;
      if (el && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.value) { page.dataset.reloading = ""; return; }
      window.location.reload();
    }, 400);
  }

  function changed() { document.body.dispatchEvent(new CustomEvent("incidents-changed")); }

  function flagOverdue(msg) {
    var ids = ["step-" + msg.step.id, "panel-step-" + msg.step.id];
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.classList.add("overdue");
    });
    var mine = me && (msg.assignee_id === me || msg.commander_id === me);
    if (mine) {
      var note = document.getElementById("incident-overdue-note");
      if (!note) {
        note = document.createElement("div"); note.id = "incident-overdue-note"; note.className = "notice notice-error"; note.setAttribute("role", "alert");
        var host = document.getElementById("incident-panel") || page;
        if (host) host.prepend(note);
      }
      var title = msg.step.title || {};
      window.lcIconText(note, "warning", "#" + msg.incident_id + " " + (title[document.documentElement.lang] || title.en || "") + " (" + ((page && page.dataset.overdueText) || "overdue") + ")");
    }
  }

  // Spans on the control room's charts: one markArea per run, from its opening to its resolution (or now).
  var spans = [];
  var start = null;
  function loadSpans() {
    if (!room) return;
    fetch("/api/v1/shows/" + showId + "/incident-spans", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (data) { spans = data; drawSpans(); });
  }
  function label(minute) { return String(minute) + "′"; }
  function drawSpans() {
    if (!room || !window.echarts || start === null) return;
    var lang = room.dataset.lang || "zh-Hant";
    var areas = spans.map(function (s) {
      var a = Math.max(0, Math.floor((s.start - start) / 60000));
      var b = Math.max(a, Math.floor(((s.end || Date.now()) - start) / 60000));
      // Chart labels are drawn on a canvas (no icons there): a drill says so in words, its colour differs too.
      var name = (s.drill && room.dataset.labelDrill ? room.dataset.labelDrill + " · " : "") + ((s.title && (s.title[lang] || s.title.en)) || s.runbook);
      return [{ name: name, xAxis: label(a), itemStyle: { color: s.drill ? "rgba(57,73,171,0.10)" : "rgba(217,45,32,0.12)" } }, { xAxis: label(b) }];
    });
    ["chart-audience", "chart-sales"].forEach(function (id) {
      var el = document.getElementById(id);
      var chart = el && window.echarts.getInstanceByDom(el);
      if (!chart) return;
      // A series of its own, so the control room's own updates never remove the spans.
      chart.setOption({ series: [{ id: "incident-spans", type: "line", data: [], silent: true,
        markArea: { label: { fontSize: 10, color: "#d92d20" }, data: areas } }] });
    });
  }
  if (room) {
    room.addEventListener("live:metrics", function (e) {
      if (e.detail && typeof e.detail.start === "number") {
        var first = start === null;
        start = e.detail.start;
        if (first) loadSpans(); else drawSpans();
      }
    });
  }

  // Live messages: the control room shares its stream (window.lcLiveSource); other pages open their own.
  var source = window.lcLiveSource || new EventSource("/api/v1/shows/" + showId + "/stream");
  ["incident.opened", "incident.updated"].forEach(function (kind) {
    source.addEventListener(kind, function (e) {
      var msg = JSON.parse(e.data);
      if (page && msg.incident && String(msg.incident.id) === page.dataset.incident) reloadSoon();
      changed();
      loadSpans();
    });
  });
  source.addEventListener("incident.step_overdue", function (e) { flagOverdue(JSON.parse(e.data)); changed(); });
})();
