// The public report form: solve the proof of work, send the report as JSON to this server, show the
// reference. The texts come from the page (in its language), never from this file.
"use strict";

(function () {
  const form = document.getElementById("report-form");
  const send = document.getElementById("report-send");
  const status = document.getElementById("report-status");
  const meta = document.querySelector('meta[name="trailguard-report"]');
  const messages = JSON.parse(document.getElementById("page-messages").textContent);
  if (!form || !meta) return;
  send.disabled = false;

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    send.disabled = true;
    status.textContent = messages.working;
    try {
      const proof = await window.TrailguardPoW.solve();
      const body = {
        url: form.elements.url.value,
        platform: form.elements.platform.value,
        seen: form.elements.seen.value,
        contact: form.elements.contact.value,
        challenge: proof.challenge,
        counter: proof.counter,
      };
      const response = await fetch(new URL(meta.getAttribute("content"), location.href).href, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.status === 201) {
        const answer = await response.json();
        document.getElementById("report-reference").textContent = answer.reference;
        document.getElementById("report-done").hidden = false;
        form.hidden = true;
        form.reset();
        status.textContent = "";
        return;
      }
      if (response.status === 429) status.textContent = messages.rate_limited;
      else if (response.status === 413) status.textContent = messages.too_large;
      else if (response.status === 422) {
        const answer = await response.json().catch(() => ({}));
        status.textContent = messages.invalid.replace("{reason}", String(answer.detail || ""));
      } else status.textContent = messages.failed;
    } catch (err) {
      status.textContent = err && err.message === "rate" ? messages.rate_limited : messages.failed;
    }
    send.disabled = false;
  });
})();
