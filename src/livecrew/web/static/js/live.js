// livecrew control room: numbers, charts, products, comments, alerts and actions over Server-Sent Events.
(function () {
  "use strict";
  var root = document.getElementById("control-room");
  if (!root) return;
  var showId = root.dataset.show;
  var lang = root.dataset.lang || "zh-Hant";
  var locale = lang === "en" ? "en" : (lang === "zh-Hans" ? "zh-CN" : "zh-TW");
  var currency = root.dataset.currency || "TWD";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var money = new Intl.NumberFormat(locale, { style: "currency", currency: currency, maximumFractionDigits: 0 });
  var count = new Intl.NumberFormat(locale);
  var explainMarks = [];
  var alertMarks = [];
  var last = null;

  var KINDS = {
    online: "count", peak_online: "count", uv: "count", gmv: "money", paid_orders: "count",
    conversion_rate: "ratio", aov: "money", uv_value: "money2", gpm: "money", interaction_rate: "ratio",
    follow_rate: "ratio", avg_watch_seconds: "duration"
  };

  function fmt(kind, v) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return "—";
    if (kind === "money") return money.format(v / 100);
    if (kind === "money2") return new Intl.NumberFormat(locale, { style: "currency", currency: currency, maximumFractionDigits: 2 }).format(v / 100);
    if (kind === "ratio") return (v * 100).toFixed(v < 0.1 ? 2 : 1) + "%";
    if (kind === "duration") { var s = Math.round(v); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }
    return count.format(Math.round(v));
  }

  function onlineNow(m) {
    if (typeof m.online === "number") return m.online;
    if (typeof m.online_now === "number") return m.online_now;
    var mins = m.minutes || [];
    return mins.length ? mins[mins.length - 1].online_end : 0;
  }

  function renderKpis(m) {
    var values = Object.assign({}, m, { online: onlineNow(m) });
    var delta = m.delta_5m || {};
    document.querySelectorAll("#kpis .kpi").forEach(function (el) {
      var key = el.dataset.metric;
      el.querySelector(".kpi-value").textContent = fmt(KINDS[key], values[key]);
      var d = delta[key];
      var out = el.querySelector(".kpi-delta");
      if (typeof d === "number" && d !== 0) {
        window.lcIconText(out, d > 0 ? "up" : "down", fmt(KINDS[key], Math.abs(d)) + " / 5′");
        out.className = "kpi-delta " + (d > 0 ? "up" : "down");
      } else { out.textContent = ""; out.className = "kpi-delta"; }
    });
    if (typeof m.duration_s === "number") {
      var s = Math.round(m.duration_s);
      document.getElementById("duration").textContent =
        Math.floor(s / 3600) + ":" + String(Math.floor(s / 60) % 60).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    }
  }

  var charts = {};
  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) {
      var el = document.getElementById(id);
      if (!el) return null;
      charts[id] = window.echarts.init(el, null, { renderer: "canvas" });
      window.addEventListener("resize", function () { charts[id].resize(); });
    }
    return charts[id];
  }

  function minuteOf(ts) {
    if (!last || typeof last.start !== "number") return null;
    return Math.floor((ts - last.start) / 60000);
  }

  function renderCharts(m) {
    var mins = m.minutes || [];
    var labels = mins.map(function (x) { return String(x.minute) + "′"; });
    var marks = explainMarks.map(function (e) { return { xAxis: String(e.minute) + "′", name: e.label }; })
      .filter(function (e) { return e.xAxis !== "null′"; });
    var alertPoints = alertMarks.map(function (a) { return { xAxis: String(a.minute) + "′", yAxis: 0, name: a.label }; })
      .filter(function (e) { return e.xAxis !== "null′"; });
    var audience = chart("chart-audience");
    if (audience) {
      audience.setOption({
        animation: false, grid: { left: 45, right: 20, top: 30, bottom: 30 }, tooltip: { trigger: "axis" },
        legend: { top: 0 }, xAxis: { type: "category", data: labels },
        yAxis: [{ type: "value", minInterval: 1 }],
        series: [
          { name: root.dataset.labelOnline, type: "line", smooth: true, showSymbol: false, data: mins.map(function (x) { return x.online_end; }),
            markLine: { symbol: "none", label: { formatter: "{b}", fontSize: 10 }, lineStyle: { color: "#e8364f", type: "dashed" }, data: marks },
            markPoint: { symbol: "pin", symbolSize: 28, itemStyle: { color: "#d92d20" }, data: alertPoints } },
          { name: root.dataset.labelEnters, type: "bar", stack: "flow", data: mins.map(function (x) { return x.enters; }) },
          { name: root.dataset.labelLeaves, type: "bar", stack: "flow2", data: mins.map(function (x) { return -x.leaves; }) }
        ]
      });
    }
    var sales = chart("chart-sales");
    if (sales) {
      sales.setOption({
        animation: false, grid: { left: 55, right: 45, top: 30, bottom: 30 }, tooltip: { trigger: "axis" },
        legend: { top: 0 }, xAxis: { type: "category", data: labels },
        // GMV is in cents: ticks a whole currency unit apart at least (else an empty show labels them all "$0").
        yAxis: [{ type: "value", minInterval: 100, axisLabel: { formatter: function (v) { return money.format(v / 100); } } },
          { type: "value", minInterval: 1 }],
        series: [
          { name: root.dataset.labelGmv, type: "bar", data: mins.map(function (x) { return x.gmv; }), itemStyle: { color: "#e8364f" },
            markLine: { symbol: "none", label: { formatter: "{b}", fontSize: 10 }, lineStyle: { type: "dashed" }, data: marks } },
          { name: root.dataset.labelComments, type: "line", yAxisIndex: 1, smooth: true, showSymbol: false, data: mins.map(function (x) { return x.comments; }) }
        ]
      });
    }
  }

  function renderProducts(m) {
    var body = document.getElementById("product-rows");
    var products = m.products || {};
    var ids = Object.keys(products).sort(function (a, b) { return (products[b].gmv || 0) - (products[a].gmv || 0); });
    if (!ids.length) return;
    var canControl = !!document.getElementById("actions");
    body.innerHTML = "";
    ids.forEach(function (id) {
      var p = products[id];
      var tr = document.createElement("tr");
      if (m.explaining === id) tr.className = "explaining";
      function td(text, label) { var c = document.createElement("td"); c.textContent = text; if (label) c.dataset.label = label; tr.appendChild(c); }
      td(id);
      if (m.explaining === id) tr.firstChild.prepend(window.lcIcon("dot", root.dataset.labelExplaining || ""), " ");
      tr.firstChild.className = "nowrap"; // a SKU like BT-002 would break at its hyphen
      td(count.format(p.views || 0)); td(count.format(p.clicks || 0)); td(fmt("ratio", p.click_rate));
      td(count.format(p.buyers || 0)); td(fmt("money", p.gmv || 0));
      if (canControl) {
        var c = document.createElement("td");
        var b = document.createElement("button");
        b.className = "btn btn-sm nowrap"; b.textContent = root.dataset.labelExplaining;
        b.addEventListener("click", function () { act({ kind: "explain", product: id, action: m.explaining === id ? "stop" : "start" }); });
        c.appendChild(b); tr.appendChild(c);
      }
      body.appendChild(tr);
    });
  }

  function addComments(items) {
    var feed = document.getElementById("comment-feed");
    var filter = (document.getElementById("comment-filter").value || "").toLowerCase();
    items.forEach(function (c) {
      var li = document.createElement("li");
      li.dataset.text = (c.text || "").toLowerCase();
      li.dataset.label = c.label || "other";
      if (c.why) li.title = c.why;
      var lab = document.createElement("span"); lab.className = "lab lab-" + li.dataset.label;
      lab.textContent = feed.dataset["name" + li.dataset.label.charAt(0).toUpperCase() + li.dataset.label.slice(1)] || li.dataset.label;
      var who = document.createElement("span"); who.className = "who"; who.textContent = c.user || "";
      li.appendChild(lab); li.appendChild(document.createTextNode(" ")); li.appendChild(who); li.appendChild(document.createTextNode(" " + (c.text || "")));
      li.hidden = !visible(li, filter);
      feed.appendChild(li);
    });
    while (feed.children.length > 300) feed.removeChild(feed.firstChild);
    feed.scrollTop = feed.scrollHeight;
  }

  function upsertAlert(a, kind) {
    var list = document.getElementById("alert-list");
    var empty = list.querySelector(".empty"); if (empty) empty.remove();
    var li = list.querySelector('[data-alert="' + a.id + '"]');
    if (!li) { li = document.createElement("li"); li.dataset.alert = a.id; list.prepend(li); }
    li.className = "alert sev-" + a.severity + (a.resolved_at ? " resolved" : "");
    li.innerHTML = "";
    var msg = document.createElement("span"); msg.className = "alert-msg"; msg.textContent = (a.texts && a.texts[lang]) || a.message; li.appendChild(msg);
    if (a.acknowledged_at) {
      var badge = document.createElement("span"); badge.className = "badge badge-ok"; badge.textContent = root.dataset.labelAcked; li.appendChild(badge);
    } else if (!a.resolved_at) {
      var btn = document.createElement("button"); btn.className = "btn btn-sm"; btn.dataset.ack = a.id; btn.textContent = root.dataset.labelAck; li.appendChild(btn);
    }
    if (kind === "alert.raised" && a.event_ts) alertMarks.push({ minute: minuteOf(a.event_ts), label: root.dataset.labelAlert });
    document.getElementById("alert-count").textContent = list.querySelectorAll(".alert:not(.resolved)").length;
  }

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || r.statusText); return j; }); });
  }

  // label: what the person pressed, in their language (the button's own words); never the action's code.
  function act(body, label) {
    var out = document.getElementById("action-result");
    post("/api/v1/shows/" + showId + "/actions", body).then(function (r) {
      if (out) { window.lcIconText(out, "check", (label || root.dataset.labelDone) + (r.payload && r.payload.winners ? ": " + r.payload.winners.join("、") : "")); out.className = "small ok-text"; }
    }).catch(function (e) { if (out) { out.textContent = e.message; out.className = "small gap-text"; } });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.dataset.ack) {
      post("/api/v1/alerts/" + t.dataset.ack + "/ack").then(function (a) { upsertAlert(a, "alert.acknowledged"); });
    } else if (t.dataset.action) {
      var kind = t.dataset.action;
      var body = { kind: kind };
      if (kind === "explain" || kind === "shelf") { body.product = document.getElementById("action-product").value.trim(); body.action = t.dataset.value; }
      if (kind === "coupon" || kind === "lucky_bag") { body.perk_id = parseInt(t.dataset.perk, 10); if (t.dataset.value) body.action = t.dataset.value; }
      if (kind === "announce") { body.text = document.getElementById("action-text").value; }
      act(body, t.textContent.trim());
    }
  });

  var filterBox = document.getElementById("comment-filter");
  var labelFilter = "";
  function visible(li, f) {
    if (f && (li.dataset.text || "").indexOf(f) < 0) return false;
    return !labelFilter || li.dataset.label === labelFilter;
  }
  function refilter() {
    var f = filterBox.value.toLowerCase();
    document.querySelectorAll("#comment-feed li").forEach(function (li) { li.hidden = !visible(li, f); });
  }
  filterBox.addEventListener("input", refilter);
  document.getElementById("label-filter").addEventListener("click", function (ev) {
    var b = ev.target;
    if (!(b instanceof HTMLElement) || b.dataset.labelFilter === undefined) return;
    labelFilter = b.dataset.labelFilter;
    document.querySelectorAll("#label-filter .chip").forEach(function (c) { c.classList.toggle("on", c === b); });
    refilter();
  });

  function renderCues(items) {
    var list = document.getElementById("cue-list");
    list.innerHTML = "";
    items.forEach(function (card) {
      var li = document.createElement("li"); li.className = "cue"; li.dataset.card = card.id;
      var n = document.createElement("span"); n.className = "cue-count"; n.textContent = card.count; li.appendChild(n);
      var body = document.createElement("span"); body.className = "cue-body";
      var title = document.createElement("strong"); title.textContent = card.title; body.appendChild(title);
      var sub = document.createElement("span"); sub.className = "small muted"; sub.textContent = card.newest + (card.product ? " · " + card.product : ""); body.appendChild(sub);
      li.appendChild(body);
      if (list.dataset.canAnswer) {
        var b = document.createElement("button"); b.className = "btn btn-sm"; b.dataset.answerCard = card.id; b.textContent = list.dataset.answer; li.appendChild(b);
      }
      list.appendChild(li);
    });
  }
  document.getElementById("cue-list").addEventListener("click", function (ev) {
    var b = ev.target;
    if (b instanceof HTMLElement && b.dataset.answerCard) post("/api/v1/shows/" + showId + "/cues/" + b.dataset.answerCard + "/answer");
  });

  var state = document.getElementById("stream-state");
  var source = new EventSource("/api/v1/shows/" + showId + "/stream");
  window.lcLiveSource = source; // other features' scripts on this page listen to the same stream
  source.onopen = function () { state.classList.add("on"); state.textContent = state.dataset.connectedText; };
  source.onerror = function () { state.classList.remove("on"); state.textContent = state.dataset.disconnectedText; };
  source.addEventListener("metrics", function (e) {
    var data = JSON.parse(e.data);
    last = data.metrics;
    state.classList.add("on"); state.textContent = state.dataset.connectedText;
    renderKpis(last); renderCharts(last); renderProducts(last);
    root.dataset.updated = String(Date.now());
    root.dispatchEvent(new CustomEvent("live:metrics", { detail: last }));
  });
  source.addEventListener("comments", function (e) { addComments(JSON.parse(e.data).items || []); });
  source.addEventListener("cues", function (e) { renderCues(JSON.parse(e.data).items || []); });
  ["alert.raised", "alert.updated", "alert.resolved", "alert.acknowledged"].forEach(function (kind) {
    source.addEventListener(kind, function (e) { upsertAlert(JSON.parse(e.data).alert, kind); });
  });
  // Every kind of the show stream (livecrew.core.live_messages) has its handler here.
  function note(text, iconName) {
    var log = document.getElementById("action-log");
    if (!log) return;
    var li = document.createElement("li");
    li.textContent = new Date().toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" }) + " ";
    if (iconName) li.append(window.lcIcon(iconName), " ");
    li.append(text);
    log.prepend(li);
  }
  function actionName(kind) { return root.getAttribute("data-action-" + kind.replace(/_/g, "-")) || kind; }
  var handlers = {
    "action": function (a) {
      var p = a.payload || {};
      note((a.actor || "") + " · " + actionName(a.action) + " " + (p.product || p.title || p.text || "") + " " + (p.action || ""));
      if (a.action === "announce") {
        var list = document.getElementById("announcements");
        if (list) {
          var li = document.createElement("li");
          li.className = "fresh";
          li.textContent = (a.actor ? a.actor + " · " : "") + (p.text || "");
          list.prepend(li);
          while (list.children.length > 5) list.removeChild(list.lastElementChild);
        }
      }
      if (a.action === "explain" && p.action === "start") explainMarks.push({ minute: minuteOf(a.ts), label: p.product });
      if (a.action === "explain" || a.action === "shelf") root.dataset.lastAction = a.action + ":" + (p.product || "") + ":" + (p.action || "");
    },
    "claims": function (m) { note(root.dataset.labelClaims + " " + (m.changed || []).join("、")); },
    "oversold": function (m) { note(root.dataset.labelOversold + " " + m.order + " ×" + m.qty, "warning"); },
    "show.status": function (m) {
      var badge = document.getElementById("show-status");
      if (badge) { badge.className = "status status-" + m.status; badge.textContent = root.getAttribute("data-status-" + m.status) || m.status; }
    },
    "checklist.changed": function () { note(root.dataset.labelChecklist); },
    "perk.drawn": function (m) { note(root.dataset.labelDrawn + ": " + (m.winners || []).join("、")); },
    "auth.ended": function () {
      source.close();
      state.classList.remove("on"); state.textContent = state.dataset.disconnectedText;
    }
  };
  Object.keys(handlers).forEach(function (kind) {
    source.addEventListener(kind, function (e) { handlers[kind](JSON.parse(e.data)); });
  });
})();
