// PDQ perceptual hash in plain JavaScript, written from Meta's published algorithm (ThreatExchange pdq/cpp)
// so the hash can be computed on the person's own device. It reproduces the C++ float arithmetic step by
// step (Math.fround after every float operation, double where the C++ and the pdqhash Python binding use
// double), so fed the same RGB pixels it gives the Python `pdqhash` result to the bit.
// No library does this in the browser, which is why it is written here.
"use strict";

(function (root) {
  const f = Math.fround;

  // 16 x 64 DCT matrix: float(float(sqrt(2/64)) * cos(double)), as in pdqhashing.cpp.
  const DCT = (function () {
    const m = new Float32Array(16 * 64);
    const scale = f(Math.sqrt(2.0 / 64));
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 64; j++) {
        m[i * 64 + j] = f(scale * Math.cos((Math.PI / 2.0 / 64) * (i + 1) * (2 * j + 1)));
      }
    }
    return m;
  })();

  function jaroszWindow(oldDim, newDim) {
    return Math.floor((oldDim + 2 * newDim - 1) / (2 * newDim));
  }

  // One box-filter pass over a vector (read with stride), the four phases of downscaling.cpp box1DFloat.
  function box1D(inv, inOff, outv, outOff, length, stride, window) {
    const half = Math.floor((window + 2) / 2);
    const p1 = half - 1;
    const p2 = window - half + 1;
    const p3 = length - window;
    const p4 = half - 1;
    let li = inOff;
    let ri = inOff;
    let oi = outOff;
    let sum = 0;
    let cur = 0;
    for (let i = 0; i < p1; i++) {
      sum = f(sum + inv[ri]);
      cur++;
      ri += stride;
    }
    for (let i = 0; i < p2; i++) {
      sum = f(sum + inv[ri]);
      cur++;
      outv[oi] = f(sum / cur);
      ri += stride;
      oi += stride;
    }
    for (let i = 0; i < p3; i++) {
      sum = f(sum + inv[ri]);
      sum = f(sum - inv[li]);
      outv[oi] = f(sum / cur);
      li += stride;
      ri += stride;
      oi += stride;
    }
    for (let i = 0; i < p4; i++) {
      sum = f(sum - inv[li]);
      cur--;
      outv[oi] = f(sum / cur);
      li += stride;
      oi += stride;
    }
  }

  function lumaFromRGBA(rgba, width, height, channels) {
    // The pdqhash binding computes luma in double (numpy) and stores it as float32.
    const n = width * height;
    const luma = new Float32Array(n);
    for (let k = 0, p = 0; k < n; k++, p += channels) {
      luma[k] = rgba[p] * 0.299 + rgba[p + 1] * 0.587 + rgba[p + 2] * 0.114;
    }
    return luma;
  }

  function downsample64(luma, rows, cols) {
    const out = new Float32Array(64 * 64);
    if (rows === 64 && cols === 64) {
      out.set(luma);
      return out;
    }
    const buf1 = luma;
    const buf2 = new Float32Array(rows * cols);
    const wRows = jaroszWindow(cols, 64);
    const wCols = jaroszWindow(rows, 64);
    for (let rep = 0; rep < 2; rep++) {
      for (let i = 0; i < rows; i++) box1D(buf1, i * cols, buf2, i * cols, cols, 1, wRows);
      for (let j = 0; j < cols; j++) box1D(buf2, j, buf1, j, rows, cols, wCols);
    }
    for (let oi = 0; oi < 64; oi++) {
      const ini = Math.trunc(((oi + 0.5) * rows) / 64);
      for (let oj = 0; oj < 64; oj++) {
        const inj = Math.trunc(((oj + 0.5) * cols) / 64);
        out[oi * 64 + oj] = buf1[ini * cols + inj];
      }
    }
    return out;
  }

  function quality(b) {
    let sum = 0;
    for (let i = 0; i < 63; i++) {
      for (let j = 0; j < 64; j++) {
        sum += Math.abs(Math.trunc(f(f(f(b[i * 64 + j] - b[(i + 1) * 64 + j]) * 100) / 255)));
      }
    }
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 63; j++) {
        sum += Math.abs(Math.trunc(f(f(f(b[i * 64 + j] - b[i * 64 + j + 1]) * 100) / 255)));
      }
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  function dct16(a) {
    const t = new Float32Array(16 * 64);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 64; j++) {
        let s = 0;
        for (let k = 0; k < 64; k++) s = f(s + f(DCT[i * 64 + k] * a[k * 64 + j]));
        t[i * 64 + j] = s;
      }
    }
    const b = new Float32Array(256);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        let s = 0;
        for (let k = 0; k < 64; k++) s = f(s + f(t[i * 64 + k] * DCT[j * 64 + k]));
        b[i * 16 + j] = s;
      }
    }
    return b;
  }

  function toHex(b) {
    const sorted = Float32Array.from(b).sort();
    const median = sorted[127]; // Torben's median of 256 values is the 128th smallest
    const bytes = new Uint8Array(32);
    for (let k = 0; k < 256; k++) {
      // Bit k (row-major over the 16x16 DCT) is bit k of the 256-bit number printed most significant first.
      if (b[k] > median) bytes[31 - (k >> 3)] |= 1 << (k & 7);
    }
    return Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // pixels: RGBA (channels 4, as from a canvas) or RGB (channels 3) bytes, row-major.
  function pdqHash(pixels, width, height, channels) {
    if (width < 5 || height < 5) return { hash: "0".repeat(64), quality: 0 };
    const luma = lumaFromRGBA(pixels, width, height, channels || 4);
    const b64 = downsample64(luma, height, width);
    return { hash: toHex(dct16(b64)), quality: quality(b64) };
  }

  root.TrailguardPDQ = { pdqHash: pdqHash };
})(typeof window !== "undefined" ? window : globalThis);
