// livecrew console: small progressive enhancements. Pages work without this file.
(function () {
  "use strict";

  // Icons for what the scripts build: an inline SVG drawing one shape of the sprite (livecrew.web.icons).
  // lcIcon("warning") is decorative (hidden from screen readers); lcIcon("warning", "label") is announced.
  var SVG = "http://www.w3.org/2000/svg";
  window.lcIcon = function (name, label) {
    var meta = document.querySelector('meta[name="icon-sprite"]');
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon icon-" + name);
    if (label) {
      svg.setAttribute("role", "img"); svg.setAttribute("aria-label", label);
      var title = document.createElementNS(SVG, "title"); title.textContent = label; svg.appendChild(title);
    } else { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
    var use = document.createElementNS(SVG, "use");
    use.setAttribute("href", (meta ? meta.getAttribute("content") : "/static/vendor/icons.svg") + "#i-" + name);
    svg.appendChild(use);
    return svg;
  };
  // Replace an element's content with an icon followed by text.
  window.lcIconText = function (node, name, text) {
    node.textContent = "";
    node.appendChild(window.lcIcon(name));
    node.appendChild(document.createTextNode(" " + text));
    return node;
  };

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // Selects marked data-autosubmit submit their form when changed (the language picker).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });

    // Copy buttons: data-copy="#selector".
    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var target = document.querySelector(btn.getAttribute("data-copy"));
        if (!target) return;
        var text = target.textContent.trim();
        if (navigator.clipboard) navigator.clipboard.writeText(text);
        btn.textContent = ""; btn.appendChild(window.lcIcon("check", btn.dataset.copiedText || "OK"));
      });
    });

    // Activity lists fed by Server-Sent Events: data-stream="/api/v1/stream".
    document.querySelectorAll("[data-stream]").forEach(function (list) {
      if (!window.EventSource) return;
      var state = document.getElementById("stream-state");
      var source = new EventSource(list.getAttribute("data-stream"));
      // Every kind of the workspace stream (livecrew.core.live_messages) is listed here.
      var labels = {
        "people.changed": list.dataset.labelPeople, "workspace.updated": list.dataset.labelWorkspace,
        "task.created": list.dataset.labelTask, "task.changed": list.dataset.labelTask,
        "show.created": list.dataset.labelShow, "show.status": list.dataset.labelShow
      };
      source.addEventListener("hello", function () {
        if (state) { state.classList.add("on"); state.textContent = state.dataset.connectedText; }
      });
      source.addEventListener("auth.ended", function () {
        source.close();
        if (state) { state.classList.remove("on"); state.textContent = state.dataset.disconnectedText; }
      });
      source.onerror = function () {
        if (state) { state.classList.remove("on"); state.textContent = state.dataset.disconnectedText; }
      };
      Object.keys(labels).forEach(function (kind) {
        source.addEventListener(kind, function () {
          var empty = list.querySelector(".muted");
          if (empty) empty.remove();
          var item = document.createElement("li");
          item.textContent = new Date().toLocaleTimeString() + " · " + labels[kind];
          list.prepend(item);
        });
      });
    });
  });
})();
