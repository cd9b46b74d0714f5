// TbBridge's page: plain JavaScript, no library. Every name that came from a worker is set with textContent or
// an attribute, never parsed as HTML. Live updates come over one EventSource (/api/events).
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const RANK = { attention: 0, live: 1, finished: 2 };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function runHref(project, run) {
  return '/run?project=' + encodeURIComponent(project) + '&run=' + encodeURIComponent(run);
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.floor(seconds);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  return Math.floor(s / 86400) + ' d';
}

function num(v) {
  if (v === null || v === undefined) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return String(Math.round(v * 10000) / 10000);
}

function sevBadge(sev, n) {
  return el('span', { class: 'sev ' + (n > 0 ? sev : 'zero'), title: sev, text: String(n) });
}

function connect(query, handlers) {
  const live = document.getElementById('live');
  const source = new EventSource('/api/events' + (query || ''));
  source.onopen = () => { live.classList.add('on'); live.title = 'Live updates: connected'; };
  source.onerror = () => { live.classList.remove('on'); live.title = 'Live updates: reconnecting'; };
  for (const [name, fn] of Object.entries(handlers)) source.addEventListener(name, e => fn(JSON.parse(e.data)));
  window.addEventListener('pagehide', () => source.close());
  return source;
}

// A small line chart: the curve, its non-finite points as red marks on the top edge, and alerts as dashed lines.
function chart(points, alerts, width, height, small) {
  const s = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img' });
  const padL = small ? 2 : 44, padR = small ? 2 : 8, padT = small ? 2 : 10, padB = small ? 2 : 16;
  const finite = points.filter(p => p.v !== null);
  const steps = points.map(p => p.s).concat(alerts.map(a => a.step));
  if (steps.length === 0) return s;
  let x0 = Math.min(...steps), x1 = Math.max(...steps);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  let y0 = finite.length ? Math.min(...finite.map(p => p.v)) : 0, y1 = finite.length ? Math.max(...finite.map(p => p.v)) : 1;
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 + 1e-9; y1 += Math.abs(y1) * 0.1 + 1e-9; }
  const X = st => padL + (st - x0) / (x1 - x0) * (width - padL - padR);
  const Y = v => padT + (1 - (v - y0) / (y1 - y0)) * (height - padT - padB);
  if (!small) {
    s.append(svg('line', { class: 'axis', x1: padL, y1: height - padB, x2: width - padR, y2: height - padB }));
    s.append(svg('line', { class: 'axis', x1: padL, y1: padT, x2: padL, y2: height - padB }));
    for (const [v, y] of [[y1, padT + 4], [y0, height - padB]]) {
      const t = svg('text', { class: 'lbl', x: padL - 4, y, 'text-anchor': 'end' }); t.textContent = num(v); s.append(t);
    }
    for (const [st, anchor] of [[x0, 'start'], [x1, 'end']]) {
      const t = svg('text', { class: 'lbl', x: X(st), y: height - 3, 'text-anchor': anchor }); t.textContent = String(Math.round(st)); s.append(t);
    }
  }
  let d = '', pen = false;
  for (const p of points) {
    if (p.v === null) { pen = false; continue; }
    d += (pen ? 'L' : 'M') + X(p.s).toFixed(1) + ' ' + Y(p.v).toFixed(1) + ' ';
    pen = true;
  }
  const path = svg('path', { class: 'curve', d });
  if (small) path.setAttribute('vector-effect', 'non-scaling-stroke');
  s.append(path);
  for (const p of points.filter(p => p.v === null)) {
    const x = X(p.s);
    const m = svg('path', { class: 'nonfinite', d: `M${x - 4} ${padT - 2} L${x + 4} ${padT - 2} L${x} ${padT + 5} Z`, 'data-nonfinite-step': p.s });
    const t = svg('title', {}); t.textContent = p.x + ' at step ' + p.s; m.append(t); s.append(m);
  }
  for (const a of alerts) {
    const x = X(a.step);
    const g = svg('g', { 'data-alert-step': a.step, 'data-alert-id': a.id, 'data-alert-kind': a.kind });
    g.append(svg('line', { class: 'marker ' + a.severity, x1: x, x2: x, y1: padT, y2: height - padB }));
    g.append(svg('circle', { class: 'flag ' + a.severity, cx: x, cy: padT, r: small ? 2 : 4 }));
    const t = svg('title', {}); t.textContent = a.kind + ' (' + a.severity + ') at step ' + a.step + ': ' + a.message; g.append(t);
    s.append(g);
  }
  return s;
}

function alertCard(a, showRun) {
  const card = el('div', { class: 'alert ' + a.severity, id: 'alert-' + a.id, 'data-alert-id': a.id });
  const where = showRun
    ? el('a', { class: 'where', href: runHref(a.project, a.run) + '#alert-' + a.id, text: a.project + '/' + a.run + ' · ' + a.worker })
    : el('span', { class: 'where', text: 'worker ' + a.worker });
  card.append(el('div', { class: 'head' },
    el('span', { class: 'sev ' + a.severity, text: a.severity }),
    el('span', { class: 'kind', text: a.kind }),
    el('span', { class: 'where', text: 'step ' + a.step + ' · ' + a.tag }),
    where,
    el('span', { class: 'where', text: new Date(a.raisedAt * 1000).toLocaleString() })));
  card.append(el('div', { class: 'msg', text: a.message }));
  const dl = el('dl');
  if (a.evidence.length) {
    const ev = el('div', { class: 'evidence' });
    for (const e of a.evidence) ev.append(el('span', { class: e.text ? 'nf' : '', text: e.name + ' = ' + (e.text || num(e.value)) }));
    dl.append(el('dt', { text: 'Evidence' }), el('dd', {}, ev));
  }
  if (a.hint) dl.append(el('dt', { text: 'Hint' }), el('dd', { text: a.hint }));
  dl.append(el('dt', { text: 'Sub-run' }), el('dd', { text: a.project + '/' + a.run + '/' + a.subRun }));
  if (a.tags && a.tags.length > 1) dl.append(el('dt', { text: 'Tags' }), el('dd', { text: a.tags.join(', ') }));
  card.append(dl);
  return card;
}

// ---- Runs ----
function runsPage(main) {
  const runs = new Map();
  let received = performance.now();
  const params = new URLSearchParams(location.search);
  const project = el('select', { 'aria-label': 'Project' }, el('option', { value: '', text: 'All projects' }));
  const state = el('select', { 'aria-label': 'State' },
    ...[['', 'All states'], ['attention', 'Needs attention'], ['live', 'Live'], ['stalled', 'Stalled'], ['disconnected', 'Disconnected'], ['finished', 'Finished']]
      .map(([v, t]) => el('option', { value: v, text: t })));
  state.value = params.get('state') || '';
  const body = el('tbody');
  const table = el('table', { id: 'runs' }, el('thead', {}, el('tr', {},
    ...['Project', 'Run', 'Workers', 'State', 'Last step', 'Last point', 'Critical', 'Warning', 'Info', 'Loss'].map(h => el('th', { text: h })))), body);
  const empty = el('div', { class: 'empty', text: 'No runs yet. Point a worker at the service (RemoteSink, tbbridge upload) and it appears here within a second.' });
  main.append(el('h1', { text: 'Runs' }), el('div', { class: 'sub', text: 'Needs attention first (critical alerts, disconnected, stalled), then live, then finished. Updates live.' }),
    el('div', { class: 'filters' }, project, state), table, empty);

  function render() {
    const projects = [...new Set([...runs.values()].map(r => r.project))].sort();
    const chosen = project.value || params.get('project') || '';
    project.replaceChildren(el('option', { value: '', text: 'All projects' }), ...projects.map(p => el('option', { value: p, text: p })));
    project.value = projects.includes(chosen) ? chosen : '';
    const since = (performance.now() - received) / 1000;
    const rows = [...runs.values()]
      .filter(r => !project.value || r.project === project.value)
      .filter(r => !state.value || r.state === state.value || (state.value === 'attention' && r.attention))
      .sort((a, b) => (RANK[a.attention ? 'attention' : a.state === 'live' ? 'live' : 'finished'] - RANK[b.attention ? 'attention' : b.state === 'live' ? 'live' : 'finished'])
        || ((a.lastPointAgeSeconds ?? 1e12) - (b.lastPointAgeSeconds ?? 1e12)) || a.project.localeCompare(b.project) || a.run.localeCompare(b.run));
    body.replaceChildren(...rows.map(r => {
      const spark = el('td');
      if (r.loss.length > 1) spark.append(chart(r.loss, [], 120, 28, true));
      spark.firstChild && spark.firstChild.setAttribute('class', 'spark');
      spark.firstChild && spark.firstChild.setAttribute('width', '120');
      spark.firstChild && spark.firstChild.setAttribute('height', '28');
      return el('tr', { class: r.attention ? 'attention' : '', 'data-project': r.project, 'data-run': r.run },
        el('td', { text: r.project }),
        el('td', {}, el('a', { href: runHref(r.project, r.run), text: r.run })),
        el('td', { class: 'num', text: String(r.workers.length) }),
        el('td', {}, el('span', { class: 'state ' + r.state, text: r.state })),
        el('td', { class: 'num', text: r.lastStep === null ? '–' : String(r.lastStep) }),
        el('td', { class: 'num age', text: r.lastPointAgeSeconds === null ? '–' : age(r.lastPointAgeSeconds + (r.state === 'live' ? since : 0)) }),
        el('td', { class: 'num' }, sevBadge('critical', r.alerts.critical)),
        el('td', { class: 'num' }, sevBadge('warning', r.alerts.warning)),
        el('td', { class: 'num' }, sevBadge('info', r.alerts.info)),
        spark);
    }));
    table.hidden = rows.length === 0;
    empty.hidden = rows.length !== 0;
  }

  function take(list) {
    received = performance.now();
    for (const r of list) runs.set(r.project + '\n' + r.run, r);
    render();
  }
  project.addEventListener('change', render);
  state.addEventListener('change', render);
  connect('', { 'runs': list => { runs.clear(); take(list); }, 'runs-changed': take });
  setInterval(render, 1000);
}

// ---- One run ----
function runPage(main) {
  const params = new URLSearchParams(location.search);
  const project = params.get('project') || '', run = params.get('run') || '';
  document.title = project + '/' + run + ' · TbBridge';
  let timer = null, loading = false, again = false;

  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const response = await fetch('/api/run?project=' + encodeURIComponent(project) + '&run=' + encodeURIComponent(run), { credentials: 'same-origin' });
      if (!response.ok) {
        main.replaceChildren(el('h1', { text: project + '/' + run }), el('div', { class: 'empty', text: response.status === 404 ? 'No such run, or not one this key may read.' : 'Could not load the run (' + response.status + ').' }));
        return;
      }
      render(await response.json());
    } finally {
      loading = false;
      if (again) { again = false; schedule(); }
    }
  }

  function schedule() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, 500);
  }

  function render(data) {
    const s = data.summary;
    const head = el('div', {},
      el('h1', {}, el('span', { text: s.project + ' / ' }), el('span', { text: s.run })),
      el('div', { class: 'sub' },
        el('span', { class: 'state ' + s.state, text: s.state }), ' ',
        'step ' + (s.lastStep === null ? '–' : s.lastStep) + ' · last point ' + age(s.lastPointAgeSeconds) + ' ago · ',
        sevBadge('critical', s.alerts.critical), ' ', sevBadge('warning', s.alerts.warning), ' ', sevBadge('info', s.alerts.info), ' · ',
        el('a', { href: data.tensorBoard, target: '_blank', rel: 'noopener', text: 'Open in TensorBoard' })));
    const workers = el('div', { class: 'workers' });
    for (const w of data.workers) {
      const mine = data.alerts.filter(a => a.worker === w.name);
      const charts = el('div', { class: 'charts' });
      const drawnTags = new Set(w.curves.map(c => c.tag));
      w.curves.forEach((c, i) => {
        const on = mine.filter(a => a.tag === c.tag || (i === 0 && !drawnTags.has(a.tag)));
        charts.append(el('div', { class: 'chart', 'data-tag': c.tag },
          el('div', { class: 'title' }, el('span', { class: 'tag', title: c.tag, text: c.tag }),
            el('a', { href: c.tensorBoard, target: '_blank', rel: 'noopener', text: 'TensorBoard' })),
          chart(c.points, on, 320, 140, false)));
      });
      if (w.curves.length === 0) charts.append(el('div', { class: 'empty', text: 'No recognised curves yet (loss, validation loss, accuracy, learning rate, gradient norm).' }));
      workers.append(el('section', { class: 'worker', 'data-worker': w.name },
        el('h3', {}, el('span', { text: 'Worker ' + w.name }),
          el('a', { href: w.tensorBoard, target: '_blank', rel: 'noopener', text: 'TensorBoard' }),
          el('a', { href: w.alertTexts, target: '_blank', rel: 'noopener', text: 'Alert entries' })),
        charts));
    }
    const alerts = el('div', { class: 'alerts', id: 'run-alerts' }, ...data.alerts.map(a => alertCard(a, false)));
    if (data.alerts.length === 0) alerts.append(el('div', { class: 'empty', text: 'No alerts for this run.' }));
    main.replaceChildren(head, workers, el('h2', { text: 'Alerts (' + data.alerts.length + ')' }), alerts);
    if (location.hash && !render.scrolled) {
      const target = document.getElementById(location.hash.slice(1));
      if (target) { target.scrollIntoView(); render.scrolled = true; }
    }
  }

  main.append(el('h1', { text: project + '/' + run }));
  load();
  connect('?project=' + encodeURIComponent(project) + '&run=' + encodeURIComponent(run), { 'runs-changed': schedule, 'alert': schedule });
}

// ---- Alerts feed ----
function alertsPage(main) {
  const params = new URLSearchParams(location.search);
  const fields = {};
  for (const [name, label] of [['project', 'Project'], ['run', 'Run'], ['kind', 'Kind']]) {
    fields[name] = el('input', { type: 'search', placeholder: label, 'aria-label': label, value: params.get(name) || '' });
  }
  fields.severity = el('select', { 'aria-label': 'Severity' }, ...[['', 'Any severity'], ['info', 'Info and above'], ['warning', 'Warning and above'], ['critical', 'Critical']].map(([v, t]) => el('option', { value: v, text: t })));
  fields.severity.value = params.get('severity') || '';
  const list = el('div', { class: 'alerts', id: 'feed' });
  const empty = el('div', { class: 'empty', text: 'No alerts match.' });
  main.append(el('h1', { text: 'Alerts' }), el('div', { class: 'sub', text: 'Every alert this key may read, newest first. New ones appear as they are raised.' }),
    el('div', { class: 'filters' }, fields.project, fields.run, fields.kind, fields.severity), list, empty);
  const SEV = { info: 0, warning: 1, critical: 2 };
  const matches = a => (!fields.project.value || a.project === fields.project.value) && (!fields.run.value || a.run === fields.run.value)
    && (!fields.kind.value || a.kind === fields.kind.value) && (!fields.severity.value || SEV[a.severity] >= SEV[fields.severity.value]);

  async function load() {
    const q = new URLSearchParams();
    for (const [k, f] of Object.entries(fields)) if (f.value) q.set(k, f.value);
    history.replaceState(null, '', '/alerts' + (q.toString() ? '?' + q : ''));
    const response = await fetch('/api/alerts?' + q, { credentials: 'same-origin' });
    const alerts = response.ok ? await response.json() : [];
    list.replaceChildren(...alerts.map(a => alertCard(a, true)));
    empty.hidden = alerts.length !== 0;
  }
  for (const f of Object.values(fields)) f.addEventListener('change', load);
  load();
  connect('', {
    'alert': a => {
      if (!matches(a) || document.getElementById('alert-' + a.id)) return;
      const card = alertCard(a, true); card.classList.add('fresh');
      list.prepend(card);
      while (list.children.length > 500) list.lastChild.remove();
      empty.hidden = true;
    },
  });
}

document.addEventListener('DOMContentLoaded', () => {
  const page = document.body.dataset.page;
  const main = document.getElementById('main');
  for (const a of document.querySelectorAll('[data-nav]')) if (a.dataset.nav === (page === 'run' ? 'runs' : page)) a.classList.add('on');
  if (page === 'runs') runsPage(main);
  else if (page === 'run') runPage(main);
  else if (page === 'alerts') alertsPage(main);
});
