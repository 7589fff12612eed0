// The create page: submit a job through the REST API, follow it over the websocket (with a
// polling fallback), draw the progress bar and the results.
(function () {
  "use strict";
  var form = document.getElementById("create-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("i18n-create").textContent);
  var prefill = JSON.parse(document.getElementById("prefill").textContent || "{}");
  // The request schema (generation/schema.py): every field the API takes, its kind and default;
  // and the links other apps offer beside each picture (generation/hooks.py).
  var config = JSON.parse(document.getElementById("create-config").textContent);
  var schema = config.schema;
  var api = form.getAttribute("data-api");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var el = function (id) { return document.getElementById(id); };
  var job = null;        // {id, status}
  // A first visit without cookies has no session yet (none is stored for a cookieless page
  // view), so the socket opened with the page belongs to no one: the first job creates the
  // session, and the socket is opened again to join it.
  var subscribed = config.subscribed;
  var pollTimer = null;
  var lastFraction = 0;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

  // --- form helpers --------------------------------------------------------------------
  var chips = form.querySelectorAll("[data-size]");
  function pickSize(value) {
    chips.forEach(function (c) { c.setAttribute("aria-pressed", c.getAttribute("data-size") === value ? "true" : "false"); });
    var custom = value === "custom";
    form.querySelector("[data-custom-size]").hidden = !custom;
    if (!custom) {
      var wh = value.split("x");
      el("width").value = wh[0];
      el("height").value = wh[1];
    }
  }
  chips.forEach(function (c) { c.addEventListener("click", function () { pickSize(c.getAttribute("data-size")); }); });

  function showUntrained() {
    var opt = el("model").selectedOptions[0];
    form.querySelector("[data-untrained-notice]").hidden = !(opt && opt.getAttribute("data-trained") === "0");
  }
  el("model").addEventListener("change", showUntrained);
  showUntrained();

  Object.keys(prefill).forEach(function (key) {
    var input = form.elements[key];
    if (input) input.value = prefill[key];
  });
  if (prefill.width || prefill.height) {
    var width = prefill.width || schema.width.default;
    var height = prefill.height || schema.height.default;
    var preset = form.querySelector('[data-size="' + width + "x" + height + '"]');
    pickSize(preset ? width + "x" + height : "custom");
    el("width").value = width;
    el("height").value = height;
  }
  if (prefill.seed || prefill.negative_prompt) form.querySelector("details.advanced").open = true;
  if (prefill.poem) form.querySelector("[data-poem-notice]").hidden = false;

  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (p) { p.textContent = ""; });
  }
  function showErrors(errors) {
    Object.keys(errors).forEach(function (field) {
      var target = form.querySelector('[data-error-for="' + field + '"]') || form.querySelector('[data-error-for="detail"]');
      var value = errors[field];
      target.textContent = Array.isArray(value) ? value.join(" ") : String(value);
    });
  }

  // The request as the API takes it: each schema field that has an input on the form, read by
  // its kind. An empty optional field (seed: random; remix_of) is left out; an empty required
  // number goes as null, so the API names the field.
  function requestPayload() {
    var payload = {};
    Object.keys(schema).forEach(function (name) {
      var input = form.elements[name];
      if (!input) return;
      var spec = schema[name];
      var raw = input.value;
      if (spec.kind === "int" || spec.kind === "float") {
        if (raw === "") {
          if (!spec.nullable) payload[name] = null;
          return;
        }
        payload[name] = spec.kind === "int" ? Number(raw) : parseFloat(raw);
      } else {
        payload[name] = raw;
      }
    });
    return payload;
  }

  // --- job panel -----------------------------------------------------------------------
  function setProgress(fraction) {
    lastFraction = Math.max(lastFraction, fraction);
    var pct = Math.round(lastFraction * 100);
    var bar = el("job-progress");
    bar.setAttribute("aria-valuenow", String(pct));
    bar.firstElementChild.style.width = pct + "%";
  }
  function setStatus(status, detail) {
    var pill = el("job-status");
    pill.textContent = T[status] || status;
    pill.className = "status-pill " + status;
    if (detail !== undefined) el("job-detail").textContent = detail;
    el("job-cancel").hidden = !(status === "queued" || status === "running");
    if (job) job.status = status;
  }
  function showImages(images) {
    var box = el("results");
    box.textContent = "";
    box.classList.toggle("single", images.length === 1);
    images.forEach(function (img) {
      var card = document.createElement("figure");
      card.className = "result";
      card.style.margin = "0";
      var a = document.createElement("a");
      a.href = img.url;
      a.target = "_blank";
      a.rel = "noopener";
      var pic = document.createElement("img");
      pic.src = img.url;
      pic.width = img.width;
      pic.height = img.height;
      pic.alt = el("prompt").value;
      a.appendChild(pic);
      card.appendChild(a);
      var meta = document.createElement("figcaption");
      meta.className = "meta";
      var seed = document.createElement("span");
      seed.textContent = T.seed + " " + img.seed + " · " + img.width + "×" + img.height;
      var dl = document.createElement("a");
      dl.className = "button small secondary";
      dl.href = img.url + "?download=1";
      dl.setAttribute("download", "");
      dl.textContent = T.download;
      meta.appendChild(seed);
      meta.appendChild(dl);
      if (form.elements.poem && form.elements.poem.value.trim()) {  // drawn from a poem (studio)
        var poemCard = document.createElement("a");
        poemCard.className = "button small";
        poemCard.href = config.poem_card_url.replace(config.id_placeholder, img.id) + "?download=1";
        poemCard.setAttribute("download", "");
        poemCard.textContent = T.poem_card;
        meta.appendChild(poemCard);
      }
      config.image_actions.forEach(function (action) {
        var link = document.createElement("a");
        link.className = "button small";
        link.href = action.url.replace(action.placeholder, img.id);
        link.textContent = action.label;
        meta.appendChild(link);
      });
      card.appendChild(meta);
      box.appendChild(card);
    });
  }
  function finish() {
    el("generate").disabled = false;
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function handle(event) {
    if (!job || event.id !== job.id) return;
    if (job.status && ["succeeded", "failed", "canceled"].indexOf(job.status) >= 0) return;
    switch (event.type) {
      case "generation.queued":
        setStatus("queued", fmt(T.position, {p: event.position, n: event.queue_length}));
        break;
      case "generation.started":
        setStatus("running", T.encoding);
        break;
      case "generation.progress":
        setStatus("running", T[event.stage] || event.stage);
        setProgress(event.fraction);
        break;
      case "generation.succeeded":
        setProgress(1);
        setStatus("succeeded", "");
        showImages(event.images);
        finish();
        break;
      case "generation.failed":
        setStatus("failed", event.error);
        finish();
        if (event.code) rewordFailure(event.id);
        break;
      case "generation.canceled":
        setStatus("canceled", "");
        finish();
        break;
    }
  }

  // The current job as the API shows it, to `then(data)` when it is still the page's job.
  function fetchJob(id, then) {
    fetch(api + id + "/", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && job && data.id === job.id) then(data); })
      .catch(function () {});
  }

  // The worker words its reason in its own language; the API words it in the reader's.
  function rewordFailure(id) {
    fetchJob(id, function (data) {
      if (data.status === "failed" && data.error) setStatus("failed", data.error);
    });
  }

  // --- websocket (static/js/jobsocket.js), with polling as the fallback ------------------
  // On every (re)connect the job is read from the API: events sent while the socket was down
  // are lost, the row is not.
  var sock = window.IPJobSocket({onEvent: handle, onOpen: function () { if (job) poll(); }});

  function poll() {
    if (!job) return;
    fetchJob(job.id, function (data) {
      if (data.status === "queued" && data.position) handle({type: "generation.queued", id: data.id, position: data.position, queue_length: data.position});
      else if (data.status === "running") handle({type: "generation.progress", id: data.id, stage: data.stage || "encoding", fraction: data.progress});
      else if (data.status === "succeeded") handle({type: "generation.succeeded", id: data.id, images: data.images});
      else if (data.status === "failed") handle({type: "generation.failed", id: data.id, error: data.error});
      else if (data.status === "canceled") handle({type: "generation.canceled", id: data.id});
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var payload = requestPayload();
    el("generate").disabled = true;
    fetch(api, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, data: data, retry: r.headers.get("Retry-After")}; });
    }).then(function (res) {
      if (res.status === 201) {
        job = {id: res.data.id, status: res.data.status};
        lastFraction = 0;
        el("job-empty").hidden = true;
        el("job").hidden = false;
        el("results").textContent = "";
        setProgress(0);
        setStatus("queued", res.data.position ? fmt(T.position, {p: res.data.position, n: res.data.position}) : "");
        if (!subscribed) { subscribed = true; sock.reconnect(); }
        if (pollTimer) clearInterval(pollTimer);
        pollTimer = setInterval(poll, sock.isOpen() ? 2000 : 700);
        // On a phone the job panel sits below the form: bring it into view.
        if (window.matchMedia("(max-width: 959px)").matches) el("job").scrollIntoView({behavior: "smooth", block: "start"});
        return;
      }
      el("generate").disabled = false;
      if (res.status === 429) showErrors({detail: (res.data.detail || "") + " " + fmt(T.slow, {s: res.retry || "?"})});
      else showErrors(res.data);
    }).catch(function () {
      el("generate").disabled = false;
      showErrors({detail: T.network});
    });
  });

  el("job-cancel").addEventListener("click", function () {
    if (!job) return;
    fetch(api + job.id + "/cancel/", {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.status === "canceled") handle({type: "generation.canceled", id: job.id}); })
      .catch(function () {});
  });
})();
