// Quick exit for every public page: the button (a plain link without JavaScript) or the Escape key leaves
// for a neutral site at once. location.replace puts the neutral site in place of this page in the history,
// so Back does not return here; the page is blanked first so nothing stays on screen while it loads.
"use strict";

(function () {
  const link = document.getElementById("quick-exit");
  if (!link) return;
  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") leave(event);
  });
})();
