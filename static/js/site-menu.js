// The header's menu is a <details> disclosure, usable without JavaScript. This keeps it open on
// wide screens (where the toggle is hidden) and closed on phones until someone opens it.
(function () {
  "use strict";
  var menu = document.querySelector("[data-site-menu]");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 40.0625rem)");
  function sync() { menu.open = wide.matches; }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync);
})();
