// The host's screen: renders the state JSON, fetches it again when the show's stream says something changed,
// counts down to the next segment every second, and sends the host's one-tap acknowledgement.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  onReady(function () {
    var root = $("host");
    if (!root) return;
    var d = root.dataset;
    var tags = JSON.parse($("host-tags").textContent || "{}");
    var state = JSON.parse($("host-state").textContent || "{}");
    var offset = 0; // server clock minus browser clock

    function money(minor) { return (minor / 100).toLocaleString(undefined, { maximumFractionDigits: 0 }); }

    function renderProduct(p) {
      $("hp-code").textContent = p ? p.code : "";
      $("hp-name").textContent = p ? p.name : d.labelNone;
      $("hp-live").textContent = p ? money(p.live_price) : "";
      $("hp-list").textContent = p && p.list_price ? money(p.list_price) : "";
      $("hp-stock").textContent = p ? d.labelStock + " " + p.stock_left : "";
      $("hp-stock").classList.toggle("low", !!p && p.stock_left <= 20);
      var points = $("hp-points"); points.textContent = "";
      (p ? p.selling_points.slice(0, 4) : []).forEach(function (s) { points.appendChild(el("li", "", s)); });
      var obj = $("hp-objections"); obj.textContent = "";
      (p ? p.objections.slice(0, 2) : []).forEach(function (o) { obj.appendChild(el("dt", "", o.q)); obj.appendChild(el("dd", "", o.a)); });
    }

    function renderMessages(list) {
      var box = $("host-messages"); box.textContent = "";
      var shown = list.slice(-4);
      if (!shown.length) box.appendChild(el("li", "muted", d.labelNoMessages));
      shown.forEach(function (m) {
        var li = el("li", "hm sev-" + m.severity);
        li.dataset.id = m.id;
        li.appendChild(el("span", "hm-who", m.author ? m.author.name : d.labelSystem));
        li.appendChild(el("span", "hm-text", (m.texts && m.texts[d.lang]) || m.text));
        (m.tags || []).forEach(function (k) { li.appendChild(el("span", "hm-tag", tags[k] || k)); });
        var mine = (m.acks || []).some(function (a) { return a.id === d.me; });
        if (mine) li.appendChild(window.lcIconText(el("span", "hm-acked"), "check", d.labelAcked));
        else if (d.canAck) { var b = window.lcIconText(el("button", "hm-ack"), "check", d.labelAck); b.type = "button"; b.dataset.ack = m.id; li.appendChild(b); }
        box.appendChild(li);
      });
    }

    function renderCards(cards) {
      var box = $("host-cards"); box.textContent = "";
      if (!cards.length) box.appendChild(el("li", "muted", d.labelNoCards));
      cards.slice(0, 3).forEach(function (c) {
        var li = el("li", "", c.title);
        if (c.count > 1) li.appendChild(el("span", "count", " ×" + c.count));
        box.appendChild(li);
      });
    }

    function renderAll(s) {
      state = s;
      offset = new Date(s.now).getTime() - Date.now();
      renderProduct(s.product);
      renderMessages(s.messages || []);
      renderCards(s.cards || []);
      var next = s.run && s.run.next;
      $("hn-title").textContent = next ? next.title : d.labelEnd;
      $("hn-count").dataset.starts = next ? next.starts_at : "";
      $("host-status").textContent = s.show.status_label;
      $("host-status").className = "host-status status-" + s.show.status;
      banner(s.banner);
      tick();
    }

    function banner(alert) {
      $("host-banner").hidden = !alert;
      $("banner-terms").textContent = alert && alert.params ? (alert.params.terms || "") : "";
    }

    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var now = Date.now() + offset;
      $("host-clock").textContent = new Date(now).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      var starts = $("hn-count").dataset.starts;
      if (!starts) { $("hn-count").textContent = ""; return; }
      var left = Math.max(0, Math.round((new Date(starts).getTime() - now) / 1000));
      $("hn-count").textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      $("hn-count").classList.toggle("soon", left <= 60);
      if (left === 0) scheduleFetch(1500);
    }

    var pending = null;
    function fetchState() {
      pending = null;
      fetch("/api/v1/shows/" + d.show + "/host", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { if (s) renderAll(s); }).catch(function () {});
    }
    function scheduleFetch(ms) { if (!pending) pending = setTimeout(fetchState, ms === undefined ? 150 : ms); }

    renderAll(state);
    setInterval(tick, 1000);
    setInterval(function () { scheduleFetch(0); }, 30000); // stock and the run of show drift slowly

    $("host-messages").addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-ack]");
      if (!b) return;
      b.disabled = true;
      fetch("/api/v1/messages/" + b.dataset.ack + "/ack", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function () { scheduleFetch(0); });
    });

    if (!window.EventSource) return;
    var source = new EventSource("/api/v1/shows/" + d.show + "/stream");
    source.addEventListener("metrics", function () { $("host-conn").classList.add("on"); });
    source.onerror = function () { $("host-conn").classList.remove("on"); };
    source.addEventListener("comms.message", function (ev) {
      var data = JSON.parse(ev.data);
      var m = data.message;
      var roles = (m.mentions && m.mentions.roles) || [];
      var forMe = roles.indexOf("host") >= 0 || roles.indexOf("assistant") >= 0 || (m.reached || []).indexOf(d.me) >= 0;
      if (forMe) {
        state.messages = (state.messages || []).concat([m]);
        renderMessages(state.messages);
      }
    });
    ["comms.message_changed", "comms.message_deleted", "alert.raised", "alert.updated", "alert.acknowledged",
     "alert.resolved", "action", "cues", "claims", "oversold", "show.status"].forEach(function (kind) {
      source.addEventListener(kind, function () { scheduleFetch(); });
    });
  });
})();
