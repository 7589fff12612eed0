// Gallery behaviour on top of pages that work without it: likes without a reload, copy link,
// the Web Share API on phones, confirmations, and infinite scroll over the paginated links.
(function () {
  "use strict";

  function csrfOf(form) {
    var input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Likes: the form posts to the page endpoint, which answers JSON when asked for it.
  document.querySelectorAll("form[data-like]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("[data-like-button]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfOf(form) },
        body: new FormData(form),
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (data) {
        button.setAttribute("aria-pressed", data.liked ? "true" : "false");
        form.querySelector("[data-like-count]").textContent = data.like_count;
        var label = form.querySelector("[data-like-label]");
        if (label) label.textContent = data.liked ? (label.dataset.on || "Liked") : (label.dataset.off || "Like");
      }).catch(function () {
        form.submit();  // fall back to the plain form post
      }).finally(function () {
        button.disabled = false;
      });
    });
  });

  // Copy a field's value (share link, API token).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) return;
      var label = button.textContent;
      function done() {
        button.textContent = button.getAttribute("data-copied") || label;
        setTimeout(function () { button.textContent = label; }, 1500);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
        try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
      }
    });
  });

  // The system share sheet where there is one (phones); hidden elsewhere.
  document.querySelectorAll("[data-webshare]").forEach(function (button) {
    if (!navigator.share) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ title: button.getAttribute("data-title"), url: button.getAttribute("data-url") })
        .catch(function () { /* the person closed the sheet */ });
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Infinite scroll: when the pager comes into view, fetch the next page and append its cards.
  var grid = document.querySelector("[data-infinite]");
  if (grid && "IntersectionObserver" in window) {
    var loading = false;
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; }) || loading) return;
      var pager = document.querySelector("[data-pager]");
      var next = pager && pager.querySelector("a[rel=next]");
      if (!next) { observer.disconnect(); return; }
      loading = true;
      pager.setAttribute("data-loading", "");
      fetch(next.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var more = doc.querySelector("[data-infinite]");
          if (more) Array.prototype.slice.call(more.children).forEach(function (card) { grid.appendChild(card); });
          var newPager = doc.querySelector("[data-pager]");
          observer.unobserve(pager);
          if (newPager) {
            newPager.querySelectorAll("a[rel=prev]").forEach(function (a) { a.remove(); });
            pager.replaceWith(newPager);
            observer.observe(newPager);
          } else {
            pager.remove();
          }
        })
        .catch(function () { pager.removeAttribute("data-loading"); })  // the plain link still works
        .finally(function () { loading = false; });
    }, { rootMargin: "600px 0px" });
    var pager = document.querySelector("[data-pager]");
    if (pager) observer.observe(pager);
  }
})();
