// The browser's side of the public forms' proof of work (see trailguard/frontline/proof_of_work.py): ask
// this server for a challenge, then count until SHA-256(token + ":" + counter) starts with the required
// number of zero bits. Web Crypto only; nothing is loaded from anywhere else.
"use strict";

(function () {
  function zeroBits(bytes) {
    let count = 0;
    for (const b of bytes) {
      if (b === 0) { count += 8; continue; }
      return count + Math.clz32(b) - 24;
    }
    return count;
  }

  // The challenge URL declared by the page (<meta name="trailguard-challenge">), on this origin, or null.
  function challengeEndpoint() {
    const meta = document.querySelector('meta[name="trailguard-challenge"]');
    const declared = meta && meta.getAttribute("content");
    if (!declared) return null;
    try {
      const url = new URL(declared, location.href);
      return url.origin === location.origin ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  // {challenge, counter} to send with the form; throws Error("rate") when the server answers 429.
  async function solve() {
    const endpoint = challengeEndpoint();
    if (endpoint === null) throw new Error("no challenge");
    const response = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    if (response.status === 429) throw new Error("rate");
    if (!response.ok) throw new Error("challenge");
    const challenge = await response.json();
    const encoder = new TextEncoder();
    for (let counter = 0; counter < 0x100000000; counter++) {
      const digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge.token + ":" + counter));
      if (zeroBits(new Uint8Array(digest)) >= challenge.bits) {
        return { challenge: challenge.token, counter: String(counter) };
      }
    }
    throw new Error("unsolved");
  }

  window.TrailguardPoW = { solve: solve, challengeEndpoint: challengeEndpoint };
})();
