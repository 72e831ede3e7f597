// Unread messages of team channels, as a badge on the navigation's Channels entry, kept live over SSE.
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    var link = document.querySelector('.sidebar a[data-nav="channels"]');
    if (!link || !window.fetch) return;
    var badge = document.createElement("span");
    badge.className = "nav-unread";
    badge.hidden = true;
    link.appendChild(badge);
    var onChannelsPage = !!document.getElementById("comms");
    function show(n) { badge.textContent = n > 99 ? "99+" : String(n); badge.hidden = n <= 0; badge.dataset.count = n; }
    var timer = null;
    function refresh() { clearTimeout(timer); timer = setTimeout(load, 250); }
    function load() {
      fetch("/api/v1/comms/unread", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) show(data.total); }).catch(function () {});
    }
    refresh();
    if (onChannelsPage) {
      // The channels page has its stream open already and says when the counts may have moved.
      document.addEventListener("comms:unread", refresh);
      return;
    }
    if (!window.EventSource) return;
    var source = new EventSource("/api/v1/stream");
    source.addEventListener("hello", function () { refresh(); });
    source.addEventListener("comms.message", refresh);
    source.addEventListener("comms.read", function () { refresh(); });
    // A channel made or changed (a show's channels appear when it is scheduled): the counts cover it.
    source.addEventListener("comms.channel", function () { refresh(); });
  });
})();
