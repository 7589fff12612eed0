// Live notification count in the header: the owner's socket (jobsocket.js) carries
// `notification.new` events (docs/architecture.md, "Websocket events") with the unread count.
(function () {
  "use strict";
  var badge = document.querySelector("[data-unread]");
  if (!badge || !window.IPJobSocket) return;
  window.IPJobSocket({
    onEvent: function (event) {
      if (event.type !== "notification.new") return;
      badge.textContent = String(event.unread);
      badge.hidden = !event.unread;
      var link = document.querySelector("[data-notifications]");
      if (link && event.text) link.title = event.text;
    }
  });
})();
