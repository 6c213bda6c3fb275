// NemoSpawn web console. Every node is built with createElement/textContent: text stays text.
// The page's state is derived from the control plane's event stream (SSE, id = sequence number).
'use strict';
(function () {
  const S = {
    csrf: null, lastSeq: 0, swarms: {}, approvals: {}, projects: {}, previews: {}, spend: {}, taskSpend: {},
    mine: new Set(), pendingAlias: {}, autoRouted: new Set(), aliases: {}, seen: 0
  };
  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.setAttribute('class', cls);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function error(msg) {
    const p = el('p', 'err', msg);
    $('errors').appendChild(p);
    setTimeout(() => p.remove(), 30000);
  }

  async function api(method, path, body) {
    const h = { 'Content-Type': 'application/json' };
    if (S.csrf) h['X-CSRF-Token'] = S.csrf;
    const r = await fetch(path, { method, headers: h, body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin' });
    let j = {};
    try { j = await r.json(); } catch (e) { j = {}; }
    if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
    return j;
  }
  async function command(name, payload) {
    try {
      const r = await api('POST', '/api/web/command', { command: name, payload: payload || {} });
      S.mine.add(r.request_id);
      return r;
    } catch (e) {
      error(name + ': ' + e.message);
      return null;
    }
  }

  // ------------------------------------------------------------------ swarms and streams
  function swarmName(id) {
    for (const [a, s] of Object.entries(S.aliases)) if (s === id) return a;
    return id.substring(0, 8);
  }
  function swarm(id, nodeCount) {
    let s = S.swarms[id];
    if (s) {
      if (nodeCount && nodeCount > Object.keys(s.nodes).length) for (let i = 0; i < nodeCount; i++) node(s, i);
      return s;
    }
    const card = el('div', 'swarm');
    card.setAttribute('data-swarm', id);
    const head = el('div', 'head');
    const title = el('strong', 'title', swarmName(id));
    const meta = el('span', 'muted meta', ' ' + id);
    const status = el('span', 'status', '');
    head.append(title, meta, ' ', status);
    const auto = el('label', 'auto');
    const cb = el('input'); cb.setAttribute('type', 'checkbox'); cb.setAttribute('class', 'auto-route');
    cb.addEventListener('change', () => command('auto_route_set', { swarm_id: id, enabled: cb.checked }));
    auto.append(cb, ' auto-route answers');
    const box = el('form', 'prompt-box');
    const ta = el('textarea', 'prompt'); ta.setAttribute('rows', '2');
    ta.setAttribute('placeholder', '/all …  /node[0,2-4] …  /swarm[alias]/idle …  /swarm[alias]/all …');
    const send = el('button', 'send', 'Send'); send.setAttribute('type', 'submit');
    box.append(ta, send);
    box.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = ta.value;
      if (!text.trim()) return;
      const r = await command('route_prompt', { swarm_id: id, text });
      if (r) ta.value = '';
    });
    const nodes = el('div', 'nodes');
    card.append(head, auto, box, nodes);
    $('swarms').appendChild(card);
    s = { id, card, title, status, cb, nodesEl: nodes, nodes: {}, injections: {} };
    S.swarms[id] = s;
    for (let i = 0; i < (nodeCount || 0); i++) node(s, i);
    return s;
  }
  function node(s, n) {
    let d = s.nodes[n];
    if (d) return d;
    d = el('div', 'node');
    d.setAttribute('data-node', String(n));
    d.appendChild(el('div', 'muted', 'node ' + n));
    // keep nodes in id order
    const after = Object.keys(s.nodes).map(Number).filter((k) => k > n).sort((a, b) => a - b)[0];
    if (after !== undefined) s.nodesEl.insertBefore(d, s.nodes[after]); else s.nodesEl.appendChild(d);
    s.nodes[n] = d;
    return d;
  }
  function entry(e, cls, text) {
    const d = e.data || {};
    if (!d.swarm_id || d.node_id === undefined || d.node_id === null) return null;
    const s = swarm(d.swarm_id);
    const n = node(s, Number(d.node_id));
    const line = el('div', 'ev ' + cls, text);
    line.setAttribute('data-seq', String(e.seq));
    line.setAttribute('data-event', e.event);
    n.appendChild(line);
    n.scrollTop = n.scrollHeight;
    return line;
  }
  function deltaTarget(e) {
    const d = e.data;
    const s = swarm(d.swarm_id);
    let t = s.injections[d.injection_id];
    if (!t) {
      t = entry(e, 'text', '');
      t.removeAttribute('data-seq'); // each delta span carries its own
      t.removeAttribute('data-event');
      s.injections[d.injection_id] = t;
    }
    return t;
  }

  // ------------------------------------------------------------------ approvals, queue, spend
  function approvalKey(d) { return d.job_id + '|' + d.call_id + '|' + d.node_id; }
  function renderApprovals() {
    const root = $('approvals');
    clear(root);
    const list = Object.values(S.approvals);
    if (!list.length) { root.appendChild(el('p', 'muted', 'No pending approvals.')); return; }
    for (const a of list) {
      const box = el('div', 'approval');
      box.setAttribute('data-call', a.call_id);
      box.append(el('div', 'who', swarmName(a.swarm_id) + ' / node ' + a.node_id));
      box.append(el('div', 'ev cmd', '$ ' + (Array.isArray(a.command) ? a.command.join(' ') : a.command)));
      box.append(el('div', 'muted', 'reason: ' + (a.reason || '—') + ' · cwd: ' + (a.cwd || '—')));
      for (const [label, ok] of [['Approve', true], ['Deny', false]]) {
        const b = el('button', ok ? 'approve' : 'deny', label);
        b.addEventListener('click', () => command('approve_execution', {
          job_id: a.job_id, call_id: a.call_id, node_id: a.node_id, injection_id: a.injection_id,
          approved: ok }));
        box.appendChild(b);
      }
      root.appendChild(box);
    }
  }
  function renderQueue(items) {
    const root = $('queue');
    clear(root);
    for (const i of items || []) {
      const tr = el('tr');
      const age = i.created_at ? Math.max(0, Math.round((Date.now() - Date.parse(i.created_at)) / 1000)) + ' s' : '';
      const sel = i.selector + (i.nodes && i.nodes.length ? ' [' + i.nodes.join(',') + ']' : '');
      for (const v of [i.source_swarm_id ? swarmName(i.source_swarm_id) : '—', swarmName(i.target_swarm_id), sel, age, i.content]) {
        tr.appendChild(el('td', null, v));
      }
      root.appendChild(tr);
    }
  }
  function renderSpend() {
    const root = $('spend');
    clear(root);
    const teams = {};
    for (const [k, v] of Object.entries(S.spend)) {
      const [sw, n] = k.split('|');
      const tr = el('tr');
      tr.append(el('td', null, swarmName(sw)), el('td', null, 'node ' + n), el('td', null, v.tokens),
        el('td', null, v.priced ? v.cost.toFixed(4) : 'unpriced'));
      root.appendChild(tr);
      const t = teams[sw] || (teams[sw] = { tokens: 0, cost: 0, priced: true });
      t.tokens += v.tokens; t.cost += v.cost; t.priced = t.priced && v.priced;
    }
    for (const [sw, t] of Object.entries(teams)) {
      const tr = el('tr', 'team-total');
      tr.append(el('td', null, swarmName(sw)), el('td', null, 'team total'), el('td', null, t.tokens),
        el('td', null, t.priced ? t.cost.toFixed(4) : 'unpriced'));
      root.appendChild(tr);
    }
  }

  // spend of the turns that worked on a project task (their usage events carry project_id and
  // task_id): per task, and a total per project
  function projectTitle(pid) {
    const p = S.projects[pid];
    return p && p.title ? p.title : pid;
  }
  function renderTaskSpend() {
    const root = $('spend-tasks');
    clear(root);
    const projects = {};
    for (const [k, v] of Object.entries(S.taskSpend)) {
      const [pid, tid] = JSON.parse(k);
      const tr = el('tr', 'task-spend');
      tr.setAttribute('data-project', pid);
      tr.setAttribute('data-task', tid);
      tr.append(el('td', null, projectTitle(pid)), el('td', null, tid), el('td', null, v.tokens),
        el('td', null, v.priced ? v.cost.toFixed(4) : 'unpriced'));
      root.appendChild(tr);
      const t = projects[pid] || (projects[pid] = { tokens: 0, cost: 0, priced: true });
      t.tokens += v.tokens; t.cost += v.cost; t.priced = t.priced && v.priced;
    }
    for (const [pid, t] of Object.entries(projects)) {
      const tr = el('tr', 'project-total');
      tr.setAttribute('data-project', pid);
      tr.append(el('td', null, projectTitle(pid)), el('td', null, 'project total'), el('td', null, t.tokens),
        el('td', null, t.priced ? t.cost.toFixed(4) : 'unpriced'));
      root.appendChild(tr);
    }
  }

  // ------------------------------------------------------------------ projects
  function previewSummary(pv) {
    if (pv.blocked) return 'blocked: ' + (pv.blocked_reason || pv.reason || 'see the project');
    const sm = pv.summary || {};
    const parts = Object.entries(sm).filter(([, v]) => typeof v === 'number' && v > 0).map(([k, v]) => k.replace(/_/g, ' ') + ' ' + v);
    return (pv.task_changes || []).length + ' task(s) change' + (parts.length ? ' · ' + parts.join(', ') : '');
  }
  function renderProjects() {
    const root = $('projects');
    clear(root);
    for (const [id, p] of Object.entries(S.projects)) {
      const box = el('div', 'project');
      box.setAttribute('data-project', id);
      box.append(el('strong', 'p-title', p.title), el('span', 'muted', ' ' + id + ' · '),
        el('span', 'p-status', p.status));
      const graph = el('div', 'graph');
      const tasks = Array.isArray(p.tasks) ? p.tasks.map((t) => [t.task_id || t.id || '', t])
        : Object.entries(p.tasks || {});
      for (const [tid, t] of tasks) {
        const c = el('span', 'task ' + (t.status || ''));
        c.setAttribute('data-task', t.task_id || tid);
        c.append(el('span', 't-title', t.title), el('span', 'muted',
          ' · ' + (t.status || '') + (t.branch ? ' · ' + t.branch : '') +
          (t.assigned_swarm_id ? ' · ' + swarmName(t.assigned_swarm_id) + '/node ' + t.assigned_node_id : '') +
          (t.depends_on && t.depends_on.length ? ' · after ' + t.depends_on.join(',') : '')));
        graph.appendChild(c);
      }
      const prev = el('button', 'preview', 'Preview resume');
      const out = el('div', 'preview-out');
      // the last preview stays shown when the graph re-renders on later events
      const showPreview = (pv) => {
        clear(out);
        if (!pv) return;
        out.appendChild(el('div', 'muted summary', typeof pv.summary === 'string' ? pv.summary : previewSummary(pv)));
        for (const c of pv.task_changes || []) {
          out.appendChild(el('div', 'ev change', c.task_id + ': ' + c.before_status + ' → ' + c.after_status + ' (' + c.resume_decision + ')'));
        }
      };
      showPreview(S.previews[id]);
      prev.addEventListener('click', async () => {
        const r = await command('project_resume_preview', { project_id: id, retry_failed: true, reverify_completed: true });
        if (!r) return;
        S.previews[id] = r.data.preview || {};
        showPreview(S.previews[id]);
      });
      const res = el('button', 'resume', 'Resume (retry failed, re-verify completed)');
      res.addEventListener('click', async () => {
        const r = await command('project_resume', { project_id: id, retry_failed: true, reverify_completed: true });
        if (r) { delete S.previews[id]; clear(out); } // the preview described the state before this resume
      });
      box.append(graph, prev, res, out);
      root.appendChild(box);
    }
  }

  // ------------------------------------------------------------------ the reducer
  function apply(e) {
    const d = e.data || {};
    switch (e.event) {
      case 'swarm_launch_progress':
        $('launch-log').appendChild(el('li', 'progress', d.stage + ': ' + (d.message || '')));
        break;
      case 'swarm_launched': {
        $('launch-log').appendChild(el('li', 'progress', 'launched ' + d.swarm_id + ' (' + d.node_count + ' nodes)'));
        const a = S.pendingAlias[d.request_id];
        const s = swarm(d.swarm_id, d.node_count);
        s.status.textContent = 'running';
        if (a) { delete S.pendingAlias[d.request_id]; command('swarm_alias_set', { alias: a, swarm_id: d.swarm_id }); }
        break;
      }
      case 'swarm_status': if (d.swarm_id && S.swarms[d.swarm_id]) S.swarms[d.swarm_id].status.textContent = d.status; break;
      case 'swarm_terminated': if (S.swarms[d.swarm_id]) S.swarms[d.swarm_id].status.textContent = 'terminated'; break;
      case 'swarm_aliases':
        S.aliases = d.aliases || {};
        for (const s of Object.values(S.swarms)) s.title.textContent = swarmName(s.id);
        break;
      case 'auto_route_updated':
        S.autoRouted = new Set(d.swarm_ids || []);
        for (const s of Object.values(S.swarms)) s.cb.checked = S.autoRouted.has(s.id);
        break;
      case 'inject_ack': entry(e, 'prompt', '▶ ' + d.prompt); break;
      case 'inject_failed': entry(e, 'turn', '✗ not delivered: ' + d.error); break;
      case 'turn_started': entry(e, 'turn', '— turn started —'); break;
      case 'assistant_delta': {
        const t = deltaTarget(e);
        const span = el('span', 'delta', d.content);
        span.setAttribute('data-seq', String(e.seq));
        t.appendChild(span);
        break;
      }
      case 'assistant': entry(e, 'assistant', d.content); break;
      case 'command_started': entry(e, 'cmd', '$ ' + [].concat(d.command || []).join(' ') + ' (started)'); break;
      case 'command_completed': entry(e, 'cmd', '$ ' + [].concat(d.command || []).join(' ') + ' → ' + d.status + (d.exit_code !== undefined && d.exit_code !== null ? ' (exit ' + d.exit_code + ')' : '')); break;
      case 'filechange_started': case 'filechange_completed':
        entry(e, 'files', 'files ' + (e.event.endsWith('started') ? 'changing' : 'changed') + ': ' + JSON.stringify(d.changes || [])); break;
      case 'task_complete': entry(e, 'turn', '— answer complete —'); break;
      case 'turn_complete': entry(e, 'turn', '— turn complete —'); break;
      case 'agent_error': entry(e, 'turn', '✗ ' + d.message); break;
      case 'usage': {
        const k = d.swarm_id + '|' + d.node_id;
        const v = S.spend[k] || (S.spend[k] = { tokens: 0, cost: 0, priced: true });
        v.tokens = d.total_tokens || v.tokens;
        if (typeof d.last_estimated_cost_usd === 'number') v.cost += d.last_estimated_cost_usd; else v.priced = false;
        renderSpend();
        if (d.project_id && d.task_id) {
          const tk = JSON.stringify([String(d.project_id), String(d.task_id)]);
          const ts = S.taskSpend[tk] || (S.taskSpend[tk] = { tokens: 0, cost: 0, priced: true });
          ts.tokens += Number(d.last_total_tokens) || 0;
          if (typeof d.last_estimated_cost_usd === 'number') ts.cost += d.last_estimated_cost_usd; else ts.priced = false;
          renderTaskSpend();
        }
        break;
      }
      case 'exec_approval_required':
        S.approvals[approvalKey(d)] = d;
        entry(e, 'cmd', '? approval asked: ' + [].concat(d.command || []).join(' '));
        renderApprovals();
        break;
      case 'exec_approval_submitted': case 'exec_approval_resolved': {
        const k = Object.keys(S.approvals).find((x) => { const a = S.approvals[x]; return a.call_id === d.call_id && a.job_id === d.job_id; });
        if (k) { delete S.approvals[k]; renderApprovals(); }
        $('approvals').appendChild(el('div', 'muted decided', 'decided ' + d.call_id + ': ' + (d.decision || (d.approved ? 'approved' : 'denied'))));
        break;
      }
      case 'queue_updated': renderQueue(d.items); break;
      case 'projects_updated': S.projects = d.projects || {}; renderProjects(); renderTaskSpend(); break;
      case 'auto_route_submitted': case 'auto_route_ignored':
        $('launch-log').appendChild(el('li', 'route', e.event + ': ' + (d.directive || '') + (d.reason ? ' — ' + d.reason : '')));
        break;
      case 'auto_reply_submitted': case 'auto_reply_ignored': {
        // an answer to a /reply prompt: typed by a person, it is shown on the sender's swarm card
        const s = d.kind === 'person' && d.source_swarm_id ? swarm(d.source_swarm_id) : null;
        if (s) {
          const r = el('div', 'reply', d.content || '');
          r.setAttribute('data-request', d.request_id || '');
          s.card.insertBefore(r, s.nodesEl);
        }
        $('launch-log').appendChild(el('li', 'route', e.event + ': ' + swarmName(d.target_swarm_id || '') + '/node ' + d.target_node_id + ' → ' + swarmName(d.source_swarm_id || '') + (d.source_node_id >= 0 ? '/node ' + d.source_node_id : '') + (d.reason ? ' — ' + d.reason : '')));
        break;
      }
      case 'command_rejected':
        if (S.mine.has(d.request_id)) error(d.reason || 'rejected');
        break;
      default: break;
    }
  }

  function onEvent(m) {
    let e;
    try { e = JSON.parse(m.data); } catch (x) { return; }
    if (typeof e.seq !== 'number' || e.seq <= S.lastSeq) return; // each event once
    S.lastSeq = e.seq;
    S.seen++;
    document.body.setAttribute('data-last-seq', String(S.lastSeq));
    try { apply(e); } catch (x) { error('Could not show event ' + e.event + ': ' + x.message); }
  }

  async function start() {
    try {
      const s = await api('GET', '/api/session');
      if (s.authenticated) { S.csrf = s.csrf; $('who').textContent = 'logged in'; }
      const snap = await api('GET', '/api/web/snapshot');
      const sel = $('provider');
      for (const p of snap.providers || []) {
        const o = el('option', null, p.label + (p.disabled ? ' — ' + (p.disabled_reason || 'disabled') : ''));
        o.setAttribute('value', p.id);
        if (p.disabled) o.setAttribute('disabled', 'disabled');
        sel.appendChild(o);
      }
      S.aliases = snap.aliases || {};
      S.autoRouted = new Set(snap.auto_routed || []);
      for (const [id, r] of Object.entries(snap.swarms || {})) {
        const sw = swarm(id, r.node_count);
        sw.status.textContent = r.status || '';
        sw.cb.checked = S.autoRouted.has(id);
      }
      S.projects = snap.projects || {};
      renderProjects();
      renderApprovals();
    } catch (e) {
      error('Could not read the control plane: ' + e.message);
    }
    // a new page replays everything the console kept (from 0); a dropped connection resumes
    // after the last id it saw (the browser sends Last-Event-ID)
    const es = new EventSource('/api/web/events?since=0');
    es.onopen = () => { $('conn').textContent = 'live'; };
    es.onerror = () => { $('conn').textContent = 'reconnecting…'; };
    es.onmessage = onEvent;
    es.addEventListener('resync', () => { es.close(); location.reload(); });
  }

  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', '/api/login', { key: $('key').value });
      S.csrf = r.csrf;
      $('key').value = '';
      $('who').textContent = 'logged in';
    } catch (e) { error('Login: ' + e.message); }
  });

  async function readSkills(files) {
    const out = [];
    for (const f of files) {
      const path = (f.webkitRelativePath || f.name).replace(/^[^/]*\/skills\//, '');
      out.push({ path, content: await f.text() });
    }
    return out;
  }

  $('launch-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let params;
    try { params = JSON.parse($('params').value || '{}'); } catch (e) { error('Provider params are not JSON: ' + e.message); return; }
    if ($('model').value) params.agent_model = $('model').value;
    const payload = { provider: $('provider').value, nodes: Number($('nodes').value), provider_params: params,
      system_prompt: $('system-prompt').value };
    let md = $('agents-md').value;
    let skills = await readSkills($('skills').files || []);
    const dir = Array.from($('persona-dir').files || []);
    if (dir.length) {
      const root = dir.find((f) => /^[^/]+\/AGENTS\.md$/.test(f.webkitRelativePath));
      if (root) md = await root.text();
      skills = await readSkills(dir.filter((f) => /^[^/]+\/skills\//.test(f.webkitRelativePath)));
    }
    if (skills.length) payload.agents_bundle = { mode: 'directory', agents_md_content: md, skills_files: skills };
    else if (md) payload.agents_md_content = md;
    const r = await command('swarm_launch', payload);
    if (r && $('alias').value) S.pendingAlias[r.request_id] = $('alias').value;
  });

  $('project-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const workers = $('p-workers').value.split(',').map((x) => x.trim()).filter((x) => x);
    const base = { title: $('p-title').value, repo_path: $('p-repo').value, worker_swarm_ids: workers, auto_start: true };
    if ($('p-spec').value.trim()) {
      await command('project_plan', Object.assign(base, { spec: $('p-spec').value, planner_swarm_id: $('p-planner').value }));
      return;
    }
    let tasks;
    try { tasks = JSON.parse($('p-tasks').value || '[]'); } catch (e) { error('Tasks are not JSON: ' + e.message); return; }
    await command('project_create', Object.assign(base, { tasks }));
  });

  start();
})();
