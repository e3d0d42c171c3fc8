// skyprobe local dashboard: plain JS, no build step, no external resources.
// Hash routes: #/ (overview) and #/check/<id>. Every 5 s the current view
// fetches the JSON API again and re-renders the sections whose HTML changed.
// Every string from the API goes through `html` (escaped); nothing else
// writes markup.
'use strict';

(() => {
  const REFRESH_MS = 5000;

  // ---- escaping ----

  /** Markup that is already safe. Only `html` and `raw` make one. */
  class Safe {
    constructor(text) {
      this.text = text;
    }
    toString() {
      return this.text;
    }
  }
  const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
  const escapeText = (value) => String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
  const part = (value) => {
    if (value instanceof Safe) return value.text;
    if (Array.isArray(value)) return value.map(part).join('');
    if (value === null || value === undefined || value === false) return '';
    return escapeText(value);
  };
  /** Tagged template: interpolated values are escaped unless they are Safe (or arrays of Safe). */
  const html = (strings, ...values) => {
    let out = strings[0];
    for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
    return new Safe(out);
  };

  // ---- formatting ----

  const STATE_LABELS = { up: 'Up', degraded: 'Degraded', late: 'Late', down: 'Down', pending: 'Pending' };
  const STATE_ORDER = { down: 0, degraded: 1, late: 1, pending: 2, up: 3 };
  const TYPE_LABELS = { http: 'HTTP', tcp: 'TCP', dns: 'DNS', tls: 'TLS', heartbeat: 'Heartbeat' };
  const PHASES = [
    ['dns', 'DNS'],
    ['connect', 'Connect'],
    ['tls', 'TLS'],
    ['ttfb', 'Time to first byte'],
    ['download', 'Download'],
  ];

  /** Uptime: floored to 0.01 so that a single failure never shows as 100%. */
  const pct = (value) => {
    if (value === null || value === undefined) return '—';
    if (value >= 100) return '100%';
    return `${(Math.floor(value * 100) / 100).toFixed(2)}%`;
  };
  const pctClass = (value) => (value === null || value === undefined ? 'none' : value >= 99.9 ? 'ok' : value >= 99 ? 'warn' : 'bad');

  const ms = (value) => {
    if (value === null || value === undefined) return '—';
    if (value < 10) return `${value.toFixed(1)} ms`;
    if (value < 1000) return `${Math.round(value)} ms`;
    if (value < 10000) return `${(value / 1000).toFixed(2)} s`;
    return `${(value / 1000).toFixed(1)} s`;
  };

  const duration = (seconds) => {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
    const d = Math.floor(h / 24);
    return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
  };

  let serverOffsetMs = 0; // server clock minus browser clock, from /api/health
  const serverNow = () => Date.now() + serverOffsetMs;
  const ago = (iso) => {
    if (!iso) return '—';
    const seconds = (serverNow() - Date.parse(iso)) / 1000;
    return seconds < 5 ? 'just now' : `${duration(seconds)} ago`;
  };

  const pad = (n) => String(n).padStart(2, '0');
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const timeOfDay = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const dateTime = (iso) => {
    if (!iso) return '—';
    const d = new Date(iso);
    const sameDay = new Date(serverNow()).toDateString() === d.toDateString();
    return sameDay ? timeOfDay(d) : `${MONTHS[d.getMonth()]} ${d.getDate()}, ${timeOfDay(d)}`;
  };
  /** A configured duration, as written in a config file. */
  const setting = (millis) => {
    if (millis >= 86400000 && millis % 86400000 === 0) return `${millis / 86400000} d`;
    if (millis >= 3600000 && millis % 3600000 === 0) return `${millis / 3600000} h`;
    if (millis % 60000 === 0) return `${millis / 60000} min`;
    if (millis % 1000 === 0) return `${millis / 1000} s`;
    return `${millis} ms`;
  };
  const errorText = (error) => (error ? `${error.kind}: ${error.message}` : '');
  const hourDate = (hour) => new Date(`${hour}:00:00Z`);
  const checkHref = (id) => `#/check/${encodeURIComponent(id)}`;

  // ---- small components ----

  const badge = (state, extraClass = '') => html`<span class="badge badge-${state} ${extraClass}"><span class="dot" aria-hidden="true"></span>${STATE_LABELS[state] ?? state}</span>`;
  const runBadge = (status) => html`<span class="pill pill-${status}">${STATE_LABELS[status] ?? status}</span>`;
  const maintenanceBadge = (on) => (on ? html`<span class="badge badge-maintenance" title="In a maintenance window: alerts are muted">Maintenance</span>` : '');
  const tagChips = (tags) => tags.map((t) => html`<span class="chip">${t}</span>`);
  const severityChip = (severity) => html`<span class="chip chip-sev chip-sev-${severity}" title="Severity">${severity}</span>`;

  /** Daily bars: uptime per UTC day, oldest first. `bars`: [{date, uptimePercent, runs?, failedRuns?}]. */
  const dayBars = (bars, size) => {
    const days = bars.map((b) => {
      const label =
        b.uptimePercent === null
          ? `${b.date}: no data`
          : `${b.date}: ${pct(b.uptimePercent)} up${b.runs === undefined ? '' : ` (${b.runs - b.failedRuns} of ${b.runs} runs passed)`}`;
      return html`<span class="day day-${pctClass(b.uptimePercent)}" title="${label}"></span>`;
    });
    return html`<div class="days days-${size}" role="img" aria-label="Daily uptime, last ${bars.length} days (UTC)">${days}</div>`;
  };

  const daysFromOverview = (daily90) => {
    const today = new Date(serverNow());
    return daily90.map((uptimePercent, i) => {
      const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (daily90.length - 1 - i)));
      return { date: d.toISOString().slice(0, 10), uptimePercent };
    });
  };

  /** A future time: "in 5 min (14:05:00)"; a past one: "5 min ago". */
  const dueText = (iso) => {
    const seconds = (Date.parse(iso) - serverNow()) / 1000;
    return seconds >= 0 ? `in ${duration(seconds)} (${dateTime(iso)})` : `${duration(-seconds)} ago (${dateTime(iso)})`;
  };

  /** A heartbeat's last ping, its run's duration and the next deadline, or why it is down. */
  const heartbeatCell = (c) => {
    const hb = c.heartbeat;
    const lines = [];
    if (hb.lastPingAt === null) lines.push(html`<span class="muted">Waiting for the first ping</span>`);
    else {
      lines.push(html`<div class="hb-line"><span class="hb-ping">${hb.lastPingKind === 'fail' ? 'Failure reported' : 'Last ping'}</span>
        <span class="muted" title="${hb.lastPingAt}">${ago(hb.lastPingAt)}</span>
        ${hb.lastDurationMs === null ? '' : html`<span class="hb-duration" title="Duration of the last run, from its /start">took ${ms(hb.lastDurationMs)}</span>`}</div>`);
    }
    if (hb.runningSince) lines.push(html`<div class="muted small" title="${hb.runningSince}">running since ${dateTime(hb.runningSince)}</div>`);
    if (hb.dueBy) {
      const overdue = Date.parse(hb.dueBy) <= serverNow();
      lines.push(html`<div class="small hb-due ${overdue ? 'error-line' : 'muted'}" title="${hb.dueBy}">${overdue ? 'missed: was due' : 'next ping due'} ${dueText(hb.dueBy)}</div>`);
    }
    if (hb.downReason === 'failed') lines.push(html`<div class="error-line" title="${hb.lastMessage ?? ''}">the job reported a failure${hb.lastMessage ? `: ${hb.lastMessage}` : ''}</div>`);
    else if (hb.lastMessage) lines.push(html`<div class="hb-message" title="${hb.lastMessage}">${hb.lastMessage}</div>`);
    return lines;
  };

  const lastRunCell = (last) => {
    if (!last) return html`<span class="muted">No runs yet</span>`;
    const code = last.httpStatus === null ? '' : html`<span class="code">${last.httpStatus}</span>`;
    return html`<div class="last-line">${code}<span class="num-strong">${ms(last.totalMs)}</span><span class="muted" title="${last.startedAt}">${ago(last.startedAt)}</span></div>
      ${last.error ? html`<div class="error-line" title="${errorText(last.error)}">${errorText(last.error)}</div>` : ''}`;
  };

  // ---- charts (inline SVG) ----

  const niceStep = (raw) => {
    const power = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw) return m * power;
    return 10 * power;
  };
  const yScale = (maxValue) => {
    const step = niceStep(Math.max(maxValue, 1) / 4);
    const top = Math.max(step, Math.ceil(maxValue / step) * step);
    const ticks = [];
    for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
    return { top, ticks };
  };
  const axisMs = (v) => (v >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)} s` : `${Math.round(v)} ms`);

  const CHART = { width: 720, height: 240, left: 58, right: 14, top: 14, bottom: 30 };

  /** Shared frame: horizontal grid with y labels, and hour labels every 6 hours (local time). */
  const chartFrame = (hours, scale) => {
    const { width, height, left, right, top, bottom } = CHART;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const y = (v) => top + plotH - (v / scale.top) * plotH;
    const step = plotW / hours.length;
    const x = (i) => left + step * (i + 0.5);
    const grid = scale.ticks.map(
      (t) => html`<line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" class="grid${t === 0 ? ' grid-base' : ''}"/>
        <text x="${left - 8}" y="${y(t) + 4}" class="axis-label" text-anchor="end">${axisMs(t)}</text>`,
    );
    const labels = hours.map((h, i) => {
      const d = hourDate(h.hour);
      if (d.getHours() % 6 !== 0) return '';
      const text = d.getHours() === 0 ? `${MONTHS[d.getMonth()]} ${d.getDate()}` : `${pad(d.getHours())}:00`;
      return html`<line x1="${left + step * i}" x2="${left + step * i}" y1="${top + plotH}" y2="${top + plotH + 4}" class="tick"/>
        <text x="${left + step * i}" y="${height - 10}" class="axis-label" text-anchor="middle">${text}</text>`;
    });
    return { x, y, step, plotH, grid, labels };
  };

  const hourTitle = (h) => {
    const d = hourDate(h.hour);
    return `${MONTHS[d.getMonth()]} ${d.getDate()} ${pad(d.getHours())}:00–${pad((d.getHours() + 1) % 24)}:00`;
  };

  const latencyChart = (hours) => {
    const values = hours.flatMap((h) => [h.p50Ms, h.p95Ms]).filter((v) => v !== null);
    if (values.length === 0) return html`<p class="empty">No runs in this period.</p>`;
    const scale = yScale(Math.max(...values));
    const f = chartFrame(hours, scale);
    const series = (key) => {
      let d = '';
      const dots = [];
      hours.forEach((h, i) => {
        const v = h[key];
        if (v === null) return;
        const prev = hours[i - 1];
        const next = hours[i + 1];
        const connected = prev !== undefined && prev[key] !== null;
        d += `${connected ? 'L' : 'M'}${f.x(i).toFixed(1)} ${f.y(v).toFixed(1)}`;
        // A lone hour has no line to show it: draw a dot.
        if (!connected && (next === undefined || next[key] === null)) dots.push(html`<circle cx="${f.x(i)}" cy="${f.y(v)}" r="2.5" class="dot-${key}"/>`);
      });
      return html`<path d="${d}" class="line line-${key}"/>${dots}`;
    };
    const hover = hours.map((h, i) => {
      const text = h.runs === 0 ? `${hourTitle(h)}: no runs` : `${hourTitle(h)}: p50 ${ms(h.p50Ms)}, p95 ${ms(h.p95Ms)} (${h.runs} runs)`;
      return html`<rect x="${f.x(i) - f.step / 2}" y="${CHART.top}" width="${f.step}" height="${f.plotH}" class="hover"><title>${text}</title></rect>`;
    });
    return html`<svg class="chart" id="latency-chart" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="Response time p50 and p95 by hour">
      ${f.grid}${f.labels}${series('p95Ms')}${series('p50Ms')}${hover}</svg>`;
  };

  const phaseChart = (hours) => {
    const totals = hours.map((h) => (h.phases === null ? 0 : PHASES.reduce((sum, [key]) => sum + h.phases[key], 0)));
    if (totals.every((t) => t === 0)) return html`<p class="empty">No phase timings in this period.</p>`;
    const scale = yScale(Math.max(...totals));
    const f = chartFrame(hours, scale);
    const barW = Math.max(2, f.step * 0.7);
    const bars = hours.map((h, i) => {
      if (h.phases === null) return '';
      let base = 0;
      const parts = PHASES.map(([key]) => {
        const v = h.phases[key];
        if (v <= 0) return '';
        const y1 = f.y(base + v);
        const rect = html`<rect x="${f.x(i) - barW / 2}" y="${y1}" width="${barW}" height="${Math.max(0.5, f.y(base) - y1)}" class="ph ph-${key}"/>`;
        base += v;
        return rect;
      });
      const text = `${hourTitle(h)} (${h.runs} runs, average): ${PHASES.map(([key, label]) => `${label} ${ms(h.phases[key])}`).join(', ')}`;
      return html`<g class="phase-bar">${parts}<rect x="${f.x(i) - f.step / 2}" y="${CHART.top}" width="${f.step}" height="${f.plotH}" class="hover"><title>${text}</title></rect></g>`;
    });
    return html`<svg class="chart" id="phase-chart" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="Average time per phase by hour">${f.grid}${f.labels}${bars}</svg>`;
  };

  const legend = (items) => html`<div class="legend">${items.map(([cls, label]) => html`<span class="legend-item"><span class="swatch ${cls}"></span>${label}</span>`)}</div>`;
  const dayLegend = legend([
    ['day-ok', '≥ 99.9%'],
    ['day-warn', '≥ 99%'],
    ['day-bad', '< 99%'],
    ['day-none', 'No data'],
  ]);

  // ---- data ----

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  const getJson = async (path) => {
    const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, (body && body.error) || `HTTP ${res.status}`);
    return body;
  };

  // ---- page scaffolding ----

  const view = document.getElementById('view');
  const meta = document.getElementById('meta');
  const banner = document.getElementById('banner');
  const projectEl = document.getElementById('project');

  /** Replaces the children of `container` with `sections` ({key, html}), leaving unchanged sections alone. */
  const patch = (container, sections) => {
    const existing = new Map();
    for (const el of Array.from(container.children)) existing.set(el.dataset.key, el);
    let previous = null;
    for (const { key, html: markup } of sections) {
      const text = markup.toString();
      let el = existing.get(key);
      if (el === undefined) {
        el = document.createElement('div');
        el.dataset.key = key;
        el.className = `section section-${key}`;
        el.innerHTML = text;
        el.renderedHtml = text;
      } else {
        existing.delete(key);
        if (el.renderedHtml !== text) {
          el.innerHTML = text;
          el.renderedHtml = text;
        }
      }
      const ref = previous === null ? container.firstChild : previous.nextSibling;
      if (ref !== el) container.insertBefore(el, ref);
      previous = el;
    }
    for (const el of existing.values()) el.remove();
  };

  const renderMeta = (health) => {
    serverOffsetMs = Date.parse(health.now) - Date.now();
    projectEl.textContent = health.project;
    const pending =
      health.pendingWrites > 0
        ? html`<span class="meta-item meta-warn" title="Store writes waiting to be retried">${health.pendingWrites} writes pending</span>`
        : '';
    meta.innerHTML = html`<span class="meta-item" title="Probe location">${health.location}</span>
      <span class="meta-item" title="Runner started ${health.startedAt}">running for ${duration((serverNow() - Date.parse(health.startedAt)) / 1000)}</span>
      ${pending}
      <span class="meta-item live" title="Refreshes every 5 s"><span class="live-dot" aria-hidden="true"></span>Updated ${timeOfDay(new Date())}</span>`.toString();
  };

  const showBanner = (message) => {
    if (message === null) {
      banner.hidden = true;
      banner.textContent = '';
    } else {
      banner.hidden = false;
      banner.textContent = message;
    }
  };

  // ---- overview ----

  let filterText = '';
  let lastOverview = null;

  const overviewSections = (checks, incidents) => {
    const counts = { up: 0, degraded: 0, late: 0, down: 0, pending: 0 };
    for (const c of checks) counts[c.state] = (counts[c.state] ?? 0) + 1;
    const heartbeats = checks.filter((c) => c.type === 'heartbeat').length;
    const maintenance = checks.filter((c) => c.inMaintenance).length;
    const open = incidents.filter((i) => i.open);
    document.title = counts.down > 0 ? `(${counts.down} down) skyprobe` : 'skyprobe';

    const tile = (label, value, cls) => html`<div class="tile ${cls}"><div class="tile-value">${value}</div><div class="tile-label">${label}</div></div>`;
    const summary = html`<div class="tiles">
      ${tile('Checks', checks.length - heartbeats, '')}
      ${heartbeats > 0 ? tile('Heartbeats', heartbeats, 'tile-heartbeats') : ''}
      ${tile('Up', counts.up, 'tile-up')}
      ${tile('Degraded', counts.degraded, counts.degraded > 0 ? 'tile-degraded' : '')}
      ${counts.late > 0 ? tile('Late', counts.late, 'tile-late') : ''}
      ${tile('Down', counts.down, counts.down > 0 ? 'tile-down' : '')}
      ${tile('Pending', counts.pending, '')}
      ${tile('Open incidents', open.length, open.length > 0 ? 'tile-down' : '')}
      ${maintenance > 0 ? tile('In maintenance', maintenance, 'tile-maintenance') : ''}
    </div>`;

    const needle = filterText.trim().toLowerCase();
    const shown = checks
      .map((c, index) => ({ c, index }))
      .filter(({ c }) => needle === '' || [c.id, c.name, c.target, c.type, c.state, ...c.tags].some((s) => s.toLowerCase().includes(needle)))
      .sort((a, b) => (STATE_ORDER[a.c.state] ?? 9) - (STATE_ORDER[b.c.state] ?? 9) || a.index - b.index)
      .map(({ c }) => c);

    const rows = shown.map(
      (c) => html`<tr class="check-row state-${c.state}" data-check-id="${c.id}">
        <td class="col-state" data-label="Status">${badge(c.state)}${maintenanceBadge(c.inMaintenance)}
          ${c.since ? html`<div class="muted small" title="${c.since}">for ${duration((serverNow() - Date.parse(c.since)) / 1000)}</div>` : ''}</td>
        <td class="col-check" data-label="Check">
          <a class="check-name" href="${checkHref(c.id)}">${c.name}</a>
          <div class="target" title="${c.target}"><span class="type">${TYPE_LABELS[c.type] ?? c.type}</span>${c.target}</div>
          <div class="chips">${severityChip(c.severity)}${tagChips(c.tags)}<span class="muted small">every ${setting(c.intervalMs)}</span></div>
        </td>
        <td class="col-last" data-label="Last run">${c.heartbeat ? heartbeatCell(c) : lastRunCell(c.last)}</td>
        <td class="col-num uptime-${pctClass(c.uptime.h24)}" data-label="24 h">${pct(c.uptime.h24)}</td>
        <td class="col-num uptime-${pctClass(c.uptime.d7)}" data-label="7 days">${pct(c.uptime.d7)}</td>
        <td class="col-num uptime-${pctClass(c.uptime.d30)}" data-label="30 days">${pct(c.uptime.d30)}</td>
        <td class="col-days" data-label="90 days">${dayBars(daysFromOverview(c.daily90), 'small')}</td>
      </tr>`,
    );
    const table =
      shown.length === 0
        ? html`<p class="empty">${checks.length === 0 ? 'No checks in the config.' : 'No check matches the filter.'}</p>`
        : html`<table class="table checks-table" id="checks-table">
            <thead><tr><th scope="col">Status</th><th scope="col">Check</th><th scope="col">Last run</th>
              <th scope="col" class="col-num">24 h</th><th scope="col" class="col-num">7 days</th><th scope="col" class="col-num">30 days</th>
              <th scope="col" class="col-days">Last 90 days</th></tr></thead>
            <tbody>${rows}</tbody></table>`;

    return [
      { key: 'summary', html: summary },
      {
        key: 'checks',
        html: html`<section class="card">
          <div class="card-head"><h2>Checks</h2>${dayLegend}</div>
          <div class="table-wrap">${table}</div></section>`,
      },
      {
        key: 'incidents',
        html: html`<section class="card" id="incidents">
          <div class="card-head"><h2>Incidents</h2><span class="muted small">${open.length} open · latest ${incidents.length} shown</span></div>
          ${incidentTable(incidents, true)}</section>`,
      },
    ];
  };

  const incidentTable = (incidents, withCheck) => {
    if (incidents.length === 0) return html`<p class="empty">No incidents recorded.</p>`;
    const rows = incidents.map(
      (i) => html`<tr class="${i.open ? 'incident-open' : ''}">
        <td data-label="Status">${i.open ? html`<span class="pill pill-down">Open</span>` : html`<span class="pill pill-resolved">Resolved</span>`}</td>
        ${withCheck ? html`<td data-label="Check"><a href="${checkHref(i.checkId)}">${i.checkName ?? i.checkId}</a></td>` : ''}
        <td data-label="Opened" title="${i.openedAt}">${dateTime(i.openedAt)}</td>
        <td data-label="Duration" class="col-num">${duration(i.durationSeconds)}${i.open ? html` <span class="muted small">so far</span>` : ''}</td>
        <td data-label="Locations">${i.failingLocations.join(', ')}</td>
        <td data-label="First error" class="error-cell">${i.firstError ? errorText(i.firstError) : html`<span class="muted">—</span>`}${
          i.rootCause ? html`<div class="muted small">Root cause: ${i.rootCause}</div>` : ''
        }</td>
      </tr>`,
    );
    return html`<div class="table-wrap"><table class="table incidents-table">
      <thead><tr><th scope="col">Status</th>${withCheck ? html`<th scope="col">Check</th>` : ''}<th scope="col">Opened</th>
        <th scope="col" class="col-num">Duration</th><th scope="col">Locations</th><th scope="col">First error</th></tr></thead>
      <tbody>${rows}</tbody></table></div>`;
  };

  const toolbar = () => html`<div class="toolbar">
      <h1>Overview</h1>
      <label class="filter"><span class="visually-hidden">Filter checks</span>
        <input id="filter" type="search" placeholder="Filter by name, tag, target or state" autocomplete="off" spellcheck="false"></label>
    </div>`;

  const renderOverview = async (isCurrent) => {
    const [health, checks, incidents] = await Promise.all([getJson('api/health'), getJson('api/checks'), getJson('api/incidents?limit=20')]);
    if (!isCurrent()) return;
    renderMeta(health);
    lastOverview = { checks, incidents };
    patch(view, [{ key: 'toolbar', html: toolbar() }, ...overviewSections(checks, incidents)]);
    const input = document.getElementById('filter');
    if (input && !input.dataset.bound) {
      input.dataset.bound = '1';
      input.value = filterText;
      input.addEventListener('input', () => {
        filterText = input.value;
        if (lastOverview) patch(view, [{ key: 'toolbar', html: toolbar() }, ...overviewSections(lastOverview.checks, lastOverview.incidents)]);
      });
    }
  };

  // ---- one check ----

  const renderCheck = async (id, isCurrent) => {
    const base = `api/checks/${encodeURIComponent(id)}`;
    let detail;
    try {
      detail = await getJson(base);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        if (!isCurrent()) return;
        document.title = 'Unknown check · skyprobe';
        patch(view, [
          { key: 'crumbs', html: html`<nav class="crumbs"><a href="#/">← All checks</a></nav>` },
          { key: 'missing', html: html`<section class="card"><h1>Unknown check</h1><p class="empty">There is no check ${JSON.stringify(id)} in the config.</p></section>` },
        ]);
        await getJson('api/health').then(renderMeta);
        return;
      }
      throw error;
    }
    const [health, daily, latency, results, incidents] = await Promise.all([
      getJson('api/health'),
      getJson(`${base}/daily?days=90`),
      getJson(`${base}/latency?hours=48`),
      getJson(`${base}/results?limit=50`),
      getJson(`api/incidents?checkId=${encodeURIComponent(id)}&limit=20`),
    ]);
    if (!isCurrent()) return;
    renderMeta(health);
    document.title = `${detail.state === 'down' ? '(down) ' : ''}${detail.name} · skyprobe`;
    const c = detail;
    const runs90 = daily.reduce((n, d) => n + d.runs, 0);
    const failed90 = daily.reduce((n, d) => n + d.failedRuns, 0);
    const uptime90 = runs90 === 0 ? null : (100 * (runs90 - failed90)) / runs90;
    const openIncident = incidents.find((i) => i.open);

    const hb = c.heartbeat;
    const head = html`<header class="check-head">
      <div class="check-title"><h1>${c.name}</h1>${badge(c.state, 'badge-lg')}${maintenanceBadge(c.inMaintenance)}</div>
      <div class="target target-lg" title="${c.target}"><span class="type">${TYPE_LABELS[c.type] ?? c.type}</span>${c.target}</div>
      ${hb ? heartbeatFacts(c) : html`<dl class="facts">
        <div><dt>ID</dt><dd class="mono">${c.id}</dd></div>
        <div><dt>State</dt><dd>${STATE_LABELS[c.state]}${c.since ? html` <span class="muted" title="${c.since}">for ${duration((serverNow() - Date.parse(c.since)) / 1000)}</span>` : ''}</dd></div>
        <div><dt>Interval</dt><dd>every ${setting(c.intervalMs)}</dd></div>
        <div><dt>Timeout</dt><dd>${setting(c.timeoutMs)}${c.retries > 0 ? `, ${c.retries} ${c.retries === 1 ? 'retry' : 'retries'}` : ''}</dd></div>
        <div><dt>Severity</dt><dd>${severityChip(c.severity)}</dd></div>
        ${c.degradedAfterMs !== null ? html`<div><dt>Degraded after</dt><dd>${setting(c.degradedAfterMs)}</dd></div>` : ''}
        <div><dt>Alert when</dt><dd>${c.alertPolicy.failingLocations} of ${c.regions.length} location${c.regions.length === 1 ? '' : 's'} fail${c.alertPolicy.failingLocations === 1 ? 's' : ''} in ${c.alertPolicy.failingPeriods} of ${c.alertPolicy.evaluationPeriods} periods</dd></div>
        ${c.tags.length > 0 ? html`<div><dt>Tags</dt><dd class="chips">${tagChips(c.tags)}</dd></div>` : ''}
      </dl>`}
      ${!hb && c.steps.length > 1 ? html`<ol class="steps">${c.steps.map((s) => html`<li><span class="step-name">${s.name}</span> <span class="mono">${s.method} ${s.url}</span></li>`)}</ol>` : ''}
    </header>`;

    const tile = (label, value, cls, title = '') => html`<div class="tile ${cls}" title="${title}"><div class="tile-value">${value}</div><div class="tile-label">${label}</div></div>`;
    const tiles = html`<div class="tiles">
      ${tile('Uptime 24 h', pct(c.uptime.h24), `tile-pct-${pctClass(c.uptime.h24)}`)}
      ${tile('Uptime 7 days', pct(c.uptime.d7), `tile-pct-${pctClass(c.uptime.d7)}`)}
      ${tile('Uptime 30 days', pct(c.uptime.d30), `tile-pct-${pctClass(c.uptime.d30)}`)}
      ${hb
        ? tile('Last run took', hb.lastDurationMs === null ? '—' : ms(hb.lastDurationMs), '', 'Duration of the last run that sent /start first')
        : tile('Last response', c.last ? ms(c.last.totalMs) : '—', '', c.last ? c.last.startedAt : '')}
      ${tile('Open incident', openIncident ? duration(openIncident.durationSeconds) : 'None', openIncident ? 'tile-down' : '')}
    </div>`;

    const locationRows = c.latestByLocation.map(
      (r) => html`<tr><td data-label="Location" class="mono">${r.location}</td><td data-label="Result">${runBadge(r.status)}</td>
        <td data-label="When" title="${r.startedAt}">${ago(r.startedAt)}</td><td data-label="HTTP" class="col-num">${r.httpStatus ?? '—'}</td>
        <td data-label="Total" class="col-num">${ms(r.timings.totalMs)}</td><td data-label="Address" class="mono">${r.address ?? '—'}</td>
        <td data-label="Error" class="error-cell">${errorText(r.error) || html`<span class="muted">—</span>`}</td></tr>`,
    );

    const resultRows = hb ? heartbeatResultRows(results) : results.map(
      (r) => html`<tr class="result-${r.status}">
        <td data-label="Time" title="${r.startedAt}">${dateTime(r.startedAt)}</td>
        <td data-label="Location" class="mono">${r.location}</td>
        <td data-label="Result">${runBadge(r.status)}</td>
        <td data-label="HTTP" class="col-num">${r.httpStatus ?? '—'}</td>
        <td data-label="Total" class="col-num num-strong">${ms(r.timings.totalMs)}</td>
        <td data-label="Phases" class="phases-cell">${PHASES.filter(([key]) => r.timings[`${key}Ms`] !== null)
          .map(([key, label]) => html`<span class="phase-val" title="${label}"><span class="swatch ph-${key}"></span>${ms(r.timings[`${key}Ms`])}</span>`)}</td>
        <td data-label="Attempts" class="col-num">${r.attempts}</td>
        <td data-label="Error" class="error-cell">${errorText(r.error) || html`<span class="muted">—</span>`}${
          r.assertions.filter((a) => !a.ok && a.message !== (r.error && r.error.message)).map((a) => html`<div class="muted small">${a.assertion}: ${a.message}</div>`)
        }</td>
      </tr>`,
    );

    patch(view, [
      { key: 'crumbs', html: html`<nav class="crumbs"><a href="#/">← All checks</a></nav>` },
      { key: 'head', html: head },
      { key: 'tiles', html: tiles },
      {
        key: 'daily',
        html: html`<section class="card">
          <div class="card-head"><h2>Uptime, last 90 days</h2><span class="muted small">${runs90 === 0 ? 'No runs in 90 days' : `${pct(uptime90)} over ${runs90} runs`}</span></div>
          ${dayBars(daily, 'large')}
          <div class="days-axis"><span>${daily[0] ? daily[0].date : ''}</span>${dayLegend}<span>Today (UTC)</span></div></section>`,
      },
      {
        key: 'charts',
        html: hb
          ? html`<section class="card"><div class="card-head"><h2>Job duration, last 48 hours</h2>${legend([['sw-p50', 'p50'], ['sw-p95', 'p95']])}</div>
              <p class="muted small">From each run's /start to its end; runs without a /start and missed deadlines count as 0.</p>${latencyChart(latency)}</section>`
          : html`<div class="grid-2">
          <section class="card"><div class="card-head"><h2>Response time, last 48 hours</h2>${legend([['sw-p50', 'p50'], ['sw-p95', 'p95']])}</div>${latencyChart(latency)}</section>
          <section class="card"><div class="card-head"><h2>Phase breakdown</h2>${legend(PHASES.map(([key, label]) => [`ph-${key}`, label]))}</div>${phaseChart(latency)}</section>
        </div>`,
      },
      {
        key: 'locations',
        html: html`<section class="card"><div class="card-head"><h2>Latest result by location</h2></div>
          ${locationRows.length === 0 ? html`<p class="empty">No results yet.</p>` : html`<div class="table-wrap"><table class="table">
            <thead><tr><th scope="col">Location</th><th scope="col">Result</th><th scope="col">When</th><th scope="col" class="col-num">HTTP</th>
              <th scope="col" class="col-num">Total</th><th scope="col">Address</th><th scope="col">Error</th></tr></thead>
            <tbody>${locationRows}</tbody></table></div>`}</section>`,
      },
      {
        key: 'results',
        html: html`<section class="card"><div class="card-head"><h2>Recent results</h2>${results.length > 0 ? html`<span class="muted small">latest ${results.length}, every location</span>` : ''}</div>
          ${resultRows.length === 0 ? html`<p class="empty">${hb ? 'No pings yet.' : 'No results yet.'}</p>` : html`<div class="table-wrap scroll-y"><table class="table results-table" id="results-table">
            <thead>${hb
              ? html`<tr><th scope="col">Time</th><th scope="col">Location</th><th scope="col">Result</th><th scope="col" class="col-num">Duration</th><th scope="col">Error</th></tr>`
              : html`<tr><th scope="col">Time</th><th scope="col">Location</th><th scope="col">Result</th><th scope="col" class="col-num">HTTP</th>
              <th scope="col" class="col-num">Total</th><th scope="col">Phases</th><th scope="col" class="col-num">Attempts</th><th scope="col">Error</th></tr>`}</thead>
            <tbody>${resultRows}</tbody></table></div>`}</section>`,
      },
      {
        key: 'check-incidents',
        html: html`<section class="card" id="incidents"><div class="card-head"><h2>Incidents</h2></div>${incidentTable(incidents, false)}</section>`,
      },
    ]);
  };

  // ---- heartbeats on the check page ----

  const heartbeatFacts = (c) => {
    const hb = c.heartbeat;
    const backup = hb.backup ? [...hb.backup.vaults.map((v) => `vault ${v}`), ...hb.backup.plans.map((p) => `plan ${p}`)].join(', ') : '';
    return html`<dl class="facts">
      <div><dt>ID</dt><dd class="mono">${c.id}</dd></div>
      <div><dt>State</dt><dd>${hb.lastPingAt === null && c.state === 'pending' ? 'Waiting for the first ping' : STATE_LABELS[c.state]}${
        c.state === 'down' && hb.downReason ? html` <span class="muted">(${hb.downReason === 'failed' ? 'the job reported a failure' : 'a ping was missed'})</span>` : ''
      }${c.since ? html` <span class="muted" title="${c.since}">for ${duration((serverNow() - Date.parse(c.since)) / 1000)}</span>` : ''}</dd></div>
      <div><dt>Expected</dt><dd>every ${setting(hb.everyMs)}, grace ${setting(hb.graceMs)}</dd></div>
      <div><dt>Last ping</dt><dd>${hb.lastPingAt === null ? html`<span class="muted">none yet</span>` : html`<span title="${hb.lastPingAt}">${dateTime(hb.lastPingAt)}</span> <span class="muted">(${hb.lastPingKind === 'fail' ? 'failure' : 'success'}, ${ago(hb.lastPingAt)})</span>`}</dd></div>
      <div><dt>Next ping due by</dt><dd id="hb-due">${hb.dueBy === null ? html`<span class="muted">not watched yet</span>` : html`<span title="${hb.dueBy}">${dueText(hb.dueBy)}</span>`}</dd></div>
      ${hb.runningSince ? html`<div><dt>Running since</dt><dd title="${hb.runningSince}">${dateTime(hb.runningSince)}</dd></div>` : ''}
      ${hb.lastMessage ? html`<div><dt>Last message</dt><dd class="mono">${hb.lastMessage}</dd></div>` : ''}
      ${backup ? html`<div><dt>AWS Backup</dt><dd>${backup}</dd></div>` : ''}
      <div><dt>Severity</dt><dd>${severityChip(c.severity)}</dd></div>
      ${c.tags.length > 0 ? html`<div><dt>Tags</dt><dd class="chips">${tagChips(c.tags)}</dd></div>` : ''}
    </dl>`;
  };

  const heartbeatResultRows = (results) =>
    results.map(
      (r) => html`<tr class="result-${r.status}">
        <td data-label="Time" title="${r.startedAt}">${dateTime(r.startedAt)}</td>
        <td data-label="Location" class="mono">${r.location}</td>
        <td data-label="Result">${runBadge(r.status)}</td>
        <td data-label="Duration" class="col-num num-strong">${r.ok || r.timings.totalMs > 0 ? ms(r.timings.totalMs) : '—'}</td>
        <td data-label="Error" class="error-cell">${errorText(r.error) || html`<span class="muted">—</span>`}</td>
      </tr>`,
    );

  // ---- routing and refresh ----

  const currentRoute = () => {
    const hash = location.hash.replace(/^#/, '') || '/';
    const match = /^\/check\/(.+)$/.exec(hash);
    if (match) {
      try {
        return { name: 'check', id: decodeURIComponent(match[1]) };
      } catch {
        return { name: 'overview' };
      }
    }
    return { name: 'overview' };
  };

  let routeKey = '';
  let inFlight = false;
  /** Bumped on navigation: a response that arrives for an older view is dropped. */
  let generation = 0;

  const refresh = async () => {
    if (inFlight) return;
    inFlight = true;
    const mine = generation;
    const isCurrent = () => mine === generation;
    const route = currentRoute();
    const key = route.name === 'check' ? `check:${route.id}` : 'overview';
    if (key !== routeKey) {
      routeKey = key;
      view.replaceChildren();
      view.dataset.route = route.name;
      window.scrollTo(0, 0);
    }
    try {
      if (route.name === 'check') await renderCheck(route.id, isCurrent);
      else await renderOverview(isCurrent);
      if (isCurrent()) showBanner(null);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : 'cannot reach the skyprobe runner';
      if (isCurrent()) showBanner(`Could not refresh: ${message}. Retrying every 5 s; the figures below may be out of date.`);
    } finally {
      if (isCurrent()) inFlight = false;
    }
  };

  window.addEventListener('hashchange', () => {
    generation += 1;
    inFlight = false; // a slow response for the old view must not hold up the new one
    void refresh();
  });
  setInterval(() => void refresh(), REFRESH_MS);
  void refresh();
})();
