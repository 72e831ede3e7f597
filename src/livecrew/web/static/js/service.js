// The control room's one click: a "ticket" button on each comment and cue card opens a customer-service
// ticket with the viewer, the text and the product being explained (the server fills the product in).
(function () {
  var root = document.getElementById("service-live");
  if (!root) return;
  var showId = root.dataset.show;
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.getAttribute("content") : ""; }
  function textOf(li) {
    var last = li.lastChild;
    while (last && last.nodeType !== 3) last = last.previousSibling;
    return last ? last.textContent.trim() : "";
  }
  function open(button, body) {
    var data = new URLSearchParams(body);
    data.set("csrf_token", csrf());
    button.disabled = true;
    fetch("/service/live/" + showId + "/tickets", { method: "POST", body: data, headers: { "X-CSRF-Token": csrf() } })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || r.statusText); return j; }); })
      .then(function (j) {
        var a = document.createElement("a"); a.className = "link small service-ticket-link"; a.href = j.url; a.textContent = root.dataset.done + " #" + j.id;
        button.replaceWith(a);
      })
      .catch(function (e) { button.disabled = false; button.title = e.message; });
  }
  function decorate(li, kind) {
    if (li.querySelector(".service-ticket-btn") || li.classList.contains("empty")) return;
    var b = document.createElement("button");
    b.type = "button"; b.className = "btn btn-sm btn-ghost service-ticket-btn"; b.textContent = root.dataset.label;
    b.addEventListener("click", function (ev) {
      ev.stopPropagation();
      if (kind === "comment") {
        var who = li.querySelector(".who");
        open(b, { source: "comment", user: who ? who.textContent : "", text: textOf(li) });
      } else {
        var title = li.querySelector(".cue-body .small");
        var text = title ? title.textContent.split(" · ")[0] : "";
        open(b, { source: "cue", text: text || (li.querySelector("strong") || {}).textContent || "" });
      }
    });
    li.appendChild(b);
  }
  function watch(id, kind) {
    var list = document.getElementById(id);
    if (!list) return;
    Array.prototype.forEach.call(list.children, function (li) { decorate(li, kind); });
    new MutationObserver(function (changes) {
      changes.forEach(function (c) { Array.prototype.forEach.call(c.addedNodes, function (n) { if (n.nodeType === 1 && n.tagName === "LI") decorate(n, kind); }); });
    }).observe(list, { childList: true });
  }
  watch("comment-feed", "comment");
  watch("cue-list", "cue");
})();

// The queue page follows the workspace stream: any ticket change reloads the rows in place.
(function () {
  var rows = document.getElementById("ticket-rows");
  if (!rows || !window.EventSource) return;
  var source = new EventSource("/api/v1/stream");
  var pending = null;
  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ticket-rows");
          if (fresh) rows.replaceWith(fresh), rows = fresh;
        });
    }, 300);
  }
  ["service.ticket", "service.sla_breached", "service.product_flagged", "service.daily_report"].forEach(function (kind) {
    source.addEventListener(kind, refresh);
  });
  source.addEventListener("auth.ended", function () { source.close(); });
})();
