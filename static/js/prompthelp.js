// Prompt help on the create page: examples for the chosen model (from its vocabulary, through its
// card: /api/v1/models/<name>/card/), suggestions as you type — your own earlier prompts
// (/api/v1/generations/prompts/, server-side, a guest's by session) and the model's words that
// complete the word being typed. Arrow down moves into the suggestions, Esc leaves them.
(function () {
  "use strict";
  var help = document.getElementById("prompt-help");
  var prompt = document.getElementById("prompt");
  var model = document.getElementById("model");
  if (!help || !prompt || !model) return;
  var box = document.getElementById("prompt-suggestions");
  var examples = document.getElementById("prompt-examples");
  var lang = document.documentElement.lang && document.documentElement.lang.indexOf("zh") === 0 ? "zh" : "en";
  var cards = {};  // model name -> {examples, words} (or null: no vocabulary)
  var timer = null, asked = 0;

  function card(name) {
    if (name in cards) return Promise.resolve(cards[name]);
    return fetch(help.getAttribute("data-models-api") + encodeURIComponent(name) + "/card/?lang=" + lang, {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      var result = null;
      if (data && data.groups) {
        var ex = [], words = {};
        data.groups.forEach(function (g) {
          g.terms.forEach(function (t) {
            if (t.example && ex.indexOf(t.example) < 0) ex.push(t.example);
            (t.words[lang] || []).concat(t.words.en || []).forEach(function (w) { words[w] = true; });
          });
        });
        result = {examples: ex, words: Object.keys(words)};
      }
      cards[name] = result;
      return result;
    }).catch(function () { return null; });
  }

  function setPrompt(text) {
    prompt.value = text;
    prompt.dispatchEvent(new Event("input", {bubbles: true}));
    prompt.focus();
    prompt.setSelectionRange(text.length, text.length);
  }

  function showExamples() {
    var name = model.value;
    card(name).then(function (c) {
      if (model.value !== name) return;  // another model was chosen meanwhile
      examples.querySelectorAll("button").forEach(function (b) { b.remove(); });
      var list = c ? c.examples.slice(0, 4) : [];
      list.forEach(function (text) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "chip prompt-example";
        b.textContent = text;
        b.addEventListener("click", function () { setPrompt(text); });
        examples.appendChild(b);
      });
      examples.hidden = !list.length;
    });
  }

  // The word being typed: the text after the last space, comma or bracket.
  function fragment() {
    var before = prompt.value.slice(0, prompt.selectionEnd);
    var m = /([^\s,()[\]:，、]+)$/.exec(before);
    return m ? m[1] : "";
  }

  function close() {
    box.textContent = "";
    box.hidden = true;
  }
  function option(text, kind, onPick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "suggestion " + kind;
    b.setAttribute("data-suggestion", kind);
    b.textContent = text;
    b.addEventListener("click", function () { onPick(); close(); });
    return b;
  }
  function suggest() {
    var text = prompt.value, frag = fragment(), ticket = ++asked;
    if (text.trim().length < 2) { close(); return; }
    var own = fetch(help.getAttribute("data-history-api") + "?q=" + encodeURIComponent(text.trim().slice(0, 200)), {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (r) { return r.ok ? r.json() : {results: []}; }).catch(function () { return {results: []}; });
    Promise.all([own, card(model.value)]).then(function (res) {
      if (ticket !== asked) return;  // a later keystroke has asked again
      close();
      res[0].results.filter(function (p) { return p !== text; }).slice(0, 4).forEach(function (p) {
        box.appendChild(option(p, "history", function () { setPrompt(p); }));
      });
      var lower = frag.toLowerCase();
      if (res[1] && lower.length >= 2) {
        res[1].words.filter(function (w) {
          return w.toLowerCase().indexOf(lower) === 0 && w.toLowerCase() !== lower;
        }).slice(0, 6).forEach(function (w) {
          box.appendChild(option(w, "word", function () {
            var end = prompt.selectionEnd, start = end - frag.length;
            setPrompt(prompt.value.slice(0, start) + w + prompt.value.slice(end));
            var at = start + w.length;
            prompt.setSelectionRange(at, at);
          }));
        });
      }
      box.hidden = !box.childElementCount;
    });
  }

  prompt.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 200); });
  prompt.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && !box.hidden && box.firstElementChild) { e.preventDefault(); box.firstElementChild.focus(); }
    else if (e.key === "Escape" && !box.hidden) close();
  });
  box.addEventListener("keydown", function (e) {
    var items = Array.prototype.slice.call(box.children), i = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown") { e.preventDefault(); (items[i + 1] || items[0]).focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); if (i <= 0) prompt.focus(); else items[i - 1].focus(); }
    else if (e.key === "Escape") { e.preventDefault(); close(); prompt.focus(); }
  });
  document.addEventListener("click", function (e) { if (!help.contains(e.target) && e.target !== prompt) close(); });
  model.addEventListener("change", showExamples);
  showExamples();
})();
