// livecrew channels page: live messages over SSE, read markers, reply / pin / edit / delete, @mention picker.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function api(method, url, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      if (!r.ok) return r.json().then(function (e) { throw new Error(e.message || r.statusText); });
      return r.status === 204 ? null : r.json();
    });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  onReady(function () {
    var root = document.getElementById("comms");
    if (!root) return;
    var d = root.dataset;
    var channelId = d.channel ? parseInt(d.channel, 10) : null;
    var list = document.getElementById("messages");
    var tags = JSON.parse((document.getElementById("comms-tags") || { textContent: "{}" }).textContent || "{}");
    var filtered = list && list.dataset.filtered === "1";

    function textOf(m) { return (m.texts && m.texts[d.lang]) || m.text; }

    function render(m) {
      var li = el("li", "msg" + (m.system ? " msg-sys" : "") + " sev-" + m.severity + (m.pinned ? " msg-pinned" : ""));
      li.id = "m-" + m.id;
      li.dataset.id = m.id;
      li.dataset.author = m.author ? m.author.id : "";
      li.dataset.created = m.created_at;
      var head = el("div", "msg-head");
      head.appendChild(el("strong", "msg-author", m.author ? m.author.name : d.labelSystem));
      head.appendChild(document.createTextNode(" "));
      var time = el("time", "msg-time small muted", new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: d.tz || undefined }));
      time.setAttribute("datetime", m.created_at);
      head.appendChild(time);
      if (m.event_ts && d.show) {
        var a = el("a", "msg-ts small", " " + d.labelTimeline); a.prepend(window.lcIcon("goto"));
        a.href = "/live/" + d.show + "?at=" + m.event_ts;
        a.title = d.labelJump + " " + new Date(m.event_ts).toLocaleTimeString();
        head.appendChild(a);
      }
      if (m.edited_at) head.appendChild(el("span", "msg-edited small muted", " " + d.labelEdited));
      if (m.pinned) head.appendChild(el("span", "msg-pin tag", d.labelPinned));
      li.appendChild(head);
      if (m.reply_to) li.appendChild(window.lcIconText(el("div", "msg-reply small muted"), "reply", m.reply_excerpt || d.labelDeleted));
      li.appendChild(el("div", "msg-text", textOf(m)));
      if (m.tags && m.tags.length) {
        var tagBox = el("div", "msg-tags");
        m.tags.forEach(function (k) { var s = el("span", "tag comms-tag", tags[k] || k); s.dataset.tag = k; tagBox.appendChild(s); });
        li.appendChild(tagBox);
      }
      var acks = el("div", "msg-acks small");
      (m.acks || []).forEach(function (a) { acks.appendChild(window.lcIconText(el("span", "ack"), "check", a.name)); });
      li.appendChild(acks);
      var actions = el("div", "msg-actions small");
      function button(act, label) { var b = el("button", "btn-link", label); b.type = "button"; b.dataset.act = act; actions.appendChild(b); }
      if (d.canPost) button("reply", d.labelReply);
      if (d.canPin) button("pin", m.pinned ? d.labelUnpin : d.labelPin);
      var mine = m.author && m.author.id === d.me;
      if (mine) button("edit", d.labelEdit);
      if (mine || d.canModerate) button("delete", d.labelDelete);
      li.appendChild(actions);
      return li;
    }

    function upsert(m) {
      if (!list) return;
      var old = document.getElementById("m-" + m.id);
      var node = render(m);
      if (old) { old.replaceWith(node); return; }
      var empty = list.querySelector(".empty");
      if (empty) empty.remove();
      list.appendChild(node);
      node.scrollIntoView({ block: "end" });
    }

    var readTimer = null;
    function markRead() {
      if (!channelId || document.hidden) return;
      clearTimeout(readTimer);
      readTimer = setTimeout(function () { api("POST", "/api/v1/channels/" + channelId + "/read", {}).catch(function () {}); }, 300);
    }
    function groups() {
      document.querySelectorAll(".show-group").forEach(function (g) {
        var sum = 0;
        g.querySelectorAll(".channel-link .unread").forEach(function (u) { sum += parseInt(u.dataset.unread || "0", 10) || 0; });
        var badge = g.querySelector(".group-unread");
        if (badge) { badge.textContent = sum; badge.hidden = sum === 0; }
      });
    }
    function setUnread(id, n) {
      var link = document.querySelector('.channel-link[data-channel="' + id + '"] .unread');
      if (link) { link.dataset.unread = n; link.textContent = n; link.hidden = n === 0; }
      groups();
      document.dispatchEvent(new CustomEvent("comms:unread"));
    }
    function bumpUnread(id, by) {
      var link = document.querySelector('.channel-link[data-channel="' + id + '"] .unread');
      if (link) setUnread(id, Math.max(0, (parseInt(link.dataset.unread || "0", 10) || 0) + by));
    }
    if (channelId) setUnread(channelId, 0);

    if (list) list.lastElementChild && list.lastElementChild.scrollIntoView({ block: "end" });
    markRead();
    document.addEventListener("visibilitychange", markRead);

    if (window.EventSource) {
      var state = document.getElementById("stream-state");
      var source = new EventSource("/api/v1/stream");
      source.addEventListener("hello", function () {
        if (state) { state.classList.add("on"); state.textContent = state.dataset.connectedText; }
      });
      source.onerror = function () {
        if (state) { state.classList.remove("on"); state.textContent = state.dataset.disconnectedText; }
      };
      source.addEventListener("comms.message", function (ev) {
        var data = JSON.parse(ev.data);
        if (data.channel === channelId) {
          if (!filtered) upsert(data.message);
          markRead();
        } else if (!data.message.author || data.message.author.id !== d.me) {
          bumpUnread(data.channel, 1);
        }
      });
      source.addEventListener("comms.message_changed", function (ev) {
        var data = JSON.parse(ev.data);
        if (data.channel === channelId && document.getElementById("m-" + data.message.id)) upsert(data.message);
      });
      source.addEventListener("comms.message_deleted", function (ev) {
        var data = JSON.parse(ev.data);
        var node = document.getElementById("m-" + data.message.id);
        if (node) node.remove();
      });
      source.addEventListener("comms.read", function (ev) {
        var data = JSON.parse(ev.data);
        if (data.user === d.me) setUnread(data.channel, 0);
      });
    }

    // Message actions.
    if (list) list.addEventListener("click", function (ev) {
      var btn = ev.target.closest("[data-act]");
      if (!btn) return;
      var li = btn.closest(".msg");
      var id = li.dataset.id;
      var act = btn.dataset.act;
      if (act === "reply") {
        document.getElementById("reply-to").value = id;
        var box = document.getElementById("replying");
        box.querySelector("span").textContent = li.querySelector(".msg-text").textContent.slice(0, 60);
        box.hidden = false;
        document.getElementById("composer-text").focus();
      } else if (act === "pin") {
        api("POST", "/api/v1/messages/" + id + "/pin", { pinned: !li.classList.contains("msg-pinned") }).then(upsert).catch(alertError);
      } else if (act === "edit") {
        var current = li.querySelector(".msg-text").textContent;
        var text = window.prompt(d.labelEdit, current);
        if (text && text !== current) api("PATCH", "/api/v1/messages/" + id, { text: text }).then(upsert).catch(alertError);
      } else if (act === "delete") {
        if (window.confirm(d.confirmDelete)) api("DELETE", "/api/v1/messages/" + id).then(function () { li.remove(); }).catch(alertError);
      }
    });
    function alertError(err) { window.alert(err.message); }

    // Composer: send with the API (Enter sends, Shift+Enter is a new line); the form still posts without script.
    var form = document.getElementById("composer");
    if (form) {
      var textarea = document.getElementById("composer-text");
      var cancel = document.getElementById("reply-cancel");
      if (cancel) cancel.addEventListener("click", function () {
        document.getElementById("reply-to").value = ""; document.getElementById("replying").hidden = true;
      });
      var picker = document.getElementById("mention-picker");
      if (picker) picker.addEventListener("change", function () {
        if (!picker.value) return;
        var at = textarea.selectionStart || textarea.value.length;
        var insert = "@" + picker.value + " ";
        textarea.value = textarea.value.slice(0, at) + insert + textarea.value.slice(at);
        textarea.focus();
        picker.value = "";
      });
      textarea.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
      });
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var text = textarea.value.trim();
        if (!text) return;
        var chosen = Array.prototype.map.call(form.querySelectorAll('input[name="tags"]:checked'), function (i) { return i.value; });
        var reply = document.getElementById("reply-to").value;
        var body = { text: text, tags: chosen };
        if (reply) body.reply_to = parseInt(reply, 10);
        api("POST", "/api/v1/channels/" + channelId + "/messages", body).then(function (m) {
          textarea.value = "";
          form.querySelectorAll('input[name="tags"]:checked').forEach(function (i) { i.checked = false; });
          document.getElementById("reply-to").value = ""; document.getElementById("replying").hidden = true;
          if (!filtered) upsert(m);
        }).catch(alertError);
      });
    }
  });
})();
