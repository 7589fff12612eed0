// Live job cards, shared by every page where a job appears (the create page's "Recent", the
// history page, a generation's own page). One owner socket (static/js/jobsocket.js) feeds them:
// an element with `data-job` (and `data-id`, `data-status`) follows its job — status pill,
// progress bar, thumbnail — and a list with `data-job-list` takes a card for each new job of
// this owner, from this tab or any other. On every (re)connect, including a return through the
// back/forward cache, the cards catch up from the API: the row is the truth, events are a bonus.
//
// Pages that follow one job more closely (the create page's panel) listen through
// `IPJobs.listen(fn)`; `IPJobs.track(id)` adds a job this page has just submitted.
(function () {
  "use strict";
  var configEl = document.getElementById("job-list-config");
  if (!configEl || !window.IPJobSocket) return;
  var C = JSON.parse(configEl.textContent);
  var TERMINAL = ["succeeded", "failed", "canceled"];
  var listeners = [], openers = [];
  var cards = {};  // job id -> [elements]

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }
  // "Next in line" for the first place; the length only when an event told it.
  function queueText(position, length) {
    if (!position) return "";
    if (position === 1) return C.next_in_line;
    return length ? fmt(C.position_of, {p: position, n: Math.max(length, position)}) : fmt(C.position, {p: position});
  }

  function register(card) {
    var id = card.getAttribute("data-id");
    if (!id) return;
    (cards[id] = cards[id] || []).push(card);
  }
  document.querySelectorAll("[data-job]").forEach(register);

  function isActive(id) {
    return (cards[id] || []).some(function (c) { return TERMINAL.indexOf(c.getAttribute("data-status")) < 0; });
  }

  function setStatus(card, status, detail) {
    card.setAttribute("data-status", status);
    var pill = card.querySelector(".status-pill");
    if (pill) {
      pill.textContent = C.labels[status] || status;
      pill.className = "status-pill " + status;
    }
    var note = card.querySelector("[data-job-note]");
    if (note && detail !== undefined) note.textContent = detail;
  }
  function setProgress(card, fraction) {
    var bar = card.querySelector(".card-progress");
    if (!bar) return;
    var pct = Math.round(Math.max(Number(bar.getAttribute("aria-valuenow")) / 100, fraction || 0) * 100);
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.width = pct + "%";
  }
  // A card's thumbnail (the card's own text names the prompt) and its button to the lightbox.
  function showThumb(card, image) {
    var link = card.querySelector(".card-link");
    if (!image || !link || card.querySelector("img")) return;
    var pic = document.createElement("img");
    pic.src = image.thumb_url;
    pic.width = image.width;
    pic.height = image.height;
    pic.alt = "";
    link.insertBefore(pic, link.firstChild);
    var zoom = document.createElement("a");
    zoom.className = "post-card-zoom";
    zoom.href = image.url;
    zoom.setAttribute("data-lightbox", "");
    var prompt = card.querySelector(".card-prompt");
    zoom.setAttribute("aria-label", C.view_larger + (prompt ? ": " + prompt.textContent : ""));
    var icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "⤢";
    zoom.appendChild(icon);
    card.appendChild(zoom);
  }
  function finish(card) {
    var bar = card.querySelector(".card-progress");
    if (bar) bar.remove();
    if (card.hasAttribute("data-job-reload")) reloadPart(card);
  }

  // A generation's own page renders its finished pictures (with their actions) on the server:
  // fetch the page again and swap in the parts that changed, without leaving it.
  function reloadPart(card) {
    fetch(location.href, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-job-part]").forEach(function (part) {
          var name = part.getAttribute("data-job-part");
          var replacement = fresh.querySelector('[data-job-part="' + name + '"]');
          if (replacement) part.replaceWith(document.importNode(replacement, true));
        });
        document.dispatchEvent(new CustomEvent("ip:content"));
      })
      .catch(function () {});
  }

  function apply(event) {
    (cards[event.id] || []).forEach(function (card) {
      if (TERMINAL.indexOf(card.getAttribute("data-status")) >= 0) return;
      switch (event.type) {
        case "generation.queued":
          setStatus(card, "queued", queueText(event.position, event.queue_length));
          break;
        case "generation.started":
          setStatus(card, "running", C.stages.encoding);
          break;
        case "generation.progress":
          setStatus(card, "running", C.stages[event.stage] || "");
          setProgress(card, event.fraction);
          break;
        case "generation.image":
          setStatus(card, "running", fmt(C.picture_ready, {i: event.index + 1, n: event.count}));
          break;
        case "generation.succeeded":
          setStatus(card, "succeeded", "");
          showThumb(card, (event.images || [])[0]);
          finish(card);
          break;
        case "generation.failed":
        case "generation.canceled":
          setStatus(card, event.type.split(".")[1], event.error || "");
          finish(card);
          break;
      }
    });
  }

  // A new card, drawn like the server's (templates/generation/_job_card.html).
  function newCard(data) {
    var card = document.createElement("article");
    card.className = "card job-card";
    var link = document.createElement("a");
    link.className = "card-link";
    link.href = data.url;
    card.appendChild(link);
    card.setAttribute("data-job", "");
    card.setAttribute("data-id", data.id);
    card.setAttribute("data-status", data.status);
    var bar = document.createElement("span");
    bar.className = "progress card-progress";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", C.progress);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    bar.appendChild(document.createElement("span"));
    var meta = document.createElement("span");
    meta.className = "meta";
    var pill = document.createElement("span");
    pill.className = "status-pill " + data.status;
    pill.textContent = C.labels[data.status] || data.status;
    var prompt = document.createElement("span");
    prompt.className = "card-prompt";
    prompt.textContent = data.prompt.length > 60 ? data.prompt.slice(0, 59) + "…" : data.prompt;
    var note = document.createElement("span");
    note.className = "muted";
    note.setAttribute("data-job-note", "");
    meta.appendChild(pill);
    meta.appendChild(prompt);
    meta.appendChild(note);
    link.appendChild(bar);
    link.appendChild(meta);
    return card;
  }
  function addCard(data) {
    if (cards[data.id]) return;
    var lists = document.querySelectorAll("[data-job-list]");
    if (!lists.length) return;
    cards[data.id] = [];
    lists.forEach(function (list) {
      var card = newCard(data);
      list.insertBefore(card, list.firstChild);
      list.hidden = false;
      var limit = Number(list.getAttribute("data-job-list")) || 0;
      var shown = list.querySelectorAll("[data-job]");
      if (limit && shown.length > limit) shown[shown.length - 1].remove();
      document.querySelectorAll("[data-job-list-empty]").forEach(function (e) { e.hidden = true; });
      document.querySelectorAll("[data-job-list-title]").forEach(function (e) { e.hidden = false; });
      cards[data.id].push(card);
    });
    eventsOf(data).forEach(apply);
  }

  function fetchJob(id) {
    return fetch(C.api + id + "/", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }
  // The events that bring a card to the state the API shows.
  function eventsOf(data) {
    var id = data.id;
    if (data.status === "queued") return [{type: "generation.queued", id: id, position: data.position}];
    if (data.status === "running") return [{type: "generation.progress", id: id, stage: data.stage || "encoding", fraction: data.progress || 0}];
    if (data.status === "succeeded") return [{type: "generation.succeeded", id: id, images: data.images}];
    if (data.status === "failed") return [{type: "generation.failed", id: id, error: data.error}];
    if (data.status === "canceled") return [{type: "generation.canceled", id: id}];
    return [];
  }
  function handle(event) {
    apply(event);
    if (event.type === "generation.queued" && !cards[event.id] && document.querySelector("[data-job-list]")) {
      fetchJob(event.id).then(function (data) { if (data) addCard(data); });
    }
    listeners.forEach(function (fn) { fn(event); });
  }
  // After a (re)connect: unfinished cards read their job; lists take jobs made meanwhile.
  function catchUp() {
    Object.keys(cards).forEach(function (id) {
      if (!isActive(id)) return;
      fetchJob(id).then(function (data) { if (data) eventsOf(data).forEach(handle); });
    });
    if (document.querySelector("[data-job-list]")) {
      fetch(C.api, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (page) {
          if (!page) return;
          page.results.slice(0, 6).reverse().forEach(function (data) { if (!cards[data.id]) addCard(data); });
        })
        .catch(function () {});
    }
    openers.forEach(function (fn) { fn(); });
  }

  var socket = window.IPJobSocket({onEvent: handle, onOpen: catchUp});
  window.IPJobs = {
    listen: function (fn) { listeners.push(fn); },
    onOpen: function (fn) { openers.push(fn); },
    isOpen: function () { return socket.isOpen(); },
    reconnect: function () { socket.reconnect(); },
    track: function (id) { fetchJob(id).then(function (data) { if (data) addCard(data); }); },
    fetchJob: fetchJob,
    eventsOf: eventsOf,
    queueText: queueText
  };
})();
