// History page: cards of queued and running jobs follow their job on the owner's socket
// (docs/architecture.md, "Websocket events") and turn into the finished picture without a reload.
(function () {
  "use strict";
  var cards = {};
  document.querySelectorAll('.card[data-status="queued"], .card[data-status="running"]').forEach(function (c) {
    cards[c.getAttribute("data-id")] = c;
  });
  if (!Object.keys(cards).length || !window.WebSocket) return;
  var labels = JSON.parse(document.getElementById("status-labels").textContent);
  // Static file names carry a content hash (history.<hash>.js): find this script by itself, not by name.
  var api = document.currentScript.getAttribute("data-api");
  var socket = null;

  function setStatus(card, status) {
    card.setAttribute("data-status", status);
    var pill = card.querySelector(".status-pill");
    pill.textContent = labels[status] || status;
    pill.className = "status-pill " + status;
  }
  function setProgress(card, fraction) {
    var bar = card.querySelector(".card-progress");
    if (!bar) return;
    var pct = Math.round(Math.max(Number(bar.getAttribute("aria-valuenow")) / 100, fraction) * 100);
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.width = pct + "%";
  }
  function finish(id) {
    var card = cards[id];
    delete cards[id];
    var bar = card.querySelector(".card-progress");
    if (bar) bar.remove();
    if (!Object.keys(cards).length && socket) socket.close();
  }
  function showThumb(card, image) {
    if (!image || card.querySelector("img")) return;
    var pic = document.createElement("img");
    pic.src = image.thumb_url;
    pic.width = image.width;
    pic.height = image.height;
    pic.alt = card.querySelector(".meta span:nth-child(2)").textContent;
    card.insertBefore(pic, card.firstChild);
  }
  function handle(event) {
    var card = cards[event.id];
    if (!card) return;
    switch (event.type) {
      case "generation.started":
        setStatus(card, "running");
        break;
      case "generation.progress":
        setStatus(card, "running");
        setProgress(card, event.fraction);
        break;
      case "generation.succeeded":
        setStatus(card, "succeeded");
        showThumb(card, (event.images || [])[0]);
        finish(event.id);
        break;
      case "generation.failed":
      case "generation.canceled":
        setStatus(card, event.type.split(".")[1]);
        finish(event.id);
        break;
    }
  }
  function catchUp() {
    Object.keys(cards).forEach(function (id) {
      fetch(api + id + "/", {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          if (data.status === "running") handle({type: "generation.progress", id: id, fraction: data.progress || 0});
          else if (data.status === "succeeded" || data.status === "failed" || data.status === "canceled") {
            handle({type: "generation." + data.status, id: id, images: data.images});
          }
        })
        .catch(function () {});
    });
  }
  // On every (re)connect (static/js/jobsocket.js backs off with jitter) the cards catch up from
  // the API: a job may have moved on while the socket was down or before it first opened.
  socket = window.IPJobSocket({onEvent: handle, onOpen: catchUp});
})();
