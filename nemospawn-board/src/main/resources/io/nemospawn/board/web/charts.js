// NemoSpawn board charts: small SVG charts built with DOM calls only (createElementNS,
// setAttribute, textContent), so no data ever becomes markup. No library, no CDN.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const W = 420, H = 220, L = 44, R = 10, T = 12, B = 28;

  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function frame(label) {
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img" });
    s.appendChild(svg("title", {}, label));
    return s;
  }

  function scale(d0, d1, r0, r1) {
    if (!(d1 > d0)) { d0 -= 1; d1 += 1; }
    return v => r0 + (v - d0) / (d1 - d0) * (r1 - r0);
  }

  function fmt(v) {
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : String(+v.toPrecision(3));
  }

  function axes(s, xs, ys, x0, x1, y0, y1, xLabel) {
    s.appendChild(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }));
    s.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
    for (let i = 0; i <= 4; i++) {
      const yv = y0 + (y1 - y0) * i / 4, xv = x0 + (x1 - x0) * i / 4;
      s.appendChild(svg("text", { x: L - 4, y: ys(yv) + 3, "text-anchor": "end" }, fmt(yv)));
      s.appendChild(svg("text", { x: xs(xv), y: H - B + 12, "text-anchor": "middle" }, fmt(xv)));
    }
    s.appendChild(svg("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, xLabel));
  }

  function extent(vals) {
    let lo = Infinity, hi = -Infinity;
    for (const v of vals) { if (v < lo) lo = v; if (v > hi) hi = v; }
    return lo === Infinity ? [0, 1] : [lo, hi];
  }

  function empty(s, why) {
    s.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, why));
    return s;
  }

  // Optimisation history: each finished trial's value, and the best value so far.
  function history(study) {
    const s = frame("Optimisation history of " + study.name);
    s.dataset.chart = "history";
    const pts = study.trials.filter(t => t.state === "complete" && t.value !== null);
    if (pts.length === 0) return empty(s, "no complete trial yet");
    const [x0, x1] = extent(pts.map(t => t.number));
    const [y0, y1] = extent(pts.map(t => t.value));
    const xs = scale(x0, x1, L, W - R), ys = scale(y0, y1, H - B, T);
    axes(s, xs, ys, x0, x1, y0, y1, "trial");
    const min = study.direction !== "maximize";
    let best = null, d = "";
    for (const t of pts) {
      best = best === null ? t.value : (min ? Math.min(best, t.value) : Math.max(best, t.value));
      d += (d ? " L" : "M") + xs(t.number).toFixed(1) + " " + ys(best).toFixed(1);
      const c = svg("circle", { cx: xs(t.number), cy: ys(t.value), r: 3, fill: "#4493f8" });
      c.appendChild(svg("title", {}, "trial " + t.number + ": " + t.value));
      s.appendChild(c);
    }
    s.appendChild(svg("path", { d: d, fill: "none", stroke: "#76b900", "stroke-width": 2 }));
    return s;
  }

  // Intermediate values per trial; pruned trials dashed red.
  function intermediate(study) {
    const s = frame("Intermediate values of " + study.name);
    s.dataset.chart = "intermediate";
    const ts = study.trials.filter(t => t.intermediate.length > 0);
    if (ts.length === 0) return empty(s, "no intermediate value yet");
    const all = ts.flatMap(t => t.intermediate);
    const [x0, x1] = extent(all.map(p => p[0]));
    const [y0, y1] = extent(all.map(p => p[1]));
    const xs = scale(x0, x1, L, W - R), ys = scale(y0, y1, H - B, T);
    axes(s, xs, ys, x0, x1, y0, y1, "step");
    for (const t of ts) {
      const pruned = t.state === "pruned";
      const d = t.intermediate.map((p, i) => (i ? "L" : "M") + xs(p[0]).toFixed(1) + " " + ys(p[1]).toFixed(1)).join(" ");
      const path = svg("path", { d: d, fill: "none", stroke: pruned ? "#e5534b" : "#4493f8", "stroke-width": 1.5,
        "stroke-dasharray": pruned ? "4 3" : "none", opacity: 0.8, class: pruned ? "pruned" : "kept" });
      path.appendChild(svg("title", {}, "trial " + t.number + " (" + t.state + ")"));
      s.appendChild(path);
    }
    return s;
  }

  // Parameter importance: horizontal bars.
  function importance(study) {
    const s = frame("Parameter importance of " + study.name);
    s.dataset.chart = "importance";
    const names = Object.keys(study.importance);
    if (names.length === 0) return empty(s, "needs 3 complete trials");
    const bh = Math.min(28, (H - T - B) / names.length);
    names.forEach((n, i) => {
      const v = study.importance[n], y = T + i * bh;
      s.appendChild(svg("text", { x: 4, y: y + bh / 2 + 3 }, n.length > 14 ? n.slice(0, 13) + "…" : n));
      s.appendChild(svg("rect", { x: 96, y: y + 2, width: Math.max(1, v * (W - 96 - 50)), height: bh - 4, fill: "#76b900" }));
      s.appendChild(svg("text", { x: 100 + v * (W - 96 - 50), y: y + bh / 2 + 3 }, (v * 100).toFixed(0) + "%"));
    });
    return s;
  }

  window.NemoCharts = { history: history, intermediate: intermediate, importance: importance };
})();
