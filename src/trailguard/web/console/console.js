// Keyboard shortcuts of the console (served from our origin: the pages allow no inline script).
// j / k: next / previous row link ([data-row]); n: next job; d / e: choose dismiss / escalate and go to the
// reason; ?: show or hide the help. Keys typed into a field are the field's own (Esc leaves the field).
"use strict";
(function () {
  let current = -1;

  function rows() {
    return Array.from(document.querySelectorAll("[data-row]"));
  }

  function select(step) {
    const all = rows();
    if (all.length === 0) return;
    if (current >= 0 && all[current]) all[current].classList.remove("selected");
    current = Math.max(0, Math.min(all.length - 1, current + step));
    all[current].classList.add("selected");
    all[current].focus();
  }

  function choose(action) {
    const radio = document.getElementById("action-" + action);
    const reason = document.getElementById("reason");
    if (!radio || !reason) return;
    radio.checked = true;
    reason.focus();
  }

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const help = document.getElementById("shortcuts");
    switch (event.key) {
      case "j": select(1); break;
      case "k": select(-1); break;
      case "n": {
        const next = document.querySelector("form[data-next]");
        if (!next) return;
        next.requestSubmit();
        break;
      }
      case "d": choose("dismiss"); break;
      case "e": choose("escalate"); break;
      case "?": if (help) help.hidden = !help.hidden; break;
      case "Escape": if (help) help.hidden = true; break;
      default: return;
    }
    event.preventDefault();
  });
})();
