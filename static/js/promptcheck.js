// Unknown-word help on the create page: as the person types, ask the chosen model which words of
// the prompt it does not know, and which combinations of them it has not learnt to draw
// (/api/v1/models/<name>/check/), and say so under the prompt, with a link to the model's card.
// Models whose package lists no vocabulary are left alone.
(function () {
  "use strict";
  var out = document.getElementById("prompt-check");
  var prompt = document.getElementById("prompt");
  var model = document.getElementById("model");
  if (!out || !prompt || !model) return;
  var timer = null;
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  function run() {
    var text = prompt.value;
    out.textContent = "";
    if (!text.trim() || !model.value) return;
    fetch("/api/v1/models/" + encodeURIComponent(model.value) + "/check/", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : ""},
      body: JSON.stringify({prompt: text})
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (!d || !(d.unknown.length || (d.untaught || []).length) || prompt.value !== text) return;
      out.className = "prompt-check " + (d.only_unknown ? "bad" : "warn");
      out.appendChild(document.createTextNode(d.message + " "));
      var a = document.createElement("a");
      a.href = out.getAttribute("data-models-url") + encodeURIComponent(model.value) + "/";
      a.textContent = out.getAttribute("data-link-text");
      out.appendChild(a);
    }, function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(run, 400); }
  prompt.addEventListener("input", later);
  model.addEventListener("change", later);
  if (prompt.value) later();
})();
