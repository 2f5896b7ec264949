// The Ferry cluster dashboard: polls the manager's API every second and renders hosts, VMs and migrations;
// buttons post the operator's actions. The API token comes from the URL's fragment (#token=...) and is kept in
// sessionStorage only; every request sends it as a bearer token. Data is put in the page as text, never as HTML.
'use strict';

(function () {
  const TOKEN_KEY = 'ferry.token';
  const POLL_MS = 1000;
  const MIB = 1024 * 1024;

  const $ = (id) => document.getElementById(id);
  let hostNames = [];
  let polling = false;

  // ------------------------------------------------------------------ token

  function takeTokenFromFragment() {
    const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function needToken(reason) {
    $('auth-reason').textContent = reason;
    $('auth').hidden = false;
    $('data').hidden = true;
    document.querySelectorAll('header button').forEach((b) => { b.disabled = true; });
    $('summary').replaceChildren();
    for (const id of ['hosts', 'vms', 'inflight', 'history']) {
      $(id).tBodies[0].replaceChildren();
    }
  }

  function haveAccess() {
    $('auth').hidden = true;
    $('data').hidden = false;
    document.querySelectorAll('header button').forEach((b) => { b.disabled = false; });
  }

  // ------------------------------------------------------------------ API

  class Unauthorized extends Error {}

  async function api(method, path, body) {
    const t = token();
    if (!t) {
      throw new Unauthorized('no token');
    }
    const init = { method, headers: { Authorization: 'Bearer ' + t }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    let answer = null;
    try {
      answer = await r.json();
    } catch (e) {
      answer = null;
    }
    if (r.status === 401) {
      throw new Unauthorized('the manager refused the token');
    }
    if (!r.ok) {
      throw new Error((answer && answer.error) || ('HTTP ' + r.status));
    }
    return answer;
  }

  // ------------------------------------------------------------------ formatting

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children) {
      e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    }
    return e;
  }

  const fixed = (x, d) => (x == null ? '–' : Number(x).toFixed(d));
  const mib = (bytes) => (bytes == null ? '–' : Math.round(bytes / MIB) + ' MiB');
  const ms = (x) => (x == null ? '–' : (x < 10 ? Number(x).toFixed(2) : Number(x).toFixed(1)) + ' ms');
  const secs = (msValue) => (msValue == null ? '–' : (msValue / 1000).toFixed(1) + ' s ago');

  // The downtime the manager's cost model predicted when the move was queued (or a live projection, if offered).
  function projected(m) {
    return m.projected_downtime_ms != null ? m.projected_downtime_ms : m.predicted_downtime_ms;
  }

  function rate(m) {
    if (m.rate_bits_per_s != null) {
      return (m.rate_bits_per_s / 1e6).toFixed(1) + ' Mbit/s';
    }
    if (m.bytes_sent != null && m.elapsed_ms) {
      return ((m.bytes_sent * 8) / (m.elapsed_ms * 1000)).toFixed(1) + ' Mbit/s';
    }
    return '–';
  }

  function badge(text, kind) {
    return el('span', { className: 'badge ' + (kind || text) }, text);
  }

  function bar(used, total, label) {
    const share = total > 0 ? Math.min(1, used / total) : 0;
    const fill = el('div', { className: 'bar-fill' + (share >= 0.95 ? ' full' : share >= 0.75 ? ' high' : '') });
    fill.style.width = (share * 100).toFixed(1) + '%';
    return el('div', { className: 'meter' }, el('div', { className: 'bar', title: label }, fill),
      el('span', { className: 'bar-text' }, label));
  }

  function cell(content, className) {
    return el('td', className ? { className } : {}, content);
  }

  // ------------------------------------------------------------------ rendering

  // Puts freshly built rows in a table, keeping every existing row and cell whose content did not change: an
  // operator's open host list, focus and half-made choice survive the refresh every second.
  function patchRows(tbody, rows, key) {
    const old = new Map();
    for (const r of tbody.rows) {
      old.set(r.dataset[key], r);
    }
    const result = rows.map((r) => {
      const o = old.get(r.dataset[key]);
      if (!o || o.cells.length !== r.cells.length) {
        return r;
      }
      o.className = r.className;
      const oldCells = Array.from(o.cells);
      const newCells = Array.from(r.cells);
      for (let i = 0; i < newCells.length; i++) {
        if (oldCells[i].outerHTML !== newCells[i].outerHTML) {
          oldCells[i].replaceWith(newCells[i]);
        }
      }
      return o;
    });
    const current = Array.from(tbody.rows);
    if (current.length !== result.length || result.some((r, i) => r !== current[i])) {
      tbody.replaceChildren(...result);
    }
  }

  function renderSummary(s) {
    const item = (label, value) => el('span', {}, label + ' ', el('b', {}, value));
    $('summary').replaceChildren(
      item('hosts', s.hosts + ' (on ' + s.hosts_on + ', standby ' + s.hosts_standby + ', failed ' + s.hosts_failed
        + ', maintenance ' + s.hosts_maintenance + ')'),
      item('VMs', s.vms),
      item('migrations', s.migrations_running + ' running, ' + s.migrations_queued + ' queued'),
      item('power', fixed(s.power_watts, 0) + ' W'),
      item('energy', fixed(s.energy_kwh, 4) + ' kWh'));
  }

  function renderHosts(hosts) {
    const sorted = hosts.slice().sort((a, b) => a.name.localeCompare(b.name));
    const rows = sorted.map((h) => {
      const action = h.maintenance
        ? el('button', { type: 'button', className: 'secondary', textContent: 'Undrain' })
        : el('button', { type: 'button', textContent: 'Drain' });
      action.dataset.action = h.maintenance ? 'undrain' : 'drain';
      action.dataset.host = h.name;
      const tr = el('tr', {},
        cell(el('b', {}, h.name)),
        cell(badge(h.power), 'power'),
        cell(h.maintenance ? badge('maintenance') : 'no', 'maintenance'),
        cell(bar(h.cpu_used, h.cores, fixed(h.cpu_used, 2) + ' / ' + fixed(h.cores, 0))),
        cell(bar(h.memory_used, h.memory_bytes, mib(h.memory_used) + ' / ' + mib(h.memory_bytes))),
        cell(h.vms, 'num vm-count'),
        cell(secs(h.last_report_ms)),
        cell(action));
      tr.dataset.host = h.name;
      return tr;
    });
    patchRows($('hosts').tBodies[0], rows, 'host');
  }

  function renderVms(unsorted) {
    const vms = unsorted.slice().sort((a, b) => a.name.localeCompare(b.name));
    const body = $('vms').tBodies[0];
    // Keep the operator's half-made choice of a target across refreshes.
    const chosen = new Map();
    body.querySelectorAll('select').forEach((s) => chosen.set(s.dataset.vm, s.value));
    const rows = vms.map((v) => {
      const select = el('select');
      select.setAttribute('aria-label', 'target host for ' + v.name);
      select.dataset.vm = v.name;
      select.append(el('option', { value: '' }, '–'));
      for (const h of hostNames) {
        if (h !== v.host) {
          select.append(el('option', { value: h }, h));
        }
      }
      if (chosen.has(v.name) && chosen.get(v.name) !== v.host && hostNames.includes(chosen.get(v.name))) {
        select.value = chosen.get(v.name);
      }
      const go = el('button', { type: 'button', textContent: 'Migrate' });
      go.dataset.action = 'migrate';
      go.dataset.vm = v.name;
      go.disabled = v.migration != null;
      const tr = el('tr', { className: v.migration ? 'moving' : '' },
        cell(el('b', {}, v.name)),
        cell(v.host, 'host'),
        cell(badge(v.state), 'state'),
        cell(mib(v.ram_bytes), 'num'),
        cell(mib(v.touched_bytes), 'num'),
        cell(fixed(v.cpu_busy, 2), 'num'),
        cell(fixed(v.dirty_pages_per_s, 0), 'num'),
        cell(v.migration || '–', 'migration'),
        cell(el('span', {}, select, ' ', go)));
      tr.dataset.vm = v.name;
      return tr;
    });
    patchRows(body, rows, 'vm');
  }

  function renderMigrations(migrations) {
    const inflight = migrations.filter((m) => m.state === 'queued' || m.state === 'running');
    const finished = migrations.filter((m) => m.state !== 'queued' && m.state !== 'running').reverse();
    patchRows($('inflight').tBodies[0], inflight.map((m) => {
      const tr = el('tr', {},
        cell(m.id), cell(el('b', {}, m.vm)), cell(m.from), cell(m.to), cell(m.reason),
        cell(badge(m.state), 'state'),
        cell(m.phase || '–', 'phase'),
        cell(m.round, 'num round'),
        cell(m.remaining_pages, 'num remaining'),
        cell(rate(m), 'num rate'),
        cell(ms(projected(m)), 'num projected'));
      tr.dataset.migration = m.id;
      return tr;
    }), 'migration');
    $('inflight-empty').hidden = inflight.length > 0;
    // Rate and projected downtime show only when the manager's view of a migration carries them.
    const showRate = inflight.some((m) => m.rate_bits_per_s != null || m.bytes_sent != null);
    const showProjected = inflight.some((m) => projected(m) != null);
    document.querySelectorAll('#inflight .rate').forEach((e) => { e.hidden = !showRate; });
    document.querySelectorAll('#inflight .projected').forEach((e) => { e.hidden = !showProjected; });
    patchRows($('history').tBodies[0], finished.map((m) => {
      const tr = el('tr', {},
        cell(m.id), cell(el('b', {}, m.vm)), cell(m.from), cell(m.to), cell(m.reason),
        cell(m.error ? el('span', {}, badge(m.state), ' ' + m.error) : badge(m.state), 'state'),
        cell(ms(m.downtime_ms), 'num downtime'),
        cell(ms(m.total_time_ms), 'num total'));
      tr.dataset.migration = m.id;
      return tr;
    }), 'migration');
    $('history-empty').hidden = finished.length > 0;
  }

  // ------------------------------------------------------------------ polling

  async function refresh() {
    const [status, hosts, vms, migrations] = await Promise.all([
      api('GET', '/v1/status'), api('GET', '/v1/hosts'), api('GET', '/v1/vms'), api('GET', '/v1/migrations')]);
    haveAccess();
    hostNames = hosts.hosts.map((h) => h.name).sort();
    renderSummary(status);
    renderHosts(hosts.hosts);
    renderVms(vms.vms);
    renderMigrations(migrations.migrations);
    const u = $('updated');
    u.textContent = 'updated ' + new Date().toLocaleTimeString();
    u.classList.remove('stale');
  }

  async function poll() {
    if (polling) {
      return;
    }
    polling = true;
    try {
      await refresh();
    } catch (e) {
      if (e instanceof Unauthorized) {
        needToken(token()
          ? 'The manager refused this token: it is not the cluster\'s API token. Open the address that '
            + 'ferry cluster dashboard prints again.'
          : 'This dashboard shows nothing without the cluster\'s API token.');
      } else {
        const u = $('updated');
        u.textContent = 'manager unreachable: ' + e.message;
        u.classList.add('stale');
      }
    } finally {
      polling = false;
    }
  }

  // ------------------------------------------------------------------ actions

  function say(text, isError) {
    const m = $('message');
    m.textContent = text;
    m.className = 'message' + (isError ? ' error' : '');
    m.hidden = false;
  }

  function planText(what, plan) {
    const n = (plan.migrations || []).length;
    const parts = [what + ': ' + (n === 0 ? 'nothing to move' : n + ' migration' + (n === 1 ? '' : 's') + ' started')];
    if (plan.moves && plan.moves.length) {
      parts.push(plan.moves.join('; '));
    }
    if (plan.power && plan.power.length) {
      parts.push('power: ' + plan.power.join('; '));
    }
    return parts.join(' — ');
  }

  async function act(button) {
    const a = button.dataset.action;
    try {
      let text;
      if (a === 'drain') {
        text = planText('drain ' + button.dataset.host, await api('POST', '/v1/hosts/'
          + encodeURIComponent(button.dataset.host) + '/drain'));
      } else if (a === 'undrain') {
        await api('POST', '/v1/hosts/' + encodeURIComponent(button.dataset.host) + '/undrain');
        text = 'host ' + button.dataset.host + ' takes VMs again';
      } else if (a === 'consolidate' || a === 'balance') {
        text = planText(a, await api('POST', '/v1/' + a));
      } else if (a === 'migrate') {
        const vm = button.dataset.vm;
        const to = document.querySelector('#vms select[data-vm="' + CSS.escape(vm) + '"]').value;
        if (!to) {
          say('choose the host to move ' + vm + ' to first', true);
          return;
        }
        text = planText('migrate ' + vm + ' to ' + to, await api('POST', '/v1/vms/' + encodeURIComponent(vm)
          + '/migrate', { to }));
      } else {
        return;
      }
      say(text, false);
    } catch (e) {
      if (e instanceof Unauthorized) {
        needToken('The manager refused this token.');
      } else {
        say(a + ' failed: ' + e.message, true);
      }
    }
    poll();
  }

  document.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action]');
    if (b && !b.disabled) {
      act(b);
    }
  });

  $('auth-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('auth-token').value.trim();
    if (t) {
      sessionStorage.setItem(TOKEN_KEY, t);
      $('auth-token').value = '';
      poll();
    }
  });

  window.addEventListener('hashchange', () => {
    takeTokenFromFragment();
    poll();
  });

  takeTokenFromFragment();
  if (!token()) {
    needToken('This dashboard shows nothing without the cluster\'s API token.');
  }
  poll();
  setInterval(poll, POLL_MS);
}());
