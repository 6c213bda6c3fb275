// NemoSpawn board: the cost panel. Like app.js, every value goes into the DOM as text
// (createTextNode, textContent) on elements made here: never as markup.
"use strict";
(function () {
  function $(id) { return document.getElementById(id); }

  function el(tag, cls, ...kids) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const k of kids) {
      if (k === null || k === undefined) continue;
      e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  const LIMITS = { usd: "USD", gpu_hours: "GPU-hours", tokens: "tokens", wall_seconds: "wall seconds" };

  // Shows the board's "cost" (null: this board keeps no costs, the section stays hidden).
  function set(cost) {
    const section = $("cost-section"), root = $("cost");
    if (!section || !root) return;
    section.hidden = cost === null || cost === undefined;
    clear(root);
    if (section.hidden) return;
    if (cost.error) root.appendChild(el("p", "notice-inline", cost.error));
    const v = cost.view;
    if (!v) { root.appendChild(el("p", "dim", "No cost reading yet.")); return; }
    const total = el("div", "cost-total", el("span", "usd", "$" + v.totalUsd),
      el("span", "dim", " = GPU $" + v.gpuUsd + " (" + v.gpuHours + " GPU-h) + tokens $" + v.tokenUsd +
        " (" + v.tokens.toLocaleString("en") + " tokens" +
        (v.unpricedTokens > 0 ? ", " + v.unpricedTokens.toLocaleString("en") + " without a price" : "") + ")"));
    total.setAttribute("data-total-usd", v.totalUsd);
    root.appendChild(total);
    for (const l of v.budget) {
      const pct = Math.round(l.fraction * 1000) / 10;
      const fill = el("span");
      fill.style.width = Math.max(0, Math.min(100, pct)) + "%";
      const bar = el("div", "bar budget" + (l.fraction >= 1 ? " over" : l.fraction >= 0.8 ? " near" : ""), fill);
      bar.setAttribute("data-limit", l.kind);
      root.appendChild(el("div", "limit", el("span", null, "budget " + (LIMITS[l.kind] || l.kind) + ": " + l.used + " of " + l.limit + " (" + pct + " %)"), bar));
    }
    if (v.agents.length > 0) {
      const head = el("tr", null, ...["agent", "GPU-h", "GPU $", "tokens", "tokens $", "total $"].map(h => el("th", null, h)));
      const body = el("tbody");
      for (const a of v.agents) {
        const tr = el("tr", null, el("td", null, a.name, el("div", "dim", a.id)), el("td", null, a.gpuHours),
          el("td", null, a.gpuUsd), el("td", null, a.tokens.toLocaleString("en")), el("td", null, a.tokenUsd), el("td", null, a.totalUsd));
        tr.setAttribute("data-agent-id", a.id);
        body.appendChild(tr);
      }
      root.appendChild(el("table", null, el("thead", null, head), body));
    }
    root.appendChild(el("div", "dim", "since " + v.from.replace("T", " ").slice(0, 19) + " · read " + v.at.replace("T", " ").slice(0, 19)));
  }

  window.NemoCost = { set: set };
})();
