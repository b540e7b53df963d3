// Shows the screening summary's Print button (hidden without JavaScript, where the browser's own Print works).
"use strict";

(function () {
  const button = document.getElementById("print");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
