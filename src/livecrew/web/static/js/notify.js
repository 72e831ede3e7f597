// Push targets (settings): the target list and a target's delivery log follow the workspace stream and
// reload their table in place when a delivery or a target changes.
(function () {
  var table = document.getElementById("notify-log") || document.getElementById("notify-targets");
  if (!table || !window.EventSource) return;
  var source = new EventSource("/api/v1/stream");
  var pending = null;
  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(table.id);
          if (fresh) { table.replaceWith(fresh); table = fresh; }
        });
    }, 300);
  }
  ["notify.delivery", "notify.target_changed"].forEach(function (kind) { source.addEventListener(kind, refresh); });
  source.addEventListener("auth.ended", function () { source.close(); });
})();
