// The on-device hashing page: reads the chosen file locally and shows PDQ + MD5 with a case number, for the
// person to copy or read out to the service helping them. The image never leaves the device.
//
// Sending is offered only when the page that served this file declares where to send, in
// <meta name="trailguard-submit" content="URL">, on its own origin: `trailguard serve` does at /hash (which
// also declares a proof-of-work challenge, solved by proof-of-work.js before sending); the static hash.html
// has no such tag, so opened as a file it never shows a button that cannot work.
// The texts are English below; a page may give its own (its language) in
// <script type="application/json" id="page-messages">.
"use strict";

(function () {
  const MAX_BYTES = 50 * 1000 * 1000;
  const MAX_PIXELS = 50 * 1000 * 1000;
  const MIN_QUALITY = 50;
  const $ = (id) => document.getElementById(id);
  const TEXT = Object.assign(
    {
      working: "Working on it. This happens on your device and can take a few seconds.",
      done: "Done. Your picture stayed on this device.",
      too_large: "This picture is too large to process here. Try a smaller copy of it.",
      unreadable: "This file could not be read as a picture. Try another file, or a screenshot of the picture.",
      copied: "Copied. You can paste it into a message to the service helping you.",
      copy_failed: "Copying did not work. Please write down the case number and the codes.",
      sending: "Sending the fingerprints and case number (not the picture)...",
      sent: "Sent. Keep this reference to withdraw your request later: {reference}",
      send_failed: "Sending did not work. Please try again later, or copy the codes instead.",
    },
    $("page-messages") ? JSON.parse($("page-messages").textContent) : {}
  );
  let current = null;
  let latest = 0; // number of the most recent file choice; only its result may reach the screen

  // The declared submission URL, or null: absent, unparsable, not http(s), or on another origin (which the
  // Content-Security-Policy would block anyway) all mean "no sending".
  function submitEndpoint() {
    const meta = document.querySelector('meta[name="trailguard-submit"]');
    const declared = meta && meta.getAttribute("content");
    if (!declared || !/^https?:$/.test(location.protocol)) return null;
    try {
      const url = new URL(declared, location.href);
      return url.origin === location.origin ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function caseNumber() {
    const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O or 1/I to misread
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    const chars = Array.from(bytes, (b) => alphabet[b & 31]).join("");
    return "TG-" + chars.slice(0, 4) + "-" + chars.slice(4);
  }

  // A copy of a JPEG with its EXIF orientation tag set to 1 ("as stored"), or the bytes unchanged when there
  // is none. Browsers always apply the tag when decoding; Trailguard hashes the pixels as stored (as the
  // hash-sharing ecosystem does), so the tag is neutralised here. Every offset is bounds-checked.
  function withoutOrientation(bytes) {
    if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 2;
    while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
      const marker = bytes[pos + 1];
      const length = view.getUint16(pos + 2);
      if (marker === 0xda || length < 2) break; // start of scan: no more metadata
      const start = pos + 4;
      const end = pos + 2 + length;
      if (end > bytes.length) break;
      const isExif = marker === 0xe1 && end - start > 14 && bytes[start] === 0x45 && bytes[start + 1] === 0x78 &&
        bytes[start + 2] === 0x69 && bytes[start + 3] === 0x66 && bytes[start + 4] === 0 && bytes[start + 5] === 0;
      if (isExif) {
        const tiff = start + 6;
        const little = bytes[tiff] === 0x49;
        const ifd = tiff + view.getUint32(tiff + 4, little);
        if (ifd + 2 > end) return bytes;
        const count = view.getUint16(ifd, little);
        for (let i = 0; i < count; i++) {
          const entry = ifd + 2 + i * 12;
          if (entry + 12 > end) break;
          if (view.getUint16(entry, little) === 0x0112) {
            const copy = bytes.slice();
            new DataView(copy.buffer).setUint16(entry + 8, 1, little);
            return copy;
          }
        }
        return bytes;
      }
      pos = end;
    }
    return bytes;
  }

  async function decodePixels(bytes, type) {
    // Pixels as stored in the file: no colour-profile conversion and no EXIF rotation, the same pixels the
    // Python hasher uses (rotated copies are still found: Trailguard matches all rotations and flips).
    const blob = new Blob([withoutOrientation(bytes)], { type: type });
    const bitmap = await createImageBitmap(blob, {
      imageOrientation: "none",
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
    const { width, height } = bitmap;
    try {
      if (width * height > MAX_PIXELS) throw new Error("too large");
      return { data: readWithWebGL(bitmap) || readWithCanvas(bitmap), width: width, height: height };
    } finally {
      bitmap.close();
    }
  }

  // Exact colour values even under transparency: a WebGL texture upload keeps them un-premultiplied, as the
  // Python hasher sees them. A 2D canvas premultiplies by alpha, which loses colour where alpha is low.
  function readWithWebGL(bitmap) {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return null;
    const max = gl.getParameter(gl.MAX_TEXTURE_SIZE);
    if (bitmap.width > max || bitmap.height > max) return null;
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    let out = null;
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE) {
      out = new Uint8Array(bitmap.width * bitmap.height * 4);
      gl.readPixels(0, 0, bitmap.width, bitmap.height, gl.RGBA, gl.UNSIGNED_BYTE, out); // row 0 = top row
      if (gl.getError() !== gl.NO_ERROR) out = null;
    }
    gl.deleteFramebuffer(fb);
    gl.deleteTexture(texture);
    const lose = gl.getExtension("WEBGL_lose_context");
    if (lose) lose.loseContext();
    return out;
  }

  function readWithCanvas(bitmap) {
    const canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    canvas.width = canvas.height = 0; // free the copy at once
    return data;
  }

  async function hashFile(file) {
    if (file.size > MAX_BYTES) throw new Error("too large");
    const bytes = new Uint8Array(await file.arrayBuffer());
    const md5 = window.TrailguardMD5.md5(bytes);
    const px = await decodePixels(bytes, file.type);
    const pdq = window.TrailguardPDQ.pdqHash(px.data, px.width, px.height, 4);
    return { md5: md5, pdq: pdq.hash, quality: pdq.quality };
  }

  function show(result) {
    current = Object.assign({ case: caseNumber() }, result);
    $("case").textContent = current.case;
    $("pdq").textContent = current.pdq;
    $("md5").textContent = current.md5;
    $("quality-note").hidden = current.quality >= MIN_QUALITY;
    $("send").hidden = submitEndpoint() === null;
    $("sent").textContent = "";
    $("result").hidden = false;
    $("status").textContent = TEXT.done;
  }

  function summary() {
    return "Case number: " + current.case + "\nPDQ: " + current.pdq + " (quality " + current.quality + ")\nMD5: " + current.md5 + "\n";
  }

  // A person who picks a second picture while a large first one is still being hashed must see the second
  // one's codes: each choice takes a number, and a result (or error) that is no longer the latest is dropped.
  $("file").addEventListener("change", async (event) => {
    const request = ++latest;
    const file = event.target.files && event.target.files[0];
    $("result").hidden = true;
    if (!file) return;
    $("status").textContent = TEXT.working;
    try {
      const result = await hashFile(file);
      if (request !== latest) return;
      show(result);
    } catch (err) {
      if (request !== latest) return;
      $("status").textContent = err && err.message === "too large" ? TEXT.too_large : TEXT.unreadable;
    }
    event.target.value = ""; // forget the file
  });

  $("copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(summary());
      $("sent").textContent = TEXT.copied;
    } catch (err) {
      $("sent").textContent = TEXT.copy_failed;
    }
  });

  // With a declared challenge (see proof-of-work.js) the codes go with a solved proof of work; the server
  // answers with the reference that withdraws the request, shown for the person to keep.
  $("send").addEventListener("click", async () => {
    const endpoint = submitEndpoint();
    if (endpoint === null) return;
    $("send").disabled = true;
    $("sent").textContent = TEXT.sending;
    try {
      const body = { case: current.case, pdq: current.pdq, quality: current.quality, md5: current.md5 };
      if (window.TrailguardPoW && window.TrailguardPoW.challengeEndpoint() !== null) {
        Object.assign(body, await window.TrailguardPoW.solve());
      }
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = response.ok ? await response.json().catch(() => ({})) : {};
      $("sent").textContent = response.ok
        ? TEXT.sent.replace("{reference}", String(answer.reference || current.case))
        : TEXT.send_failed;
    } catch (err) {
      $("sent").textContent = TEXT.send_failed;
    }
    $("send").disabled = false;
  });

  window.TrailguardHashPage = { hashFile: hashFile };
})();
