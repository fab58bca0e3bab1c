// The console's only script (no inline script: the pages' CSP forbids it). Live queue and timeline over
// server-sent events, ticking SLA clocks, and submit buttons that disable themselves once pressed.
(function () {
  "use strict";

  function clockText(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(seconds);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return sign + (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(r).padStart(2, "0");
  }

  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000);
      el.textContent = clockText(left);
      el.classList.toggle("overdue", left < 0);
    });
  }

  function liveQueue(body) {
    var pending = null;
    function reload() {
      // a selection for a bulk action is kept: the rows wait until it is sent or cleared
      if (pending || body.querySelector("input[type=checkbox]:checked")) { return; }
      pending = setTimeout(function () {
        pending = null;
        htmx.ajax("GET", body.getAttribute("data-rows"), { target: "#queue-rows", swap: "innerHTML" });
      }, 150);
    }
    var source = new EventSource(body.getAttribute("data-live"));
    source.addEventListener("queue", reload);
    source.addEventListener("open", function () { document.body.setAttribute("data-live", "open"); });
    setInterval(reload, 1000 * Number(body.getAttribute("data-refresh") || 15));
  }

  function liveTimeline(list) {
    var source = new EventSource(list.getAttribute("data-live") + "?after=" + list.getAttribute("data-after"));
    source.addEventListener("open", function () { document.body.setAttribute("data-live", "open"); });
    source.addEventListener("entry", function (event) {
      var holder = document.createElement("ol");
      holder.innerHTML = event.data;
      var item = holder.firstElementChild;
      if (item && !document.getElementById(item.id)) { list.appendChild(item); }
    });
    source.addEventListener("gone", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var queue = document.getElementById("queue-rows");
    if (queue && queue.hasAttribute("data-live")) { liveQueue(queue); }
    var timeline = document.getElementById("timeline");
    if (timeline) { liveTimeline(timeline); }
    var pending = document.getElementById("receipt-pending");
    if (pending) { setTimeout(function () { location.reload(); }, 1000 * Number(pending.getAttribute("data-reload"))); }
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      });
    });
    tick();
    setInterval(tick, 1000);
  });
})();
