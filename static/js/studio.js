// The studio and the model cards: build prompts from what a model knows through the studio API
// (/api/v1/models/<name>/…), show the words a model does not know, and hand the prompt to the
// create page (which follows the job as for any prompt).
(function () {
  "use strict";
  var csrfInput = document.querySelector("[name=csrfmiddlewaretoken]");
  function csrf() {
    if (csrfInput) return csrfInput.value;
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  var S = {};
  var stringsEl = document.getElementById("studio-strings");
  if (stringsEl) S = JSON.parse(stringsEl.textContent);
  function t(key, fallback) { return S[key] || fallback; }
  function el(id) { return document.getElementById(id); }

  function api(name, action, body, method) {
    var parts = action.split("?");
    var url = "/api/v1/models/" + encodeURIComponent(name) + "/" + parts[0] + "/" + (parts[1] ? "?" + parts[1] : "");
    var opts = {method: method || "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf()}};
    if (body !== undefined && (method || "POST") === "POST") {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return {ok: r.ok, status: r.status, data: data}; });
    });
  }
  // A control that asks the server on every change keeps only its latest answer: an earlier
  // request's answer that arrives after a newer one's is stale, and its handlers never run.
  function latestOnly() {
    var asked = 0;
    return function (promise) {
      var mine = ++asked;
      return new Promise(function (resolve, reject) {
        promise.then(function (v) { if (mine === asked) resolve(v); }, function (e) { if (mine === asked) reject(e); });
      });
    };
  }
  function firstError(data) {
    var keys = Object.keys(data || {});
    for (var i = 0; i < keys.length; i++) {
      var v = data[keys[i]];
      if (keys[i] === "code") continue;
      return {field: keys[i], message: Array.isArray(v) ? v.join(" ") : String(v)};
    }
    return {field: "detail", message: t("network", "Something went wrong. Try again.")};
  }
  function createUrl(params) {
    var holder = document.querySelector("[data-create]");
    var base = holder ? holder.getAttribute("data-create") : "/";
    var q = Object.keys(params).filter(function (k) { return params[k]; }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
    return (base || "/") + "?" + q;
  }
  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  // Unknown-word help under a prompt box: the check API's message, the unknown words marked.
  function attachCheck(textarea, output, modelName) {
    var run = debounce(function () {
      var text = textarea.value;
      if (!text.trim()) { output.textContent = ""; output.className = "check"; return; }
      api(modelName(), "check", {prompt: text}).then(function (res) {
        output.textContent = "";
        if (!res.ok) {
          output.className = "check bad";
          output.textContent = firstError(res.data).message;
          return;
        }
        var d = res.data;
        var warn = d.unknown.length || (d.untaught || []).length;
        output.className = "check" + (d.only_unknown ? " bad" : warn ? " warn" : " good");
        output.appendChild(document.createTextNode(d.message + " "));
        d.unknown.forEach(function (w) {
          var mark = document.createElement("mark");
          mark.className = "unknown-word";
          mark.textContent = w;
          output.appendChild(mark);
          output.appendChild(document.createTextNode(" "));
        });
      });
    }, 350);
    textarea.addEventListener("input", run);
    return run;
  }

  // --- model card: the prompt builder -------------------------------------------------------
  var cardConfig = el("model-card-config");
  if (cardConfig) {
    var config = JSON.parse(cardConfig.textContent);
    var prompt = el("builder-prompt");
    var check = attachCheck(prompt, el("builder-check"), function () { return config.name; });
    var use = el("builder-use");
    var createBase = use.getAttribute("href");
    function refreshUse() {
      use.setAttribute("href", createBase + "?" + "model=" + encodeURIComponent(config.name) + "&prompt=" + encodeURIComponent(prompt.value));
    }
    prompt.addEventListener("input", refreshUse);
    document.querySelectorAll("[data-word]").forEach(function (chip) {
      chip.addEventListener("click", function () {
        var word = chip.getAttribute("data-word");
        var zh = /[\u3400-\u9fff]/.test(word);
        var sep = prompt.value.trim() ? (zh ? "，" : ", ") : "";
        prompt.value = prompt.value.trim() + sep + word;
        refreshUse();
        check();
      });
    });
    el("builder-clear").addEventListener("click", function () { prompt.value = ""; refreshUse(); check(); });
    refreshUse();
  }

  // --- studio ---------------------------------------------------------------------------------
  var studioConfig = el("studio-config");
  if (!studioConfig) return;
  var cfg = JSON.parse(studioConfig.textContent);
  var byName = {};
  cfg.models.forEach(function (m) { byName[m.name] = m; });
  function showError(section, field, message) {
    section.querySelectorAll("[data-error-for]").forEach(function (p) { p.textContent = ""; });
    if (!message) return;
    var target = section.querySelector('[data-error-for="' + field + '"]') || section.querySelector("[data-error-for]");
    target.textContent = message;
  }

  // Poem mode
  var poemSection = el("poem-mode");
  var poemModel = el("poem-model");
  var poemPrompt = el("poem-prompt");
  attachCheck(poemPrompt, poemSection.querySelector('[data-check-for="poem-prompt"]'), function () { return poemModel.value; });
  function poemDrawUrl() {
    el("poem-draw").setAttribute("href", createUrl({model: poemModel.value, prompt: poemPrompt.value, poem: el("poem-text").value.trim()}));
  }
  poemPrompt.addEventListener("input", poemDrawUrl);
  var poemAsk = latestOnly();  // reading a poem and composing its terms write one prompt
  // The interpretation, editable: one select per group of the model's grammar; a change composes
  // the prompt again in the model's own words (compose API).
  function drawTerms(selection, lang) {
    var box = el("poem-terms");
    box.textContent = "";
    var m = byName[poemModel.value];
    (m ? m.groups : []).forEach(function (g) {
      var label = document.createElement("label");
      label.className = "term-edit";
      label.appendChild(document.createTextNode(g.label + " "));
      var select = document.createElement("select");
      select.setAttribute("data-group", g.name);
      g.terms.forEach(function (term) {
        var opt = document.createElement("option");
        opt.value = term.id;
        opt.textContent = term.word;
        select.appendChild(opt);
      });
      if (selection[g.name] !== undefined) select.value = selection[g.name];
      else select.value = g.terms[0].id;
      select.addEventListener("change", function () {
        var chosen = {};
        box.querySelectorAll("select[data-group]").forEach(function (s) { chosen[s.getAttribute("data-group")] = s.value; });
        poemAsk(api(poemModel.value, "compose", {selection: chosen, lang: lang})).then(function (res) {
          if (res.ok) { poemPrompt.value = res.data.prompt; poemDrawUrl(); }
        });
      });
      label.appendChild(select);
      box.appendChild(label);
    });
  }
  el("poem-read").addEventListener("click", function () {
    if (!poemModel.value) { showError(poemSection, "poem", t("no_landscape", "No landscape model is installed.")); return; }
    poemAsk(api(poemModel.value, "poem", {poem: el("poem-text").value})).then(function (res) {
      if (!res.ok) {
        var e = firstError(res.data);
        showError(poemSection, e.field, e.message);
        el("poem-result").hidden = true;
        return;
      }
      showError(poemSection, "", "");
      var list = el("poem-images");
      list.textContent = "";
      res.data.images.forEach(function (img) {
        var li = document.createElement("li");
        var b = document.createElement("strong");
        b.textContent = img.text;
        li.appendChild(b);
        var words = Object.keys(img.becomes).map(function (k) { return img.becomes[k]; }).join(", ");
        li.appendChild(document.createTextNode(" → " + img.image[cfg.lang] + (words ? " (" + words + ")" : "")));
        if (img.note) {
          var note = document.createElement("span");
          note.className = "muted note";
          note.textContent = " · " + img.note[cfg.lang];
          li.appendChild(note);
        }
        list.appendChild(li);
      });
      poemPrompt.value = res.data.prompt;
      drawTerms(res.data.selection, res.data.lang);
      el("poem-result").hidden = false;
      poemDrawUrl();
    }, function () { showError(poemSection, "poem", t("network", "Network error.")); });
  });

  // Recipe mode: an ordered list of {name, count}; each change rebuilds the prompt.
  var recipeSection = el("recipe-mode");
  var recipeModel = el("recipe-model");
  var items = [];
  function fillSelect(select, options) {
    select.textContent = "";
    options.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = o.id;
      opt.textContent = o.word || t("no_base", "none");
      select.appendChild(opt);
    });
  }
  function recipeModelChanged() {
    var m = byName[recipeModel.value];
    if (!m) return;
    fillSelect(el("recipe-base"), m.bases);
    el("recipe-base").value = m.bases.length > 1 ? m.bases[1].id : "none";
    fillSelect(el("recipe-add-name"), m.ingredients);
    items = [];
    drawList();
  }
  function wordOf(id) {
    var m = byName[recipeModel.value];
    var found = m.ingredients.filter(function (i) { return i.id === id; })[0];
    return found ? found.word : id;
  }
  function drawList() {
    var list = el("recipe-list");
    list.textContent = "";
    el("recipe-empty").hidden = items.length > 0;
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.className = "ingredient";
      var name = document.createElement("span");
      name.textContent = wordOf(item.name);
      var count = document.createElement("input");
      count.type = "number"; count.min = 1; count.max = 4; count.value = item.count;
      count.setAttribute("aria-label", t("count", "Count") + " " + wordOf(item.name));
      count.addEventListener("change", function () { item.count = parseInt(count.value, 10) || 0; rebuild(); });
      li.appendChild(name);
      li.appendChild(count);
      [["↑", t("up", "Move up"), -1], ["↓", t("down", "Move down"), 1]].forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.className = "small"; btn.textContent = b[0]; btn.setAttribute("aria-label", b[1]);
        btn.disabled = (b[2] < 0 && i === 0) || (b[2] > 0 && i === items.length - 1);
        btn.addEventListener("click", function () {
          var j = i + b[2];
          var tmp = items[i]; items[i] = items[j]; items[j] = tmp;
          drawList();
        });
        li.appendChild(btn);
      });
      var rm = document.createElement("button");
      rm.type = "button"; rm.className = "small danger"; rm.textContent = "×"; rm.setAttribute("aria-label", t("remove", "Remove"));
      rm.addEventListener("click", function () { items.splice(i, 1); drawList(); });
      li.appendChild(rm);
      list.appendChild(li);
    });
    rebuild();
  }
  var recipeAsk = latestOnly();
  function rebuild() {
    if (!recipeModel.value) return;
    recipeAsk(api(recipeModel.value, "recipe", {ingredients: items, base: el("recipe-base").value, lang: cfg.lang})).then(function (res) {
      if (!res.ok) {
        var e = firstError(res.data);
        showError(recipeSection, e.field, e.message);
        el("recipe-result").hidden = true;
        return;
      }
      showError(recipeSection, "", "");
      el("recipe-prompt").value = res.data.prompt;
      el("recipe-description").textContent = res.data.description;
      el("recipe-result").hidden = false;
      recipeDrawUrl();
    });
  }
  function recipeDrawUrl() {
    el("recipe-draw").setAttribute("href", createUrl({model: recipeModel.value, prompt: el("recipe-prompt").value}));
  }
  el("recipe-prompt").addEventListener("input", recipeDrawUrl);
  el("recipe-add").addEventListener("click", function () {
    var name = el("recipe-add-name").value;
    var existing = items.filter(function (i) { return i.name === name; })[0];
    if (existing) existing.count = Math.min(4, existing.count + 1);
    else items.push({name: name, count: 1});
    drawList();
  });
  el("recipe-base").addEventListener("change", rebuild);
  recipeModel.addEventListener("change", recipeModelChanged);
  recipeModelChanged();

  // Surprise mode
  var surpriseSection = el("surprise-mode");
  var surpriseModel = el("surprise-model");
  function surpriseDrawUrl() {
    el("surprise-draw").setAttribute("href", createUrl({model: surpriseModel.value, prompt: el("surprise-prompt").value}));
  }
  el("surprise-prompt").addEventListener("input", surpriseDrawUrl);
  var surpriseAsk = latestOnly();
  el("surprise-go").addEventListener("click", function () {
    var seed = Math.floor(Math.random() * 1000000);
    surpriseAsk(api(surpriseModel.value, "surprise?seed=" + seed, undefined, "GET")).then(function (res) {
      if (!res.ok) { var e = firstError(res.data); showError(surpriseSection, "surprise", e.message); return; }
      showError(surpriseSection, "", "");
      el("surprise-name").textContent = res.data.surprise.name;
      el("surprise-prompt").value = res.data.surprise.prompts[cfg.lang];
      var list = el("surprise-list");
      list.textContent = "";
      res.data.combinations.forEach(function (c) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = createUrl({model: surpriseModel.value, prompt: c.prompts[cfg.lang]});
        a.textContent = c.prompts[cfg.lang];
        li.appendChild(a);
        list.appendChild(li);
      });
      el("surprise-result").hidden = false;
      surpriseDrawUrl();
    });
  });
})();
