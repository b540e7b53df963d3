// MD5 (RFC 1321) of a byte array, for the on-device page. Browsers' SubtleCrypto offers SHA-256 but not
// MD5, and the hash lists that platforms and hotlines share use MD5, so this small function is written here.
"use strict";

(function (root) {
  const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const K = new Uint32Array(64);
  for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) >>> 0;

  function md5(bytes) {
    const n = bytes.length;
    const total = (((n + 8) >>> 6) + 1) * 64;
    const buf = new Uint8Array(total);
    buf.set(bytes);
    buf[n] = 0x80;
    const view = new DataView(buf.buffer);
    view.setUint32(total - 8, (n * 8) >>> 0, true);
    view.setUint32(total - 4, Math.floor(n / 536870912) >>> 0, true);
    let a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
    const m = new Uint32Array(16);
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) m[i] = view.getUint32(off + i * 4, true);
      let a = a0, b = b0, c = c0, d = d0;
      for (let i = 0; i < 64; i++) {
        let fn, g;
        if (i < 16) { fn = (b & c) | (~b & d); g = i; }
        else if (i < 32) { fn = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { fn = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { fn = c ^ (b | ~d); g = (7 * i) & 15; }
        const s = S[(i >> 4) * 4 + (i & 3)];
        const x = (a + fn + K[i] + m[g]) >>> 0;
        a = d; d = c; c = b;
        b = (b + ((x << s) | (x >>> (32 - s)))) >>> 0;
      }
      a0 = (a0 + a) >>> 0; b0 = (b0 + b) >>> 0; c0 = (c0 + c) >>> 0; d0 = (d0 + d) >>> 0;
    }
    const out = new DataView(new ArrayBuffer(16));
    [a0, b0, c0, d0].forEach((v, i) => out.setUint32(i * 4, v, true));
    return Array.from(new Uint8Array(out.buffer), (x) => x.toString(16).padStart(2, "0")).join("");
  }

  root.TrailguardMD5 = { md5: md5 };
})(typeof window !== "undefined" ? window : globalThis);
