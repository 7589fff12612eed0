// Site-wide behaviour: the menu, the language and theme switches, the service worker.
// Everything here is an enhancement: each control works without JavaScript too.
(function () {
  "use strict";
  var menu = document.querySelector("[data-menu]");
  if (menu) {
    var wide = window.matchMedia("(min-width: 820px)");
    var fit = function () { if (wide.matches) menu.open = true; };
    fit();
    wide.addEventListener("change", function () { menu.open = wide.matches; });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // The theme applies at once and is remembered in the cookie the server reads (no flash on load).
  var themeSelect = document.querySelector("[data-theme-select]");
  if (themeSelect) {
    themeSelect.addEventListener("change", function () {
      var value = themeSelect.value;
      var root = document.documentElement;
      if (value === "light" || value === "dark") {
        root.setAttribute("data-theme", value);
        document.cookie = "theme=" + value + "; path=/; max-age=31536000; samesite=lax";
      } else {
        root.removeAttribute("data-theme");
        document.cookie = "theme=; path=/; max-age=0; samesite=lax";
      }
    });
  }
  var self = document.currentScript;
  var swUrl = self && self.getAttribute("data-sw");
  if (swUrl && "serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(swUrl, { scope: "/" }).catch(function () { /* offline support is optional */ });
    });
  }
})();
