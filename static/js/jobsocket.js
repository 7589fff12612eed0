// The owner's job socket (docs/architecture.md, "Websocket events"), shared by every page that
// follows jobs. It reconnects after a drop with exponential backoff plus random jitter, so that
// after a server restart the browsers do not all come back in the same second, and calls
// `onOpen` on every (re)connect: events sent while the socket was down are gone, so the page
// catches up from the API then.
//
// An open socket keeps a page out of the back/forward cache, so the socket closes on `pagehide`
// and opens again on `pageshow` when the page comes back from that cache (calling `onOpen`, so
// the page catches up on what happened while it was away).
(function () {
  "use strict";
  var BASE_MS = 1000, MAX_MS = 30000;

  // A `generation.queued` event carries every changed job of this owner in `jobs`; `id` and
  // `position` repeat the first for clients that follow one job.
  function expand(event) {
    if (event.type !== "generation.queued" || !event.jobs) return [event];
    return event.jobs.map(function (j) {
      return {type: event.type, id: j.id, position: j.position, queue_length: event.queue_length, ts: event.ts};
    });
  }

  window.IPJobSocket = function (options) {
    var socket = null, failures = 0, timer = null, stopped = false;
    function schedule() {
      if (stopped || timer) return;
      var ceiling = Math.min(MAX_MS, BASE_MS * Math.pow(2, failures));
      failures += 1;
      timer = setTimeout(function () { timer = null; open(); }, ceiling / 2 + Math.random() * ceiling / 2);
    }
    function open() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/ws/generations/");
      socket.onopen = function () {
        failures = 0;
        if (options.onOpen) options.onOpen();
      };
      socket.onmessage = function (msg) {
        var event;
        try { event = JSON.parse(msg.data); } catch (e) { return; }
        expand(event).forEach(options.onEvent);
      };
      socket.onclose = function () { socket = null; schedule(); };
    }
    open();
    window.addEventListener("pagehide", function () {
      if (timer) { clearTimeout(timer); timer = null; }
      if (socket) { socket.onclose = null; socket.close(); socket = null; }
    });
    window.addEventListener("pageshow", function (e) {
      if (e.persisted && !stopped && !socket) { failures = 0; open(); }
    });
    return {
      isOpen: function () { return !!socket && socket.readyState === 1; },
      // Open a fresh socket now (e.g. the session that owns the jobs has just been created).
      reconnect: function () {
        if (socket) { socket.onclose = null; socket.close(); socket = null; }
        if (timer) { clearTimeout(timer); timer = null; }
        failures = 0;
        open();
      },
      close: function () {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (socket) { socket.onclose = null; socket.close(); socket = null; }
      }
    };
  };
})();
