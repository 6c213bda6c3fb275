// NemoSpawn board page. Every value from the server goes into the DOM as text (textContent,
// createTextNode) or as an attribute through setAttribute on elements we create: never as markup.
"use strict";
(function () {
  const STATES = ["pending", "blocked", "running", "done", "failed", "cancelled"];
  const PER_COLUMN = 200, EDGE_LIMIT = 300;
  const state = { mode: "team", tasks: new Map(), agents: new Map(), plans: new Map(), messages: [],
    artifacts: [], gpus: null, hpo: [], problems: [], csrf: null, keys: false };
  let source = null, pending = false, hpoTimer = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) {
      if (k === "class") e.className = attrs[k];
      else if (k.startsWith("data-")) e.setAttribute(k, String(attrs[k]));
      else if (k === "title") e.title = String(attrs[k]);
      else if (k === "type") e.type = attrs[k];
    }
    for (const k of kids) {
      if (k === null || k === undefined) continue;
      e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function notice(text) {
    $("notice").textContent = text || "";
  }

  function runtime(sec) {
    const h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60);
    return h > 0 ? h + "h " + m + "m" : m + "m " + (sec % 60) + "s";
  }

  // ------------------------------------------------------------------ rendering

  // Only the panels whose data changed are rebuilt, so a button under the pointer stays put while
  // other panels update.
  const dirty = new Set();
  const ALL = ["kanban", "agents", "plans", "messages", "artifacts", "gpus", "hpo", "problems", "chrome"];

  function schedule(...panels) {
    for (const p of panels.length ? panels : ALL) dirty.add(p);
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  }

  function render() {
    const d = new Set(dirty);
    dirty.clear();
    document.body.classList.toggle("study", state.mode === "study");
    if (state.mode === "team") {
      if (d.has("kanban")) renderKanban();
      if (d.has("agents")) renderAgents();
      if (d.has("plans")) renderPlans();
      if (d.has("messages")) renderMessages();
      if (d.has("artifacts")) renderArtifacts();
      if (d.has("gpus")) renderGpus();
    }
    if (d.has("hpo")) renderHpo();
    if (d.has("problems")) renderProblems();
    $("login").hidden = !state.keys || state.csrf !== null || state.mode !== "team";
    $("who").hidden = state.csrf === null;
  }

  function renderKanban() {
    const board = $("kanban");
    clear(board);
    const byState = {};
    for (const s of STATES) byState[s] = [];
    for (const t of state.tasks.values()) (byState[t.state] || byState.pending).push(t);
    for (const s of STATES) {
      const list = byState[s].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      const col = el("div", { class: "col", "data-state": s },
        el("h3", null, el("span", null, s), el("span", { class: "count" }, String(list.length))));
      for (const t of list.slice(0, PER_COLUMN)) col.appendChild(card(t));
      if (list.length > PER_COLUMN) col.appendChild(el("div", { class: "more" }, (list.length - PER_COLUMN) + " more"));
      board.appendChild(col);
    }
    drawEdges();
  }

  function card(t) {
    const c = el("div", { class: "card", "data-task-id": t.id, title: t.description },
      el("div", { class: "tid" }, t.id, t.owner ? " · " + t.owner : "", t.valLoss !== null ? " · val_loss " + t.valLoss : ""),
      el("div", { class: "title" }, t.title));
    if (t.blockedBy.length > 0) c.appendChild(el("div", { class: "deps" }, "after " + t.blockedBy.join(", ")));
    return c;
  }

  function drawEdges() {
    const svg = $("edges"), wrap = $("kanban-wrap");
    clear(svg);
    if (state.tasks.size > EDGE_LIMIT) return;
    const box = wrap.getBoundingClientRect();
    svg.setAttribute("width", String(wrap.scrollWidth));
    svg.setAttribute("height", String(wrap.scrollHeight));
    const pos = new Map();
    for (const c of document.querySelectorAll("#kanban .card")) pos.set(c.getAttribute("data-task-id"), c.getBoundingClientRect());
    const NS = "http://www.w3.org/2000/svg";
    for (const t of state.tasks.values()) {
      const to = pos.get(t.id);
      if (!to) continue;
      for (const dep of t.blockedBy) {
        const from = pos.get(dep);
        if (!from) continue;
        const x1 = from.right - box.left + wrap.scrollLeft, y1 = from.top + from.height / 2 - box.top;
        const x2 = to.left - box.left + wrap.scrollLeft, y2 = to.top + to.height / 2 - box.top;
        const p = document.createElementNS(NS, "path");
        const mx = (x1 + x2) / 2;
        p.setAttribute("d", "M" + x1 + " " + y1 + " C" + mx + " " + y1 + " " + mx + " " + y2 + " " + x2 + " " + y2);
        p.setAttribute("fill", "none"); p.setAttribute("stroke", "#d29922"); p.setAttribute("stroke-opacity", "0.55");
        p.setAttribute("stroke-width", "1.5"); p.setAttribute("class", "edge");
        p.setAttribute("data-from", dep); p.setAttribute("data-to", t.id);
        svg.appendChild(p);
      }
    }
  }

  function renderAgents() {
    const root = $("agents");
    clear(root);
    if (state.agents.size === 0) { root.appendChild(el("p", { class: "dim" }, "No agents.")); return; }
    const table = el("table", null, el("thead", null, el("tr", null,
      ...["agent", "role", "GPUs", "lifecycle", "health", "runtime", "log", ""].map(h => el("th", null, h)))));
    const body = el("tbody");
    for (const a of [...state.agents.values()].sort((x, y) => x.name < y.name ? -1 : 1)) {
      const log = el("pre", { class: "log" }, a.log.join("\n"));
      const act = el("td");
      if (a.lifecycle === "shutdown_requested") {
        const b = el("button", { class: "ok", type: "button" }, "approve shutdown");
        b.addEventListener("click", () => change("/api/agents/" + encodeURIComponent(a.id) + "/shutdown-approve", { reason: "approved on the board" }));
        act.appendChild(b);
      }
      body.appendChild(el("tr", { "data-agent-id": a.id },
        el("td", null, a.name, el("div", { class: "dim" }, a.id)), el("td", null, a.role),
        el("td", null, a.gpus.join(", ")), el("td", null, a.lifecycle, a.reason ? el("div", { class: "dim" }, a.reason) : null),
        el("td", a.health.startsWith("unreachable") ? { class: "unreachable" } : null, a.health), el("td", null, runtime(a.runtimeSeconds)), el("td", null, log), act));
    }
    table.appendChild(body);
    root.appendChild(table);
  }

  function renderPlans() {
    const root = $("plans");
    clear(root);
    const plans = [...state.plans.values()].sort((a, b) => a.createdAt < b.createdAt ? 1 : -1);
    if (plans.length === 0) { root.appendChild(el("p", { class: "dim" }, "No plans.")); return; }
    for (const p of plans) {
      const div = el("div", { class: "plan", "data-plan-id": p.id },
        el("span", { class: "status" }, p.status), el("strong", { class: "title" }, p.title),
        el("div", { class: "dim" }, p.id + " by " + p.agent + (p.reviewer ? " · reviewed by " + p.reviewer : "")),
        p.description ? el("div", { class: "desc" }, p.description) : null);
      if (p.steps.length > 0) div.appendChild(el("ol", null, ...p.steps.map(s => el("li", null, s))));
      if (p.comment) div.appendChild(el("div", { class: "dim" }, "comment: " + p.comment));
      if (p.status === "pending") {
        const ok = el("button", { class: "ok approve", type: "button" }, "Approve");
        const no = el("button", { class: "no reject", type: "button" }, "Reject");
        ok.addEventListener("click", () => change("/api/plans/" + encodeURIComponent(p.id) + "/approve", { comment: "approved on the board" }));
        no.addEventListener("click", () => change("/api/plans/" + encodeURIComponent(p.id) + "/reject", { comment: "rejected on the board" }));
        div.appendChild(el("div", null, ok, " ", no));
      }
      root.appendChild(div);
    }
  }

  function renderMessages() {
    const root = $("messages");
    clear(root);
    for (const m of state.messages) {
      root.appendChild(el("li", { "data-message-id": m.id },
        el("span", { class: "dim" }, m.at.replace("T", " ").slice(0, 19) + " " + m.from + " → " + m.to + ": "), m.body));
    }
  }

  function renderArtifacts() {
    const root = $("artifacts");
    clear(root);
    if (state.artifacts.length === 0) { root.appendChild(el("p", { class: "dim" }, "No artifacts.")); return; }
    const table = el("table", null, el("thead", null, el("tr", null,
      ...["#", "val_loss", "type", "agent", "path", ""].map(h => el("th", null, h)))));
    const body = el("tbody");
    state.artifacts.forEach((a, i) => body.appendChild(el("tr", { "data-artifact-id": a.id, class: a.promoted ? "promoted" : "" },
      el("td", null, String(i + 1)), el("td", null, a.valLoss === null ? "–" : String(a.valLoss)),
      el("td", null, a.type), el("td", null, a.agent), el("td", null, a.path), el("td", null, a.promoted ? "★ promoted" : ""))));
    table.appendChild(body);
    root.appendChild(table);
  }

  function bar(kind, v) {
    const span = el("span");
    span.style.width = Math.max(0, Math.min(100, v || 0)) + "%";
    return el("div", { class: "bar " + kind, title: v === null ? "unknown" : v + "%" }, span);
  }

  function renderGpus() {
    const root = $("gpus");
    clear(root);
    const g = state.gpus;
    if (!g) { root.appendChild(el("p", { class: "dim" }, "No GPU sample yet.")); return; }
    if (g.gpus.length === 0) root.appendChild(el("p", { class: "dim" }, "No GPU metrics (source: " + g.source + ")."));
    for (const x of g.gpus) {
      root.appendChild(el("div", { class: "gpu", "data-gpu": x.index },
        el("span", null, "GPU " + x.index), el("span", { class: "dim" },
          "util " + (x.util === null ? "?" : x.util + "%") + " · mem " + (x.mem === null ? "?" : x.mem + "%") +
          (x.temp === null ? "" : " · " + x.temp + "°C") + (x.power === null ? "" : " · " + x.power + " W")),
        el("span", { class: "dim" }, "util"), bar("util", x.util), el("span", { class: "dim" }, "memory"), bar("mem", x.mem)));
    }
    root.appendChild(el("div", { class: "dim" }, "source " + g.source + " at " + g.at));
  }

  function renderHpo() {
    const root = $("hpo");
    clear(root);
    $("hpo-section").hidden = state.mode === "team" && state.hpo.length === 0;
    if (state.hpo.length === 0) { root.appendChild(el("p", { class: "dim" }, "No HPO study.")); return; }
    for (const s of state.hpo) {
      const best = s.trials.filter(t => t.state === "complete" && t.value !== null)
        .reduce((b, t) => b === null || (s.direction === "maximize" ? t.value > b.value : t.value < b.value) ? t : b, null);
      const pruned = s.trials.filter(t => t.state === "pruned").length;
      root.appendChild(el("div", { "data-study": s.name },
        el("h3", null, s.name),
        el("div", { class: "dim" }, s.trialCount + " trials · " + pruned + " pruned · " + s.direction +
          (best ? " · best " + (+best.value.toPrecision(5)) + " (trial " + best.number + ")" : "")),
        el("div", { class: "charts" }, NemoCharts.history(s), NemoCharts.intermediate(s), NemoCharts.importance(s))));
    }
  }

  function renderProblems() {
    const root = $("problems");
    clear(root);
    $("problems-section").hidden = state.problems.length === 0;
    for (const p of state.problems) root.appendChild(el("li", null, p));
  }

  // ------------------------------------------------------------------ data

  function load(board) {
    state.mode = board.mode;
    state.problems = board.problems || [];
    state.hpo = board.hpo || [];
    if (board.mode === "team") {
      $("title").textContent = "NemoSpawn · " + board.team.name + " (" + board.team.id + ")";
      state.tasks = new Map(board.tasks.map(t => [t.id, t]));
      state.agents = new Map(board.agents.map(a => [a.id, a]));
      state.plans = new Map(board.plans.map(p => [p.id, p]));
      state.messages = board.messages;
      state.artifacts = board.artifacts;
      if (board.gpus) state.gpus = board.gpus;
      NemoCost.set(board.cost);
    } else {
      $("title").textContent = "NemoSpawn · HPO " + state.hpo.map(s => s.name).join(", ");
    }
    schedule();
  }

  async function resync() {
    try {
      const r = await fetch("/api/board", { credentials: "same-origin", cache: "no-store" });
      if (r.ok) load(await r.json());
      else notice("Cannot read the board: " + (await r.json()).error);
    } catch (e) { notice("Cannot read the board: " + e); }
  }

  async function refreshHpo() {
    hpoTimer = null;
    const r = await fetch("/api/hpo", { credentials: "same-origin", cache: "no-store" });
    if (r.ok) { state.hpo = await r.json(); schedule("hpo"); }
  }

  function on(name, fn) {
    source.addEventListener(name, ev => { try { fn(JSON.parse(ev.data)); } catch (e) { resync(); } });
  }

  function connect() {
    source = new EventSource("/events");
    source.addEventListener("open", () => { $("conn").textContent = "live"; $("conn").className = "conn on"; resync(); });
    source.addEventListener("error", () => { $("conn").textContent = "reconnecting…"; $("conn").className = "conn off"; });
    on("resync", () => resync());
    on("task", t => {
      state.tasks.set(t.id, t); schedule("kanban");
      if (t.study && hpoTimer === null) hpoTimer = setTimeout(refreshHpo, 500);
    });
    on("agent", a => { state.agents.set(a.id, a); schedule("agents"); });
    on("plan", p => { state.plans.set(p.id, p); schedule("plans"); });
    on("message", m => {
      if (!state.messages.some(x => x.id === m.id)) { state.messages.unshift(m); state.messages.length = Math.min(state.messages.length, 100); }
      schedule("messages");
    });
    on("gpus", g => { state.gpus = g; schedule("gpus"); });
    on("hpo", h => { state.hpo = h; schedule("hpo"); });
    on("cost", c => NemoCost.set(c));
  }

  // ------------------------------------------------------------------ changes

  async function change(path, body) {
    const headers = { "Content-Type": "application/json" };
    if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
    const r = await fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" });
    const j = await r.json();
    if (!r.ok) { notice(r.status + ": " + j.error); return null; }
    notice("");
    return j;
  }

  async function session() {
    const r = await fetch("/api/session", { credentials: "same-origin", cache: "no-store" });
    const s = await r.json();
    state.keys = s.keys; state.csrf = s.csrf; state.mode = s.mode;
    schedule("chrome");
    return s;
  }

  function wire() {
    $("login").addEventListener("submit", async ev => {
      ev.preventDefault();
      const r = await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key: $("key").value }), credentials: "same-origin" });
      const j = await r.json();
      $("key").value = "";
      if (r.ok) { state.csrf = j.csrf; notice(""); schedule("chrome"); if (!source) start(); } else notice(r.status + ": " + j.error);
    });
    $("logout").addEventListener("click", async () => {
      await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
      state.csrf = null; schedule("chrome");
    });
    $("send").addEventListener("submit", async ev => {
      ev.preventDefault();
      const ok = await change("/api/messages", { to: $("send-to").value.trim(), body: $("send-body").value });
      if (ok) $("send-body").value = "";
    });
    window.addEventListener("resize", () => schedule("kanban"));
  }

  function start() { connect(); }

  wire();
  session().then(s => {
    if (s.readsOpen || s.authenticated) start();
    else notice("Log in with an access key to see this board.");
  });
})();
