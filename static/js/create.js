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

  // The job's prompt, model and size as query parameters (for "reuse seed" / "new seed").
  function settingsText() {
    var values = {}, settings = jobSettings();
    ["prompt", "model", "width", "height", "style", "negative_prompt"].forEach(function (name) {
      if (settings[name]) values[name] = settings[name];
    });
    return values;
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
  function button(text, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }
  function downloadLink(href, text, cls) {
    var a = document.createElement("a");
    a.className = cls;
    a.href = href;
    a.setAttribute("download", "");
    a.textContent = text;
    return a;
  }
  // The job's settings as the create form takes them (its API `settings`, or what was posted).
  function jobSettings() {
    return (job && job.settings) || requestPayload();
  }
  // Put a job's settings back into the form (seed too, unless `newSeed`).
  function useSettings(settings, newSeed) {
    Object.keys(schema).forEach(function (name) {
      var input = form.elements[name];
      if (!input || !(name in settings) || input.type === "hidden") return;
      input.value = settings[name] === null || settings[name] === undefined ? "" : settings[name];
    });
    if (newSeed) el("seed").value = "";
    var preset = form.querySelector('[data-size="' + el("width").value + "x" + el("height").value + '"]');
    pickSize(preset ? el("width").value + "x" + el("height").value : "custom");
    if (!newSeed && el("seed").value) form.querySelector("details.advanced").open = true;
  }
  function copyPrompt(b) {
    var text = (jobSettings().prompt || "");
    var done = function () { b.textContent = T.copied; setTimeout(function () { b.textContent = T.copy_prompt; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () {});
    else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* nothing to do */ }
      area.remove();
    }
  }
  // The job's own actions, above its pictures: iterate on it, copy its prompt, take all pictures.
  function showJobActions(images) {
    var bar = el("job-actions");
    bar.textContent = "";
    bar.appendChild(button(T.generate_again, "small", function () {
      var settings = jobSettings();
      useSettings(settings, true);
      submitJob(api, requestPayload());
    }));
    bar.appendChild(button(T.use_settings, "secondary small", function () {
      useSettings(jobSettings(), false);
      el("prompt").focus();
    }));
    var copy = button(T.copy_prompt, "secondary small", function () { copyPrompt(copy); });
    copy.setAttribute("data-copy-prompt", "");
    bar.appendChild(copy);
    if (images.length > 1) {
      var all = downloadLink(config.zip_url.replace(config.id_placeholder, job.id), T.download_all, "button small secondary");
      all.setAttribute("data-download-all", "");
      bar.appendChild(all);
    }
    bar.hidden = false;
  }
  function showImages(images) {
    var box = el("results");
    box.textContent = "";
    box.classList.toggle("single", images.length === 1);
    showJobActions(images);
    images.forEach(function (img, i) {
      var card = document.createElement("figure");
      card.className = "result";
      card.style.margin = "0";
      var a = document.createElement("a");
      a.href = img.url;
      a.setAttribute("data-lightbox", "");
      var pic = document.createElement("img");
      pic.src = img.url;
      pic.width = img.width;
      pic.height = img.height;
      pic.alt = images.length > 1 ? fmt(T.picture_n, {i: i + 1, n: images.length}) : (jobSettings().prompt || "");
      a.appendChild(pic);
      card.appendChild(a);
      var meta = document.createElement("figcaption");
      meta.className = "meta";
      var seed = document.createElement("span");
      seed.textContent = T.seed + " " + img.seed + " · " + img.width + "×" + img.height;
      meta.appendChild(seed);
      meta.appendChild(downloadLink(img.url + "?download=1", T.download, "button small secondary"));
      [["webp", T.as_webp], ["jpeg", T.as_jpeg]].forEach(function (f) {
        var link = downloadLink(img.url + "?download=1&format=" + f[0], f[1], "button small secondary");
        link.setAttribute("data-format", f[0]);
        meta.appendChild(link);
      });
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
      var studio = document.createElement("div");
      studio.className = "meta studio-actions";
      var label = document.createElement("span");
      label.className = "muted";
      label.textContent = T.vary;
      studio.appendChild(label);
      ["subtle", "strong"].forEach(function (strength) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "secondary small";
        b.setAttribute("data-vary", strength);
        b.textContent = T[strength];
        b.addEventListener("click", function () {
          submitJob(config.variations_api.replace(config.placeholder, img.id), {strength: strength, n: 4});
        });
        studio.appendChild(b);
      });
      // A studio job's pictures were drawn from moved noises: their seed alone does not make
      // them again, so they offer a new seed only.
      var pairs = job && job.studio ? [["new_seed", false]] : [["same_seed", true], ["new_seed", false]];
      pairs.forEach(function (pair) {
        var link = document.createElement("a");
        link.className = "button secondary small";
        link.setAttribute("data-" + pair[0].replace("_", "-"), "");
        var params = new URLSearchParams(settingsText());
        params.delete("seed");
        if (pair[1]) params.set("seed", img.seed);
        link.href = "?" + params.toString();
        link.textContent = pair[1] ? T.reuse_seed : T[pair[0]];
        studio.appendChild(link);
      });
      card.appendChild(meta);
      card.appendChild(studio);
      box.appendChild(card);
    });
  }
  // One placeholder per picture, at the job's aspect ratio, filled by each `generation.image`
  // event's preview until `generation.succeeded` brings the pictures themselves.
  function showPlaceholders(n, width, height) {
    var box = el("job-placeholders");
    if (box.childElementCount || !n) return;
    box.classList.toggle("single", n === 1);
    for (var i = 0; i < n; i++) {
      var slot = document.createElement("figure");
      slot.className = "result placeholder";
      slot.setAttribute("data-slot", String(i));
      var frame = document.createElement("div");
      frame.className = "placeholder-frame";
      frame.style.aspectRatio = width + " / " + height;
      var cap = document.createElement("figcaption");
      cap.className = "meta muted";
      cap.textContent = fmt(T.picture_n, {i: i + 1, n: n});
      slot.appendChild(frame);
      slot.appendChild(cap);
      box.appendChild(slot);
    }
    box.hidden = false;
  }
  function fillPlaceholder(event) {
    showPlaceholders(event.count, event.width, event.height);
    var slot = el("job-placeholders").querySelector('[data-slot="' + event.index + '"]');
    if (!slot || slot.classList.contains("filled")) return;
    var pic = document.createElement("img");
    pic.src = event.preview;
    pic.alt = "";
    slot.firstElementChild.appendChild(pic);
    slot.classList.add("filled");
    slot.lastElementChild.textContent = fmt(T.picture_ready, {i: event.index + 1, n: event.count});
  }
  function clearPlaceholders() {
    var box = el("job-placeholders");
    box.textContent = "";
    box.hidden = true;
  }
  function finish() {
    el("generate").disabled = false;
    clearPlaceholders();
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function handle(event) {
    if (!job || event.id !== job.id) return;
    if (job.status && ["succeeded", "failed", "canceled"].indexOf(job.status) >= 0) return;
    switch (event.type) {
      case "generation.queued":
        setStatus("queued", window.IPJobs.queueText(event.position, event.queue_length));
        break;
      case "generation.started":
        setStatus("running", T.encoding);
        break;
      case "generation.progress":
        // While saving, the per-picture line ("Picture 2 of 4 ready") says more than the stage.
        if (event.stage !== "saving" || !job.pictures) setStatus("running", T[event.stage] || event.stage);
        setProgress(event.fraction);
        break;
      case "generation.image":
        job.pictures = event.index + 1;
        setStatus("running", fmt(T.picture_ready, {i: event.index + 1, n: event.count}));
        fillPlaceholder(event);
        break;
      case "generation.succeeded":
        setProgress(1);
        setStatus("succeeded", "");
        showImages(event.images);
        finish();
        showAnimation(event.id);
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

  // An interpolation's animated WebP and a link to the job's page (lineage, strip).
  function showAnimation(id) {
    fetchJob(id, function (data) {
      if (!data.animation_url) return;
      var fig = document.createElement("figure");
      fig.className = "result";
      fig.style.margin = "0";
      var pic = document.createElement("img");
      pic.src = data.animation_url;
      pic.alt = T.animation;
      pic.setAttribute("data-animation", "");
      var cap = document.createElement("figcaption");
      cap.className = "meta";
      var link = document.createElement("a");
      link.className = "button small secondary";
      link.href = data.url;
      link.textContent = T.details;
      cap.appendChild(link);
      fig.appendChild(pic);
      fig.appendChild(cap);
      el("results").insertBefore(fig, el("results").firstChild);
    });
  }

  // The worker words its reason in its own language; the API words it in the reader's.
  function rewordFailure(id) {
    fetchJob(id, function (data) {
      if (data.status === "failed" && data.error) setStatus("failed", data.error);
    });
  }

  // --- the shared job socket (static/js/joblist.js), with polling as the fallback --------
  // On every (re)connect (and on a return through the back/forward cache) the job is read from
  // the API: events sent while the socket was down are lost, the row is not.
  var sock = window.IPJobs;
  sock.listen(handle);
  sock.onOpen(function () { if (job) poll(); });

  function poll() {
    if (!job) return;
    fetchJob(job.id, function (data) {
      job.settings = data.settings;
      if (data.status === "queued" || data.status === "running") showPlaceholders(data.n, data.width, data.height);
      sock.eventsOf(data).forEach(handle);
    });
  }

  // Follow a job this page did not submit (the studio's buttons on other pages send the browser
  // here with ?follow=<id>): same panel, same socket, same polling.
  function follow(id, status, position) {
    job = {id: id, status: status};
    lastFraction = 0;
    el("job-empty").hidden = true;
    el("job").hidden = false;
    el("results").textContent = "";
    el("job-actions").hidden = true;
    clearPlaceholders();
    setProgress(0);
    setStatus(status, sock.queueText(position, null));
    if (!subscribed) { subscribed = true; sock.reconnect(); }
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = setInterval(poll, sock.isOpen() ? 2000 : 700);
    // On a phone the job panel sits below the form: bring it into view.
    if (window.matchMedia("(max-width: 959px)").matches) el("job").scrollIntoView({behavior: "smooth", block: "start"});
  }

  // POST a job (the create form, or a variation of a result) and follow it.
  function submitJob(url, payload) {
    clearErrors();
    el("generate").disabled = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, data: data, retry: r.headers.get("Retry-After")}; });
    }).then(function (res) {
      if (res.status === 201) {
        follow(res.data.id, "queued", res.data.position);
        job.studio = url !== api || Boolean(payload.frames);
        if (url === api) {
          job.settings = payload;
          showPlaceholders(payload.frames || payload.n || 1, payload.width, payload.height);
        }
        sock.track(res.data.id);
        return;
      }
      el("generate").disabled = false;
      if (res.status === 429) showErrors({detail: (res.data.detail || "") + " " + fmt(T.slow, {s: res.retry || "?"})});
      else showErrors(res.data);
    }).catch(function () {
      el("generate").disabled = false;
      showErrors({detail: T.network});
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!el("generate").disabled) submitJob(api, requestPayload());
  });
  // Ctrl+Enter (⌘+Enter on a Mac) sends the form from any of its fields.
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", {cancelable: true}));
    }
  });
  if (config.follow && /^[0-9a-f-]{36}$/.test(config.follow)) {
    follow(config.follow, "queued", null);
    job.studio = true;  // the studio's buttons on other pages send the browser here
    poll();
  } else if (config.resume) {
    // A job was still running when this page (re)loaded: its panel comes back and follows it.
    follow(config.resume.id, config.resume.status, null);
    showPlaceholders(config.resume.n, config.resume.width, config.resume.height);
    poll();
  }

  el("job-cancel").addEventListener("click", function () {
    if (!job) return;
    fetch(api + job.id + "/cancel/", {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.status === "canceled") handle({type: "generation.canceled", id: job.id}); })
      .catch(function () {});
  });
})();
