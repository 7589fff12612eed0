// The lightbox: a link marked `data-lightbox` (its href the full picture) opens the picture over
// the page instead of following the link, which stays the no-JavaScript fallback. The pictures
// of its group (the nearest `data-lightbox-group`, else the page) are a sequence.
//
// Keyboard: ← → previous/next, + − zoom, 0 fit, Esc close. Touch: swipe for previous/next, pinch
// or double-tap to zoom, drag to pan a zoomed picture. Mouse: double-click zooms, wheel zooms.
(function () {
  "use strict";
  var L = {close: "Close", prev: "Previous", next: "Next", zoom_in: "Zoom in", zoom_out: "Zoom out", open: "Open the file", label: "Picture"};
  var box = null, img = null, count = null, openLink = null;
  var items = [], index = 0, opener = null;
  var scale = 1, x = 0, y = 0;
  var MAX = 6;
  var pointers = {}, gesture = null, lastTap = 0, tapZoomedAt = 0;

  // The labels in the page's language, from the script tag (templates/base.html).
  var script = document.currentScript;
  function labels() {
    var source = script && script.getAttribute("data-i18n");
    if (source) { try { L = JSON.parse(source); } catch (e) { /* keep English */ } }
  }
  function button(cls, text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", function (e) { e.stopPropagation(); onClick(); });
    return b;
  }
  function build() {
    labels();
    box = document.createElement("div");
    box.className = "lightbox";
    box.hidden = true;
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", L.label);
    var stage = document.createElement("div");
    stage.className = "lightbox-stage";
    img = document.createElement("img");
    img.alt = "";
    img.draggable = false;
    stage.appendChild(img);
    var bar = document.createElement("div");
    bar.className = "lightbox-bar";
    bar.appendChild(button("lightbox-zoom-out", "−", L.zoom_out, function () { zoomTo(scale / 1.5); }));
    bar.appendChild(button("lightbox-zoom-in", "+", L.zoom_in, function () { zoomTo(scale * 1.5); }));
    openLink = document.createElement("a");
    openLink.className = "button lightbox-open";
    openLink.textContent = "↗";
    openLink.setAttribute("aria-label", L.open);
    openLink.target = "_blank";
    openLink.rel = "noopener";
    bar.appendChild(openLink);
    bar.appendChild(button("lightbox-close", "×", L.close, close));
    count = document.createElement("p");
    count.className = "lightbox-count";
    count.setAttribute("aria-live", "polite");
    box.appendChild(stage);
    box.appendChild(bar);
    box.appendChild(button("lightbox-prev", "‹", L.prev, function () { go(-1); }));
    box.appendChild(button("lightbox-next", "›", L.next, function () { go(1); }));
    box.appendChild(count);
    stage.addEventListener("click", function (e) { if (e.target === stage) close(); });
    // A double tap also fires `dblclick`: the touch handler has zoomed already.
    stage.addEventListener("dblclick", function (e) { if (Date.now() - tapZoomedAt > 700) toggleZoom(e.clientX, e.clientY); });
    stage.addEventListener("wheel", function (e) {
      e.preventDefault();
      zoomTo(scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2), e.clientX, e.clientY);
    }, {passive: false});
    stage.addEventListener("pointerdown", down);
    stage.addEventListener("pointermove", move);
    stage.addEventListener("pointerup", up);
    stage.addEventListener("pointercancel", up);
    box.addEventListener("keydown", key);
    document.body.appendChild(box);
  }

  function render() {
    img.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
    box.classList.toggle("zoomed", scale > 1.01);
    box.setAttribute("data-scale", scale.toFixed(2));
  }
  // Zoom to `next`, keeping the point under (cx, cy) (the centre by default) where it is.
  function zoomTo(next, cx, cy) {
    next = Math.max(1, Math.min(MAX, next));
    var rect = img.getBoundingClientRect();
    var ox = (cx === undefined ? rect.left + rect.width / 2 : cx) - (rect.left + rect.width / 2);
    var oy = (cy === undefined ? rect.top + rect.height / 2 : cy) - (rect.top + rect.height / 2);
    var k = next / scale;
    x = next === 1 ? 0 : x - ox * (k - 1);
    y = next === 1 ? 0 : y - oy * (k - 1);
    scale = next;
    render();
  }
  function toggleZoom(cx, cy) { zoomTo(scale > 1.01 ? 1 : 2.5, cx, cy); }

  function show(i) {
    index = (i + items.length) % items.length;
    var link = items[index];
    var thumb = link.querySelector("img");
    scale = 1; x = 0; y = 0;
    render();
    img.src = link.getAttribute("data-lightbox-src") || link.href;
    img.alt = thumb ? thumb.alt : "";
    openLink.href = link.href;
    count.textContent = items.length > 1 ? (index + 1) + " / " + items.length : "";
    box.querySelector(".lightbox-prev").hidden = items.length < 2;
    box.querySelector(".lightbox-next").hidden = items.length < 2;
  }
  function go(step) { if (items.length > 1) show(index + step); }
  function open(link) {
    if (!box) build();
    var group = link.closest("[data-lightbox-group]") || document;
    items = Array.prototype.slice.call(group.querySelectorAll("a[data-lightbox]"));
    opener = link;
    box.hidden = false;
    document.body.classList.add("lightbox-open");
    show(Math.max(0, items.indexOf(link)));
    box.querySelector(".lightbox-close").focus();
  }
  function close() {
    if (!box || box.hidden) return;
    box.hidden = true;
    img.removeAttribute("src");
    document.body.classList.remove("lightbox-open");
    if (opener && document.contains(opener)) opener.focus();
  }
  function key(e) {
    switch (e.key) {
      case "Escape": close(); break;
      case "ArrowLeft": go(-1); break;
      case "ArrowRight": go(1); break;
      case "+": case "=": zoomTo(scale * 1.5); break;
      case "-": case "_": zoomTo(scale / 1.5); break;
      case "0": zoomTo(1); break;
      case "Tab": {  // keep the focus inside the dialog
        var focusable = Array.prototype.filter.call(box.querySelectorAll("button, a[href]"), function (b) { return !b.hidden; });
        var first = focusable[0], last = focusable[focusable.length - 1];
        if (e.shiftKey && document.activeElement === first) { last.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { first.focus(); }
        else return;
        break;
      }
      default: return;
    }
    e.preventDefault();
  }

  // --- touch and pen: swipe, pinch, pan, double-tap ---------------------------------------
  function spread() {
    var p = Object.keys(pointers).map(function (k) { return pointers[k]; });
    return {d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y), cx: (p[0].x + p[1].x) / 2, cy: (p[0].y + p[1].y) / 2};
  }
  function down(e) {
    e.target.setPointerCapture && e.target.setPointerCapture(e.pointerId);
    pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
    var n = Object.keys(pointers).length;
    if (n === 2) {
      var s = spread();
      gesture = {kind: "pinch", d: s.d, scale: scale};
    } else if (n === 1) {
      gesture = {kind: scale > 1.01 ? "pan" : "swipe", sx: e.clientX, sy: e.clientY, x: x, y: y, moved: false};
    }
  }
  function move(e) {
    if (!pointers[e.pointerId] || !gesture) return;
    pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
    if (gesture.kind === "pinch" && Object.keys(pointers).length === 2) {
      var s = spread();
      if (gesture.d > 0) zoomTo(gesture.scale * s.d / gesture.d, s.cx, s.cy);
    } else if (gesture.kind === "pan") {
      x = gesture.x + e.clientX - gesture.sx;
      y = gesture.y + e.clientY - gesture.sy;
      gesture.moved = true;
      render();
    } else if (gesture.kind === "swipe") {
      var dx = e.clientX - gesture.sx;
      if (Math.abs(dx) > 8) gesture.moved = true;
      img.style.transform = "translate(" + dx + "px, 0)";
    }
  }
  function up(e) {
    if (!pointers[e.pointerId]) return;
    delete pointers[e.pointerId];
    var g = gesture;
    if (Object.keys(pointers).length) {
      // A pinch that leaves one finger down goes on as a pan.
      var rest = pointers[Object.keys(pointers)[0]];
      gesture = {kind: "pan", sx: rest.x, sy: rest.y, x: x, y: y, moved: true};
      return;
    }
    gesture = null;
    if (!g) return;
    if (g.kind === "swipe") {
      var dx = e.clientX - g.sx, dy = e.clientY - g.sy;
      render();
      if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy)) { go(dx < 0 ? 1 : -1); return; }
      if (dy > 90 && Math.abs(dy) > Math.abs(dx)) { close(); return; }  // swipe down closes
    }
    if (!g.moved && e.pointerType !== "mouse") {
      var now = Date.now();
      if (now - lastTap < 300) { toggleZoom(e.clientX, e.clientY); lastTap = 0; tapZoomedAt = now; } else lastTap = now;
    }
  }

  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    var link = e.target.closest && e.target.closest("a[data-lightbox]");
    if (!link) return;
    e.preventDefault();
    open(link);
  });
  window.IPLightbox = {open: open, close: close};
})();
