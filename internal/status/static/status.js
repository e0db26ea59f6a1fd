// rexporter status page: polls api/status and redraws the tables.
//
// Everything received is put into the page as text (textContent, attribute
// values, SVG coordinates), never parsed as HTML: R names and raw messages
// come from the network and may contain markup.
'use strict';

(function () {
  const POLL_MS = 2000;
  const SVG = 'http://www.w3.org/2000/svg';
  const SPARK_W = 120, SPARK_H = 28, PAD = 3;

  let timer = 0;
  let inflight = false;
  let last = null; // the last response, with the local time it arrived

  const $ = (id) => document.getElementById(id);

  // el builds an element: props are attributes ("class" and "text" are
  // special), children are nodes or strings (text).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c != null) e.append(c);
    }
    return e;
  }

  // --- formatting ---------------------------------------------------------

  function ago(iso, now) {
    if (!iso) return '–';
    let s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h ago';
  }

  function duration(s) {
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function clock(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleString();
  }

  function timeCell(iso, now) {
    return el('td', { class: 'nowrap' }, iso ? el('time', { datetime: iso, title: clock(iso), text: ago(iso, now) }) : '–');
  }

  function num(v, digits) {
    if (v == null || !isFinite(v)) return '–';
    return Number(v).toLocaleString(undefined, { maximumFractionDigits: digits == null ? 2 : digits });
  }

  function bytes(v) {
    if (v == null || !isFinite(v)) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
  }

  function rate(r) {
    return r == null ? '–' : num(r, r < 10 ? 2 : 1);
  }

  const UNIT = { seconds: 's', bytes: 'B', ratio: '' };

  // hint is a human reading of a value in a base unit, when it helps.
  function hint(value, unit) {
    const v = Number(value);
    if (!isFinite(v)) return '';
    if (unit === 'seconds' && Math.abs(v) >= 60) return duration(v);
    if (unit === 'bytes' && Math.abs(v) >= 1024) return bytes(v);
    if (unit === 'ratio') return num(v * 100, 1) + ' %';
    return '';
  }

  function labelText(s) {
    const parts = Object.entries(s.labels || {}).map(([k, v]) => k + '="' + v + '"');
    if (s.job) parts.push('r_job="' + s.job + '"');
    return parts.length ? '{' + parts.join(', ') + '}' : '';
  }

  // --- sparklines -----------------------------------------------------------

  // sparkline draws values (null where not finite) as an inline SVG; the
  // current value is its last point. The width spans at least MIN_SPAN
  // points, so that a few points just after the page was opened do not
  // pass for a long trend; a young series is drawn at the right.
  const MIN_SPAN = 7;
  function sparkline(values, label) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 ' + SPARK_W + ' ' + SPARK_H);
    svg.setAttribute('role', 'img');
    const finite = values.filter((v) => v != null && isFinite(v));
    if (finite.length === 0) {
      svg.setAttribute('aria-label', 'no values yet');
      return svg;
    }
    const lo = Math.min(...finite), hi = Math.max(...finite);
    const n = Math.max(MIN_SPAN, values.length);
    const x = (i) => PAD + (SPARK_W - 2 * PAD) * (n === 1 ? 1 : (n - values.length + i) / (n - 1));
    const y = (v) => hi === lo ? SPARK_H / 2 : PAD + (SPARK_H - 2 * PAD) * (1 - (v - lo) / (hi - lo));
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        const line = document.createElementNS(SVG, 'polyline');
        line.setAttribute('points', run.join(' '));
        svg.append(line);
      }
      run = [];
    };
    values.forEach((v, i) => {
      if (v == null || !isFinite(v)) { flush(); return; }
      run.push(x(i).toFixed(1) + ',' + y(v).toFixed(1));
    });
    flush();
    const lastIdx = values.length - 1;
    if (values[lastIdx] != null && isFinite(values[lastIdx])) {
      const dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', x(lastIdx).toFixed(1));
      dot.setAttribute('cy', y(values[lastIdx]).toFixed(1));
      dot.setAttribute('r', '2');
      svg.append(dot);
    }
    const desc = label + ': ' + finite.length + ' points, from ' + num(lo, 4) + ' to ' + num(hi, 4);
    svg.setAttribute('aria-label', desc);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = desc;
    svg.append(title);
    return svg;
  }

  // --- tables ---------------------------------------------------------------

  function valueCell(s) {
    const td = el('td', { class: 'num' });
    if (s.kind === 'state') {
      td.append(el('span', { class: 'val state', text: s.state }));
      return td;
    }
    if (s.kind === 'progress') {
      const done = Number(s.value), steps = Number(s.steps);
      td.append(el('span', { class: 'val', text: s.value }), el('span', { class: 'unit', text: ' / ' + s.steps }));
      if (steps > 0 && isFinite(done)) {
        td.append(el('span', { class: 'hint' },
          el('progress', { max: String(steps), value: String(Math.min(done, steps)), 'aria-label': (s.r_name || s.metric) + ' progress' }),
          ' ' + num(100 * done / steps, 1) + ' %'));
      }
      return td;
    }
    td.append(el('span', { class: 'val', text: s.value }));
    const u = UNIT[s.unit];
    if (u) td.append(el('span', { class: 'unit', text: ' ' + u }));
    const h = hint(s.value, s.unit);
    if (h) td.append(el('span', { class: 'hint', text: h }));
    return td;
  }

  function typeText(s) {
    if (s.kind === 'number') return s.types.join(', ');
    return s.kind;
  }

  function renderSeries(d, now) {
    const rows = d.series.map((s) => {
      const name = s.overflow ? '(overflow)' : s.r_name;
      const values = s.history.slice();
      if (s.kind !== 'state') values.push(Number(s.value));
      return el('tr', { 'data-id': s.id },
        el('th', { scope: 'row', class: 'rname', text: name }),
        valueCell(s),
        el('td', { class: 'num', text: rate(s.messages_per_second) }),
        timeCell(s.updated, now),
        el('td', null, s.kind === 'state' ? el('span', { class: 'muted small', text: 'no sparkline for states' })
          : sparkline(values, 'Recent values of ' + name)),
        el('td', null, el('span', { class: 'metric', text: s.metric }), el('span', { class: 'labels', text: labelText(s) })),
        el('td', { class: 'type', text: typeText(s) }));
    });
    if (rows.length === 0) {
      const text = d.series_total === 0
        ? 'No series yet. Send a message such as “Random Poisson: 11” to rexporter’s --listen port.'
        : 'No series matches the filter.';
      rows.push(el('tr', null, el('td', { colspan: '7', class: 'empty', text: text })));
    }
    $('series').tBodies[0].replaceChildren(...rows);
    // Every count goes through num(), so 10000 reads "10,000" everywhere on the page.
    let note = num(d.series_total, 0) + ' series of at most ' + num(d.exporter.max_series, 0) + '.';
    if (d.series_matched !== d.series_total) note += ' ' + num(d.series_matched, 0) + ' match the filter.';
    if (d.series.length < d.series_matched) note += ' Showing the first ' + num(d.series.length, 0) + '; narrow the filter to see others.';
    $('series-note').textContent = note;
  }

  const JOB_STATE = {
    running: ['info', 'running'],
    finished: ['ok', 'finished (said bye)'],
    // A clean close without "bye" (the blog's close.socket) and a crash look
    // the same on the wire: neither is known to be bad, so no red.
    vanished: ['neutral', 'ended, no bye'],
    // Endings that rexporter run reports.
    failed: ['bad', 'failed'],
    killed: ['bad', 'killed'],
    oom_killed: ['bad', 'out of memory'],
  };

  // runDetails says how a job ended, what it uses and its parameters.
  function runDetails(j, state) {
    if (j.stalled) {
      state.append(' ', el('span', { class: 'badge warn', text: 'stalled' }));
      if (j.stall_after_seconds != null) state.append(el('span', { class: 'why', text: 'silent for over ' + num(j.stall_after_seconds, 1) + ' s' }));
    }
    const parts = [];
    if (j.exit_code != null) parts.push('exit ' + j.exit_code);
    if (j.signal) parts.push(j.signal);
    if (parts.length) state.append(el('span', { class: 'why', text: parts.join(', ') }));
    if (j.error) state.append(el('span', { class: 'why', text: j.error }));
    const use = [];
    if (j.cpu_seconds != null) use.push(num(j.cpu_seconds, 1) + ' CPU s');
    if (j.resident_bytes != null) use.push(bytes(j.resident_bytes) + ' resident');
    if (use.length) state.append(el('span', { class: 'why', text: use.join(', ') }));
    if (j.params) {
      const ps = Object.keys(j.params).sort().map((k) => k.replace(/^param_/, '') + '=' + j.params[k]);
      state.append(el('span', { class: 'why', text: ps.join(', ') }));
    }
  }

  function renderJobs(d, now) {
    const rows = d.jobs.map((j) => {
      const [cls, text] = JOB_STATE[j.state] || ['info', j.state];
      const state = el('td', null, el('span', { class: 'badge ' + cls, text: text }));
      if (j.end) state.append(el('span', { class: 'why', text: 'ended ' + ago(j.end, now) }));
      runDetails(j, state);
      return el('tr', null,
        el('th', { scope: 'row', class: 'rname', text: j.name }),
        state,
        timeCell(j.last_message, now),
        el('td', { class: 'num', text: num(j.messages, 0) }),
        el('td', { class: 'num', text: rate(j.messages_per_second) }),
        el('td', { class: 'num', text: num(j.connections, 0) }),
        timeCell(j.start, now));
    });
    if (rows.length === 0) {
      rows.push(el('tr', null, el('td', { colspan: '7', class: 'empty', text: 'No jobs yet: a connection becomes a job with its first message.' })));
    }
    $('jobs').tBodies[0].replaceChildren(...rows);
  }

  function renderMessages(d) {
    const rows = d.messages.map((m) => {
      const ok = m.outcome === 'ok';
      const outcome = el('td', null, el('span', { class: 'badge ' + (ok ? (m.refused ? 'warn' : 'ok') : 'bad'), text: ok ? 'ok' : 'rejected: ' + m.outcome }));
      if (m.error) outcome.append(el('span', { class: 'why', text: m.error }));
      for (const r of m.refused || []) {
        outcome.append(el('span', { class: 'why', text: 'refused “' + r.name + '”: ' + r.reason }));
      }
      if (m.more_refused) outcome.append(el('span', { class: 'why', text: 'and ' + m.more_refused + ' more refused' }));
      const text = el('td', { class: 'msgcell' }, el('code', { class: 'msg', text: m.text }));
      if (m.truncated) text.append(el('span', { class: 'why', text: '(first 512 of ' + m.bytes + ' bytes)' }));
      return el('tr', { class: ok ? null : 'rejected' },
        el('td', { class: 'nowrap' }, el('time', { datetime: m.time, title: clock(m.time), text: new Date(m.time).toLocaleTimeString() })),
        text,
        outcome,
        el('td', { class: 'nowrap', text: m.job || '–' }),
        el('td', { class: 'nowrap', text: m.remote || '–' }));
    });
    if (rows.length === 0) {
      rows.push(el('tr', null, el('td', { colspan: '5', class: 'empty', text: 'No message received since this page was opened.' })));
    }
    $('messages').tBodies[0].replaceChildren(...rows);
    $('messages-note').textContent = 'The last ' + num(d.messages.length, 0) + ' of ' + num(d.messages_recorded, 0) +
      ' messages received while the page was watched, newest first; each is kept up to 512 bytes.';
  }

  function renderRefused(d) {
    const rows = (d.refused || []).map((r) => {
      const why = el('td', null, el('span', { class: 'badge bad', text: (r.field ? 'field “' + r.field + '”: ' : '') + r.reason }));
      if (r.error) why.append(el('span', { class: 'why', text: r.error }));
      return el('tr', { class: 'rejected' },
        el('td', { class: 'nowrap' }, el('time', { datetime: r.time, title: clock(r.time), text: new Date(r.time).toLocaleTimeString() })),
        el('td', { class: 'msgcell' }, el('code', { class: 'msg', text: r.text })),
        why,
        el('td', { class: 'nowrap', text: r.job || '–' }),
        el('td', { class: 'nowrap', text: r.remote || '–' }));
    });
    if (rows.length === 0) {
      rows.push(el('tr', null, el('td', { colspan: '5', class: 'empty', text: 'Nothing refused: every message and field was applied.' })));
    }
    $('refused').tBodies[0].replaceChildren(...rows);
  }

  function stat(id, main, sub) {
    const dd = $(id);
    dd.replaceChildren(main);
    if (sub) dd.append(el('span', { class: 'sub', text: sub }));
  }

  function renderHealth(d, now) {
    const x = d.exporter, m = x.metrics || {};
    const v = (name) => (m[name] ? m[name].value : null);
    const r = (name) => (m[name] && m[name].per_second != null ? m[name].per_second : null);
    stat('st-ready', el('span', { class: 'badge ' + (x.ready ? 'ok' : 'bad'), text: x.ready ? 'ready' : 'not ready' }),
      x.ready ? 'every listener accepts' : 'an ingest listener is down');
    stat('st-uptime', duration((now - Date.parse(x.started)) / 1000), 'since ' + clock(x.started));
    stat('st-conns', num(v('rexporter_connections'), 0),
      v('rexporter_connections_rejected_total') ? num(v('rexporter_connections_rejected_total'), 0) + ' refused' : 'open now');
    const full = x.series / x.max_series;
    stat('st-series', el('span', { class: full >= 0.9 ? 'badge warn' : null, text: num(x.series, 0) }), 'of at most ' + num(x.max_series, 0));
    stat('st-jobs', num(x.jobs, 0), 'running and retained');
    stat('st-msgs', num(v('rexporter_messages_total'), 0), r('rexporter_messages_total') != null ? rate(r('rexporter_messages_total')) + ' per second' : 'applied');
    const errors = v('rexporter_parse_errors_total');
    stat('st-errors', el('span', { class: errors ? 'badge bad' : null, text: num(errors, 0) }),
      (v('rexporter_oversized_messages_total') ? num(v('rexporter_oversized_messages_total'), 0) + ' oversized, ' : '') + 'see last messages');
    stat('st-bytes', bytes(v('rexporter_received_bytes_total')) || '–',
      v('process_resident_memory_bytes') ? bytes(v('process_resident_memory_bytes')) + ' resident memory' : '');
    const tr = x.transports || {};
    const names = Object.keys(tr).sort();
    stat('st-transports', names.join(', ') || '–',
      names.map((n) => n + ': ' + num(tr[n].connections, 0) + ' conn., ' + (bytes(tr[n].received_bytes) || '0 B') + ', ' +
        num(tr[n].framed_messages, 0) + ' msg.').join('; '));
    const h = d.history;
    $('history-note').textContent = 'Messages per second, sparklines and the last messages are recorded only while this page is open: ' +
      (h.since ? 'since ' + clock(h.since) : 'from now') + ', one point every ' + h.interval_seconds + ' s, ' +
      duration(h.points * h.interval_seconds) + ' at most. They are dropped ' + h.watch_timeout_seconds + ' s after the page was last open.';
  }

  function render(d) {
    // Ages are measured on the server's clock, so a skewed browser clock
    // does not matter.
    const now = Date.parse(d.now);
    renderHealth(d, now);
    renderSeries(d, now);
    renderJobs(d, now);
    renderMessages(d);
    renderRefused(d);
  }

  // --- polling --------------------------------------------------------------

  function setConn(cls, text) {
    const c = $('conn');
    c.className = 'conn ' + cls;
    c.textContent = text;
  }

  async function poll() {
    clearTimeout(timer);
    if (inflight) return;
    inflight = true;
    try {
      const params = new URLSearchParams();
      const q = $('filter').value.trim();
      if (q) params.set('q', q);
      const resp = await fetch('api/status' + (q ? '?' + params : ''), { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!resp.ok) throw new Error(resp.status + ' ' + resp.statusText);
      last = await resp.json();
      render(last);
      setConn('ok', 'Live: updated ' + new Date().toLocaleTimeString() + ', every ' + POLL_MS / 1000 + ' s.');
    } catch (err) {
      setConn('bad', 'Cannot reach rexporter (' + err.message + '); retrying every ' + POLL_MS / 1000 + ' s.');
    } finally {
      inflight = false;
      // A hidden tab stops asking, so that rexporter stops recording.
      if (!document.hidden) timer = setTimeout(poll, POLL_MS);
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll();
  });
  let debounce = 0;
  $('filter').addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(poll, 250);
  });
  poll();
})();
