// The organiser's dashboard: filters in the URL, each panel fetched from /api/panels/{name}.json and drawn with
// ECharts (vendored, no CDN). Numbers and dates are formatted ru-RU; sale dates are Moscow dates, show times are
// the venue's wall clock as the API gives them (never converted). Each panel's element carries
// data-state = loading | ready | error, so that a test (or a person) can see when everything is drawn.
'use strict';
(function () {
  const FMT_INT = new Intl.NumberFormat('ru-RU');
  const FMT_RUB0 = new Intl.NumberFormat('ru-RU', {style: 'currency', currency: 'RUB', minimumFractionDigits: 0, maximumFractionDigits: 0});
  const FMT_RUB2 = new Intl.NumberFormat('ru-RU', {style: 'currency', currency: 'RUB', minimumFractionDigits: 2, maximumFractionDigits: 2});
  const FMT_PCT = new Intl.NumberFormat('ru-RU', {style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1});
  const FMT_COMPACT = new Intl.NumberFormat('ru-RU', {notation: 'compact', maximumFractionDigits: 1});
  const FMT_MIN = new Intl.NumberFormat('ru-RU', {maximumFractionDigits: 1});
  const FMT_MSK = new Intl.DateTimeFormat('ru-RU', {timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit'});
  const FMT_MSK_TIME = new Intl.DateTimeFormat('ru-RU', {timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit'});
  const FMT_MSK_DAY = new Intl.DateTimeFormat('ru-RU', {timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric'});
  const WEEKDAYS = ['пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс'];
  const COLORS = ['#2f6fdf', '#e8743b', '#19a979', '#945ecf', '#ed4a7b', '#13a4b4', '#6c8893', '#bf399e'];
  const TODAY = document.body.dataset.today;

  // --- formatting ---------------------------------------------------------------------------------------------
  const fmt = {
    money: (v) => (Math.round(v * 100) % 100 === 0 ? FMT_RUB0 : FMT_RUB2).format(v),
    int: (v) => FMT_INT.format(v),
    share: (v) => FMT_PCT.format(v),
    minutes: (v) => FMT_MIN.format(v),
    date: (iso) => { const [y, m, d] = iso.slice(0, 10).split('-'); return `${d}.${m}.${y}`; },
    datetime_local: (iso) => `${fmt.date(iso)} ${iso.slice(11, 16)}`,
    datetime_msk: (iso) => `${FMT_MSK.format(new Date(iso)).replace(',', '')} МСК`,
    id: (v) => String(v),
    text: (v) => String(v),
  };

  function cell(column, value) {
    if (value === null || value === undefined) return column.unknown || '—';
    const kind = column.kind in fmt ? column.kind : 'text';
    return fmt[kind](value);
  }

  // --- dates and the period -------------------------------------------------------------------------------------
  function addDays(iso, n) {
    const d = new Date(`${iso}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function parseDay(text) {
    // дд.мм.гггг as typed -> YYYY-MM-DD, or null when it is not a calendar date
    const m = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$/.exec(text || '');
    if (!m) return null;
    const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
    const d = new Date(`${iso}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
  }
  function daysBetween(a, b) { return Math.round((new Date(`${b}T00:00:00Z`) - new Date(`${a}T00:00:00Z`)) / 86400000); }
  function seasonStart(iso) {
    // a season runs from 1 September to 31 August
    const year = Number(iso.slice(0, 4)), month = Number(iso.slice(5, 7));
    return `${month >= 9 ? year : year - 1}-09-01`;
  }
  function presetRange(period) {
    if (period === 'today') return [TODAY, TODAY];
    if (period === 'yesterday') return [addDays(TODAY, -1), addDays(TODAY, -1)];
    if (period === '7') return [addDays(TODAY, -6), TODAY];
    if (period === 'season') return [seasonStart(TODAY), TODAY];
    return [addDays(TODAY, -29), TODAY];
  }
  function previousRange(from, to) {
    const days = daysBetween(from, to) + 1;
    return [addDays(from, -days), addDays(from, -1)];
  }

  // --- state in the URL ---------------------------------------------------------------------------------------
  const state = {period: '30', from: '', to: '', city: '', event_id: '', show_id: '', compare: true, compare_show_id: ''};
  function readUrl() {
    const q = new URLSearchParams(location.search);
    state.period = q.get('period') || (q.get('from') || q.get('to') ? 'custom' : '30');
    state.city = q.get('city') || '';
    state.event_id = q.get('event_id') || '';
    state.show_id = q.get('show_id') || '';
    state.compare_show_id = q.get('compare_show_id') || '';
    state.compare = q.get('compare') !== 'none';
    if (state.period === 'custom') {
      state.from = q.get('from') || addDays(TODAY, -29);
      state.to = q.get('to') || TODAY;
    } else {
      [state.from, state.to] = presetRange(state.period);
    }
  }
  function isoDay(text) {
    // YYYY-MM-DD from a link -> itself when it is a calendar date, else null
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text || '')) return null;
    const d = new Date(`${text}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text ? null : text;
  }
  function checkUrl() {
    // a shared link may carry a stale or mistyped value: each bad one falls back to its default, and the page says
    // which ones in one notice, instead of every panel answering with an error
    const q = new URLSearchParams(location.search);
    const bad = [];
    const quote = (v) => `«${String(v).slice(0, 40)}»`;
    if (!['today', 'yesterday', '7', '30', 'season', 'custom'].includes(state.period)) {
      bad.push(`период ${quote(state.period)}`);
      state.period = '30';
      [state.from, state.to] = presetRange('30');
    }
    if (state.period === 'custom') {
      const from = q.get('from') === null ? addDays(TODAY, -29) : isoDay(q.get('from'));
      const to = q.get('to') === null ? TODAY : isoDay(q.get('to'));
      if (q.get('from') !== null && !from) bad.push(`дата «с» ${quote(q.get('from'))}`);
      if (q.get('to') !== null && !to) bad.push(`дата «по» ${quote(q.get('to'))}`);
      if (from && to && from > to) bad.push(`период ${quote(`${q.get('from')} – ${q.get('to')}`)} (начало позже конца)`);
      if (!from || !to || from > to) {
        state.period = '30';
        [state.from, state.to] = presetRange('30');
      } else {
        state.from = from;
        state.to = to;
      }
    }
    if (state.city && !options.cities.some((c) => c.city === state.city)) {
      bad.push(`город ${quote(state.city)}`);
      state.city = '';
    }
    if (state.event_id && !options.events.some((e) => String(e.event_id) === state.event_id)) {
      bad.push(`мероприятие ${quote(state.event_id)}`);
      state.event_id = '';
    }
    if (state.show_id && !options.shows.some((s) => String(s.show_id) === state.show_id)) {
      bad.push(`сеанс ${quote(state.show_id)}`);
      state.show_id = '';
    }
    if (state.compare_show_id && state.compare_show_id !== 'none' && !options.shows.some((s) => s.past && String(s.show_id) === state.compare_show_id)) {
      bad.push(`сеанс для сравнения ${quote(state.compare_show_id)}`);
      state.compare_show_id = '';
    }
    const compare = q.get('compare');
    if (compare !== null && compare !== 'none' && compare !== 'previous') bad.push(`сравнение ${quote(compare)}`);
    const notice = document.getElementById('link-notice');
    if (bad.length) {
      notice.hidden = false;
      notice.textContent = `В ссылке неверные значения: ${bad.join(', ')}. Вместо них показано значение по умолчанию.`;
    } else {
      notice.hidden = true;
    }
  }
  function checkDatesOnly() {
    // without the options (the database did not answer) only what needs no data is checked
    const saved = {city: state.city, event_id: state.event_id, show_id: state.show_id};
    Object.assign(state, {city: '', event_id: '', show_id: ''});
    checkUrl();
    Object.assign(state, saved);
  }
  function writeUrl() {
    const q = new URLSearchParams();
    if (state.period !== '30') q.set('period', state.period);
    if (state.period === 'custom') { q.set('from', state.from); q.set('to', state.to); }
    for (const key of ['city', 'event_id', 'show_id']) if (state[key]) q.set(key, state[key]);
    if (!state.compare) q.set('compare', 'none');
    if (state.compare_show_id) q.set('compare_show_id', state.compare_show_id);
    const text = q.toString();
    history.replaceState(null, '', text ? `?${text}` : location.pathname);
  }
  function params(extra, range) {
    const q = new URLSearchParams();
    const [from, to] = range || [state.from, state.to];
    q.set('from', from);
    q.set('to', to);
    for (const key of ['city', 'event_id', 'show_id']) if (state[key]) q.set(key, state[key]);
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q.toString();
  }

  // --- fetching -----------------------------------------------------------------------------------------------
  async function api(name, extra, range) {
    let reply;
    try {
      reply = await fetch(`/api/panels/${name}.json?${params(extra, range)}`, {headers: {Accept: 'application/json'}});
    } catch (error) {
      throw new Error('нет связи с сервером, проверьте интернет');
    }
    if (!reply.ok) throw new Error((await reply.text()).trim().slice(0, 300) || `сервер ответил ошибкой ${reply.status}`);
    try {
      return await reply.json();
    } catch (error) {
      throw new Error('сервер прислал неполный ответ, обновите страницу');
    }
  }

  function section(name) { return document.querySelector(`[data-panel="${name}"]`); }
  function setState(name, value, message) {
    const el = section(name);
    if (!el) return;
    el.dataset.state = value;
    let note = el.querySelector('.panel-error');
    if (value === 'error') {
      if (!note) { note = document.createElement('p'); note.className = 'panel-error'; el.appendChild(note); }
      note.textContent = `Не удалось загрузить: ${message}`;
    } else if (note) {
      note.remove();
    }
  }

  // --- charts -------------------------------------------------------------------------------------------------
  const charts = {};
  function draw(name, option) {
    const el = document.getElementById(`chart-${name}`);
    el.hidden = false;
    let chart = charts[name];
    if (!chart) {
      chart = charts[name] = echarts.init(el, null, {locale: 'RU', renderer: 'svg'});
      window.addEventListener('resize', () => chart.resize());
    }
    const empty = el.parentElement.querySelector('.empty');
    if (empty) empty.remove();
    chart.resize();
    return new Promise((resolve) => {
      chart.off('finished');
      chart.on('finished', () => { chart.off('finished'); resolve(); });
      setTimeout(resolve, 5000); // a chart in a hidden or zero-sized box never reports 'finished'
      chart.setOption({animation: false, color: COLORS, ...option}, true);
    });
  }
  function fitHeight(name, bars) {
    // one bar per show: the box grows with the list instead of squeezing the bars
    document.getElementById(`chart-${name}`).style.height = `${Math.max(160, Math.round(bars * (narrow() ? 40 : 26)) + 50)}px`;
  }
  function noData(name, text) {
    const el = document.getElementById(`chart-${name}`);
    if (charts[name]) charts[name].clear();
    el.hidden = true; // an empty panel takes no room
    let empty = el.parentElement.querySelector('.empty');
    if (!empty) { empty = document.createElement('p'); empty.className = 'empty'; el.parentElement.insertBefore(empty, el); }
    empty.textContent = text || 'Нет продаж за выбранный период';
  }
  function narrow() { return window.innerWidth <= 700; }
  function labelWidth(name, wide) {
    // a category label may take about 40 % of the chart; long names wrap instead of being cut
    const el = document.getElementById(`chart-${name}`);
    const width = (el && el.clientWidth) || window.innerWidth;
    return Math.max(80, Math.min(wide || 150, Math.round(width * 0.36)));
  }
  const moneyAxis = {type: 'value', axisLabel: {formatter: (v) => FMT_COMPACT.format(v)}};
  const tooltipMoney = (params) => params.map((p) => `${p.marker}${p.seriesName}: ${p.seriesName.startsWith('Выручка') ? fmt.money(p.value) : fmt.int(p.value)}`).join('<br>');

  // --- tables -------------------------------------------------------------------------------------------------
  const tableRows = {};
  function renderTable(name, columns, rows, keep) {
    const table = document.querySelector(`table[data-table="${name}"]`);
    // the name comes first (and stays in view when the table scrolls sideways); id columns go last, hidden
    // unless «Показать ID» is ticked
    const kept = columns.filter((c) => !keep || keep.includes(c.key));
    const shown = [...kept.filter((c) => c.kind !== 'id'), ...kept.filter((c) => c.kind === 'id')];
    tableRows[name] = {columns: shown, rows: rows.slice(), sort: table.dataset.sort || '', dir: table.dataset.dir || ''};
    paintTable(table, tableRows[name]);
  }
  function paintTable(table, t) {
    if (t.sort) {
      const sign = t.dir === 'asc' ? 1 : -1;
      t.rows.sort((a, b) => {
        const x = a[t.sort], y = b[t.sort];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * sign;
      });
    }
    const head = t.columns.map((c) => {
      const mark = t.sort === c.key ? (t.dir === 'asc' ? ' ▲' : ' ▼') : '';
      return `<th data-key="${c.key}" class="k-${c.kind}" aria-sort="${t.sort === c.key ? (t.dir === 'asc' ? 'ascending' : 'descending') : 'none'}">${escapeHtml(c.title)}${mark}</th>`;
    }).join('');
    const body = t.rows.map((row) => `<tr>${t.columns.map((c) => {
      const value = row[c.key];
      const raw = value === null || value === undefined ? '' : String(value);
      const unknown = (value === null || value === undefined) && c.unknown ? ' unknown' : '';
      return `<td data-key="${c.key}" data-value="${escapeHtml(raw)}" class="k-${c.kind}${unknown}">${escapeHtml(cell(c, value))}</td>`;
    }).join('')}</tr>`).join('');
    table.innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${t.columns.length}" class="empty">Нет данных</td></tr>`}</tbody>`;
  }
  document.addEventListener('click', (event) => {
    const th = event.target.closest('table.data th');
    if (!th) return;
    const table = th.closest('table');
    const t = tableRows[table.dataset.table];
    if (!t) return;
    const key = th.dataset.key;
    t.dir = t.sort === key && t.dir === 'desc' ? 'asc' : 'desc';
    t.sort = key;
    table.dataset.sort = t.sort;
    table.dataset.dir = t.dir;
    paintTable(table, t);
  });
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (ch) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[ch]));
  }

  // --- panels -------------------------------------------------------------------------------------------------
  function venueTime(row) {
    // a show's start on the venue's own clock, said so: «07.12.2026 11:00 местного (Новосибирск (МСК+4))»
    if (!row.show_start_local) return row.show_start_msk ? fmt.datetime_msk(row.show_start_msk) : '';
    return `${fmt.datetime_local(row.show_start_local)} местного${row.show_zone ? ` (${row.show_zone})` : ''}`;
  }
  function fillCompareShows() {
    const select = document.getElementById('f-compare-show');
    const past = options.shows.filter((s) => s.past && String(s.show_id) !== state.show_id);
    const items = past.map((s) => [String(s.show_id), `${s.event_name}, ${s.city} — ${s.show_start_local ? fmt.datetime_local(s.show_start_local) : '—'}`]);
    select.innerHTML = '<option value="">подобрать похожий сеанс</option><option value="none">без сравнения</option>'
      + items.map(([v, label]) => `<option value="${escapeHtml(v)}">${escapeHtml(label)}</option>`).join('');
    if (state.compare_show_id && state.compare_show_id !== 'none' && !items.some(([v]) => v === state.compare_show_id)) state.compare_show_id = '';
    select.value = state.compare_show_id;
  }
  function showLabel(row) {
    const when = row.show_start_local ? fmt.datetime_local(row.show_start_local) : (row.show_start_msk ? fmt.datetime_msk(row.show_start_msk) : '');
    return `${row.event_name} — ${when}`;
  }
  // a percent change against a near-empty previous period tells nothing («▲ 27 741,9 %»): below these the tile
  // says only what the previous value was
  const MIN_PREVIOUS = {money: 10000, count: 20};
  function changeText(cur, prev, lowerIsBetter, money, prevTickets) {
    if (prev === null || prev === undefined) return {text: '', cls: ''};
    const was = `было ${money ? fmt.money(prev) : fmt.int(prev)}`;
    const enough = money === 'price' ? (prevTickets || 0) >= MIN_PREVIOUS.count : prev >= (money ? MIN_PREVIOUS.money : MIN_PREVIOUS.count);
    if (!enough || !prev || cur === null || cur === undefined) return {text: was, cls: ''};
    const delta = (cur - prev) / prev;
    const up = delta > 0;
    const good = lowerIsBetter ? !up : up;
    const sign = delta === 0 ? '' : (up ? '▲ ' : '▼ ');
    return {text: `${sign}${FMT_PCT.format(Math.abs(delta))} к пред. периоду · ${was}`, cls: delta === 0 ? '' : (good ? 'good' : 'bad')};
  }

  const renderers = {
    async kpi() {
      const data = await api('kpi', {compare: state.compare ? 'previous' : 'none'});
      const cur = data.rows.find((r) => r.period === 'current');
      const prev = data.rows.find((r) => r.period === 'previous');
      for (const tile of document.querySelectorAll('[data-kpi]')) {
        const key = tile.dataset.kpi;
        const money = ['revenue', 'avg_price', 'gross_revenue', 'refund_amount', 'cash_revenue'].includes(key);
        const value = cur[key] === undefined ? null : cur[key];
        tile.querySelector('.kpi-value').textContent = value === null ? '—' : (money ? fmt.money(value) : fmt.int(value));
        tile.querySelector('.kpi-value').dataset.value = value === null ? '' : String(value);
        const lower = key === 'refunds' || key === 'refund_amount';
        const change = prev ? changeText(value, prev[key], lower, key === 'avg_price' ? 'price' : money, prev.tickets) : {text: '', cls: ''};
        const el = tile.querySelector('.kpi-change');
        el.textContent = change.text;
        el.className = `kpi-change ${change.cls}`;
        el.title = prev ? `${fmt.date(prev.date_from)} – ${fmt.date(prev.date_to)}: ${prev[key] === null ? '—' : (money ? fmt.money(prev[key]) : fmt.int(prev[key]))}` : '';
      }
    },
    async sales_daily() {
      if (daysBetween(state.from, state.to) <= 1) return salesHourly();
      document.querySelector('[data-panel="sales_daily"] h2 .title').textContent = 'Выручка и билеты по дням продажи';
      csvLink('sales_daily', 'sales_daily');
      const wanted = [api('sales_daily')];
      if (state.compare) wanted.push(api('sales_daily', {}, previousRange(state.from, state.to)));
      const [data, prev] = await Promise.all(wanted);
      const rows = data.rows;
      const series = [
        {name: 'Выручка, ₽', type: 'bar', data: rows.map((r) => r.revenue), yAxisIndex: 0},
        {name: 'Билеты', type: 'line', data: rows.map((r) => r.tickets), yAxisIndex: 1, symbolSize: 4},
      ];
      if (prev) series.push({name: 'Выручка, ₽ (пред. период)', type: 'line', data: prev.rows.map((r) => r.revenue), yAxisIndex: 0, lineStyle: {type: 'dashed'}, symbol: 'none'});
      await draw('sales_daily', {
        tooltip: {trigger: 'axis', formatter: (ps) => `${ps[0].axisValueLabel}<br>${tooltipMoney(ps)}`},
        legend: {top: 0},
        grid: {left: narrow() ? 44 : 60, right: narrow() ? 36 : 50, top: narrow() ? 60 : 40, bottom: 30},
        xAxis: {type: 'category', data: rows.map((r) => (narrow() ? fmt.date(r.sales_date).slice(0, 5) : fmt.date(r.sales_date))), axisLabel: {hideOverlap: true}},
        yAxis: [moneyAxis, {type: 'value', name: 'билеты', axisLabel: {formatter: (v) => FMT_INT.format(v)}}],
        series,
      });
    },
    async cities() {
      const data = await api('cities');
      renderTable('cities', data.columns, data.rows);
      setState('cities_table', 'ready');
      const top = data.rows.slice(0, 10);
      if (!top.length) return noData('cities');
      await draw('cities', barOption('cities', top.map((r) => r.city), top.map((r) => r.revenue), 'Выручка, ₽'));
    },
    async events() {
      const data = await api('events');
      renderTable('events', data.columns, data.rows);
      setState('events_table', 'ready');
      const top = data.rows.slice(0, 10);
      if (!top.length) return noData('events');
      await draw('events', barOption('events', top.map((r) => `${r.event_name} (${r.city})`), top.map((r) => r.revenue), 'Выручка, ₽'));
    },
    async shows() {
      const data = await api('shows');
      renderTable('shows', data.columns, data.rows);
    },
    async pace() {
      fillCompareShows();
      const extra = {};
      if (state.compare_show_id === 'none') extra.compare = 'none';
      else if (state.compare_show_id) extra.compare_show_id = state.compare_show_id;
      const data = await api('pace', extra);
      const note = document.getElementById('pace-note');
      const cur = data.rows.filter((r) => r.series === 'current');
      const cmp = data.rows.filter((r) => r.series === 'compare');
      const plan = data.rows.find((r) => r.series === 'plan');
      if (!cur.length) { note.textContent = ''; return noData('pace', 'Нет продаж у выбранного сеанса'); }
      const capacity = cur[0].capacity;
      const last = cur[cur.length - 1];
      const parts = [`Сеанс: ${cur[0].event_name}, ${cur[0].city}, ${venueTime(cur[0])}`];
      parts.push(capacity ? `вместимость ${fmt.int(capacity)}, продано ${fmt.share(last.tickets_cum / capacity)}` : 'вместимость неизвестна');
      if (cmp.length) parts.push(`сравнение: ${cmp[0].event_name}, ${venueTime(cmp[0])}${cmp[0].compare_basis ? ` (${cmp[0].compare_basis})` : ''}`);
      else parts.push('без сравнения');
      parts.push(plan ? `план: ${fmt.int(plan.tickets_cum)} билетов (${fmt.share(last.tickets_cum / plan.tickets_cum)})` : 'нет плана');
      note.textContent = parts.join(' · ');
      const series = [{name: 'Этот сеанс', type: 'line', step: 'end', symbol: 'none', data: cur.map((r) => [r.days_before, r.tickets_cum])}];
      if (cmp.length) series.push({name: 'Сеанс для сравнения', type: 'line', step: 'end', symbol: 'none', lineStyle: {type: 'dashed'}, data: cmp.map((r) => [r.days_before, r.tickets_cum])});
      if (plan) {
        // the show's own target as a line across the whole curve
        const days = cur.map((r) => r.days_before).concat(cmp.map((r) => r.days_before));
        const far = Math.max(...days), near = Math.min(0, ...days);
        series.push({name: 'План', type: 'line', symbol: 'none', lineStyle: {type: 'dotted', width: 2}, color: '#c4320a',
          data: [[far, plan.tickets_cum], [near, plan.tickets_cum]]});
      }
      await draw('pace', {
        tooltip: {trigger: 'axis', formatter: (ps) => `за ${ps[0].axisValue} дн. до начала<br>${ps.map((p) => `${p.marker}${p.seriesName}: ${fmt.int(p.value[1])}`).join('<br>')}`},
        legend: {top: 0},
        grid: {left: 60, right: 30, top: 40, bottom: 40},
        xAxis: {type: 'value', inverse: true, name: 'дней до начала', nameLocation: 'middle', nameGap: 25},
        yAxis: {type: 'value', name: 'билеты', axisLabel: {formatter: (v) => FMT_INT.format(v)}},
        series,
      });
    },
    async sell_through() {
      const data = await api('sell_through');
      renderTable('sell_through', data.columns, data.rows, ['event_name', 'city', 'show_start_local', 'capacity', 'sold', 'reserved', 'left', 'sold_share']);
      if (!data.rows.length) return noData('sell_through', 'Нет предстоящих сеансов');
      const rows = data.rows;
      fitHeight('sell_through', rows.length);
      await draw('sell_through', {
        tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, formatter: (ps) => {
          const r = rows[ps[0].dataIndex];
          return `${escapeHtml(showLabel(r))}<br>продано ${fmt.int(r.sold)}${r.capacity ? ` из ${fmt.int(r.capacity)} (${fmt.share(r.sold_share)})` : ', вместимость неизвестна'}`;
        }},
        grid: {left: labelWidth('sell_through', 240) + 10, right: narrow() ? 60 : 80, top: 10, bottom: 30},
        xAxis: {type: 'value', max: 1, splitNumber: narrow() ? 2 : 5, axisLabel: {formatter: (v) => FMT_PCT.format(v)}},
        yAxis: {type: 'category', inverse: true, data: rows.map(showLabel), axisLabel: {width: labelWidth('sell_through', 240), overflow: 'break', lineHeight: 13, fontSize: narrow() ? 10 : 12}},
        series: [{type: 'bar', name: 'Продано', label: {show: true, position: 'right', formatter: (p) => FMT_PCT.format(p.value)},
          // an unknown capacity is said in words on an invisible bar, never drawn as 0 %
          data: rows.map((r) => (r.sold_share === null
            ? {value: 0, itemStyle: {opacity: 0}, label: {formatter: 'вместимость неизвестна', color: '#667085'}}
            : r.sold_share))}],
      });
    },
    async zones() {
      const data = await api('zones');
      if (!data.rows.length) return noData('zones');
      const small = narrow();
      const width = document.getElementById('chart-zones').clientWidth || window.innerWidth;
      document.getElementById('chart-zones').style.height = small ? `${220 + data.rows.length * 34}px` : '';
      await draw('zones', {
        tooltip: {trigger: 'item', formatter: (p) => `${escapeHtml(p.name)}: ${fmt.money(p.value)} (${FMT_PCT.format(p.percent / 100)})`},
        // on a phone the names go to a scrolling legend below the ring: outside labels would be cut at the edge
        legend: small ? {orient: 'vertical', left: 0, top: 210, itemGap: 6, textStyle: {fontSize: 11, width: width - 40, overflow: 'break'}} : undefined,
        series: [{type: 'pie', radius: small ? [40, 90] : ['35%', '70%'], center: ['50%', small ? 100 : '50%'],
          data: data.rows.map((r) => ({name: r.zone, value: r.revenue})), label: narrow() ? {show: false} : {formatter: '{b}', overflow: 'break', width: 110}}],
      });
    },
    async refunds() {
      const data = await api('refunds');
      const rows = data.rows;
      await draw('refunds', {
        tooltip: {trigger: 'axis', formatter: (ps) => { const r = rows[ps[0].dataIndex]; return `${fmt.date(r.refund_date)}<br>билетов: ${fmt.int(r.refunds)}<br>сумма: ${fmt.money(r.refund_amount)}`; }},
        grid: {left: 50, right: 20, top: 20, bottom: 30},
        xAxis: {type: 'category', data: rows.map((r) => fmt.date(r.refund_date))},
        yAxis: {type: 'value', minInterval: 1},
        series: [{type: 'bar', name: 'Возвраты', data: rows.map((r) => r.refunds)}],
      });
    },
    async promo() {
      const data = await api('promo');
      const top = data.rows.slice(0, 12);
      if (!top.length) return noData('promo');
      await draw('promo', barOption('promo', top.map((r) => r.promo_code), top.map((r) => r.revenue), 'Выручка, ₽'));
    },
    async utm() {
      const data = await api('utm');
      const bySource = new Map();
      for (const r of data.rows) bySource.set(r.utm_source, (bySource.get(r.utm_source) || 0) + r.revenue);
      const top = [...bySource.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
      if (!top.length) return noData('utm');
      await draw('utm', barOption('utm', top.map((x) => x[0]), top.map((x) => x[1]), 'Выручка, ₽'));
    },
    async hourly() {
      const data = await api('hourly');
      if (!data.rows.length) return noData('hourly');
      const cells = data.rows.map((r) => [r.hour, r.weekday - 1, r.tickets]);
      const max = Math.max(1, ...data.rows.map((r) => r.tickets));
      await draw('hourly', {
        tooltip: {formatter: (p) => `${WEEKDAYS[p.value[1]]}, ${p.value[0]}:00–${p.value[0]}:59 МСК<br>билетов: ${fmt.int(p.value[2])}`},
        grid: {left: 40, right: 20, top: 10, bottom: 60},
        xAxis: {type: 'category', data: [...Array(24).keys()].map(String), splitArea: {show: true}},
        yAxis: {type: 'category', data: WEEKDAYS, inverse: true, splitArea: {show: true}},
        // the scale: how many tickets a colour means
        visualMap: {min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: narrow() ? 100 : 160,
          text: [`${fmt.int(max)} бил.`, '0'], textGap: 6, formatter: (v) => fmt.int(Math.round(v))},
        series: [{type: 'heatmap', name: 'Билеты', data: cells}],
      });
    },
    async attendance() {
      const data = await api('attendance');
      if (!data.rows.length) return noData('attendance', 'Нет прошедших сеансов в выбранном периоде');
      const rows = data.rows.slice(0, 20);
      fitHeight('attendance', rows.length);
      await draw('attendance', {
        tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, formatter: (ps) => { const r = rows[ps[0].dataIndex]; return `${escapeHtml(showLabel(r))}<br>прошли ${fmt.int(r.scanned)} из ${fmt.int(r.sold)} (${r.share === null ? '—' : fmt.share(r.share)})`; }},
        grid: {left: labelWidth('attendance', 240) + 10, right: 60, top: 10, bottom: 30},
        xAxis: {type: 'value', max: 1, splitNumber: narrow() ? 2 : 5, axisLabel: {formatter: (v) => FMT_PCT.format(v)}},
        yAxis: {type: 'category', inverse: true, data: rows.map(showLabel), axisLabel: {width: labelWidth('attendance', 240), overflow: 'break', lineHeight: 13, fontSize: narrow() ? 10 : 12}},
        series: [{type: 'bar', name: 'Посещаемость', data: rows.map((r) => r.share), label: {show: true, position: 'right', formatter: (p) => FMT_PCT.format(p.value)}}],
      });
    },
    async ads() {
      // «Реклама»: spend, cost per ticket and ROMI by city; spend no sale could be tied to («не сопоставлено») and sales
      // without a tag («без метки») are rows of their own. Without an ad source the block says so and draws nothing.
      const [spend, romi] = await Promise.all([api('ad_spend'), api('romi')]);
      const box = document.getElementById('ads-body');
      const empty = document.getElementById('ads-empty');
      const spent = spend.rows.some((r) => r.spend) || romi.rows.some((r) => r.spend);
      if (!spent) {
        box.hidden = true;
        empty.hidden = false;
        empty.textContent = 'Рекламные кабинеты не подключены (или за период не было расходов на рекламу): здесь появятся расход, цена билета и окупаемость по городам, когда подключат Яндекс Директ или VK Рекламу.';
        return;
      }
      box.hidden = false;
      empty.hidden = true;
      const byCity = new Map();
      for (const r of romi.rows) {
        const key = r.city || 'не сопоставлено';
        const acc = byCity.get(key) || {city: key, spend: 0, tickets: 0, revenue: 0};
        acc.spend += r.spend || 0; acc.tickets += r.tickets || 0; acc.revenue += r.revenue || 0;
        byCity.set(key, acc);
      }
      const cities = [...byCity.values()].sort((a, b) => b.spend - a.spend);
      for (const c of cities) {
        c.cost_per_ticket = c.tickets && c.spend ? c.spend / c.tickets : null;
        c.romi = c.spend ? (c.revenue - c.spend) / c.spend : null;
      }
      renderTable('ads', [
        {key: 'city', title: 'Город', kind: 'text'},
        {key: 'spend', title: 'Расход, ₽', kind: 'money'},
        {key: 'tickets', title: 'Билеты', kind: 'int'},
        {key: 'revenue', title: 'Выручка, ₽', kind: 'money'},
        {key: 'cost_per_ticket', title: 'Цена билета в рекламе, ₽', kind: 'money', unknown: 'нет расхода'},
        {key: 'romi', title: 'ROMI', kind: 'share', unknown: 'нет расхода'},
      ], cities);
      renderTable('ad_campaigns', spend.columns, spend.rows, ['channel', 'campaign_name', 'city', 'mapped_by', 'spend', 'clicks', 'tickets', 'revenue', 'cost_per_ticket', 'romi', 'romi_light']);
      const withSpend = cities.filter((c) => c.spend);
      const width = labelWidth('ads');
      fitHeight('ads', withSpend.length * (narrow() ? 1.6 : 1));
      await draw('ads', {
        tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, confine: true, formatter: (ps) => { const c = withSpend[ps[0].dataIndex]; return `${escapeHtml(c.city)}<br>расход ${fmt.money(c.spend)}<br>ROMI ${c.romi === null ? '—' : fmt.share(c.romi)}`; }},
        grid: {left: width + 10, right: narrow() ? 60 : 80, top: 10, bottom: 20},
        xAxis: {type: 'value', splitNumber: narrow() ? 2 : 4, axisLabel: {formatter: (v) => FMT_PCT.format(v), hideOverlap: true}},
        yAxis: {type: 'category', inverse: true, data: withSpend.map((c) => c.city), axisLabel: {width, overflow: 'break', lineHeight: 13, fontSize: narrow() ? 11 : 12}},
        series: [{type: 'bar', name: 'ROMI', data: withSpend.map((c) => ({value: c.romi, itemStyle: {color: c.romi >= 0 ? '#19a979' : '#c4320a'}})),
          label: {show: true, position: 'right', formatter: (p) => FMT_PCT.format(p.value)}}],
      });
    },
    async plan() {
      const data = await api('plan');
      renderTable('plan', data.columns, data.rows, ['event_name', 'show_id', 'plan_date', 'target_tickets', 'fact_tickets', 'tickets_share', 'target_revenue', 'fact_revenue', 'revenue_share']);
    },
    async forecast() {
      const data = await api('forecast');
      const rows = data.rows.map((r) => ({
        ...r,
        band: r.forecast_p25 === null || r.forecast_p75 === null ? null : `${fmt.int(r.forecast_p25)} – ${fmt.int(r.forecast_p75)}`,
      }));
      renderTable('forecast', [
        {key: 'event_name', title: 'Мероприятие', kind: 'text'},
        {key: 'show_id', title: 'ID сеанса', kind: 'id'},
        {key: 'show_start_local', title: 'Начало (местное время)', kind: 'datetime_local'},
        {key: 'sold', title: 'Продано', kind: 'int'},
        {key: 'forecast_p50', title: 'Ожидается, билеты', kind: 'int', unknown: 'нет прогноза'},
        {key: 'band', title: 'Диапазон (от – до)', kind: 'text', unknown: '—'},
        {key: 'city', title: 'Город', kind: 'text'},
        {key: 'capacity', title: 'Вместимость', kind: 'int', unknown: 'неизвестно'},
        {key: 'plan', title: 'План, билеты', kind: 'int', unknown: 'нет плана'},
      ], rows);
      if (!rows.length) document.querySelector('table[data-table="forecast"] tbody td.empty').textContent = 'Нет предстоящих сеансов';
    },
    async freshness() {
      const data = await api('freshness');
      const row = data.rows[0] || {};
      const box = document.getElementById('freshness');
      const text = document.getElementById('freshness-text');
      if (!row.last_success_at) {
        text.textContent = 'данных ещё нет: загрузка не выполнялась';
      } else {
        const when = new Date(row.last_success_at);
        const sameDay = FMT_MSK_DAY.format(when) === fmt.date(TODAY);
        text.textContent = `данные на ${sameDay ? '' : `${FMT_MSK_DAY.format(when)} `}${FMT_MSK_TIME.format(when)} МСК`;
      }
      box.classList.toggle('stale', Boolean(row.stale));
      box.title = row.age_minutes === null || row.age_minutes === undefined ? '' : `последняя успешная загрузка ${fmt.minutes(row.age_minutes)} мин назад`;
      const banner = document.getElementById('run-error');
      if (row.failed) {
        banner.hidden = false;
        banner.textContent = `Последняя загрузка из QTickets не удалась (${row.last_run_at ? fmt.datetime_msk(row.last_run_at) : ''}): ${String(row.last_error || '').slice(0, 300)}`;
      } else {
        banner.hidden = true;
      }
    },
  };

  function csvLink(panel, source) {
    // the CSV of what the chart shows: by hour for a day or two, by day otherwise
    const link = document.querySelector(`[data-panel="${panel}"] a.csv`);
    link.dataset.csv = source;
    link.href = `/api/panels/${source}.csv?${params()}`;
  }
  async function salesHourly() {
    // «Сегодня» / «Вчера» (any period of one or two days): by hour, Moscow time, instead of one or two bars
    document.querySelector('[data-panel="sales_daily"] h2 .title').textContent = 'Выручка и билеты по часам, МСК';
    csvLink('sales_daily', 'sales_hourly');
    const data = await api('sales_hourly');
    const rows = data.rows;
    const oneDay = state.from === state.to;
    const label = (r) => `${oneDay ? '' : `${fmt.date(r.sales_date).slice(0, 5)} `}${String(r.hour).padStart(2, '0')}:00`;
    await draw('sales_daily', {
      tooltip: {trigger: 'axis', confine: true, formatter: (ps) => { const r = rows[ps[0].dataIndex]; return `${fmt.date(r.sales_date)}, ${String(r.hour).padStart(2, '0')}:00–${String(r.hour).padStart(2, '0')}:59 МСК<br>${tooltipMoney(ps)}`; }},
      legend: {top: 0},
      grid: {left: narrow() ? 44 : 60, right: narrow() ? 36 : 50, top: narrow() ? 60 : 40, bottom: 30},
      xAxis: {type: 'category', data: rows.map(label), axisLabel: {hideOverlap: true}},
      yAxis: [moneyAxis, {type: 'value', name: 'билеты', minInterval: 1, axisLabel: {formatter: (v) => FMT_INT.format(v)}}],
      series: [
        {name: 'Выручка, ₽', type: 'bar', data: rows.map((r) => r.revenue), yAxisIndex: 0},
        {name: 'Билеты', type: 'line', data: rows.map((r) => r.tickets), yAxisIndex: 1, symbolSize: 4},
      ],
    });
  }
  function barOption(name, names, values, seriesName) {
    const width = labelWidth(name);
    const small = narrow();
    fitHeight(name, names.length * (small ? 1.6 : 1));
    return {
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, confine: true, formatter: (ps) => `${escapeHtml(ps[0].name)}<br>${fmt.money(ps[0].value)}`},
      grid: {left: width + 10, right: small ? 82 : 100, top: 10, bottom: 20},
      xAxis: {type: 'value', axisLabel: {formatter: (v) => FMT_COMPACT.format(v), hideOverlap: true}, splitNumber: small ? 2 : 4},
      yAxis: {type: 'category', inverse: true, data: names, axisLabel: {width, overflow: 'break', lineHeight: 13, fontSize: small ? 11 : 12}},
      series: [{type: 'bar', name: seriesName, data: values, label: {show: true, position: 'right', fontSize: small ? 11 : 12,
        formatter: (p) => (small ? `${FMT_COMPACT.format(p.value)} ₽` : fmt.money(p.value))}}],
    };
  }

  // --- filters ------------------------------------------------------------------------------------------------
  let options = {cities: [], events: [], shows: []};
  function fillSelect(select, items, value, allText) {
    select.innerHTML = `<option value="">${allText}</option>` + items.map(([v, label]) => `<option value="${escapeHtml(v)}">${escapeHtml(label)}</option>`).join('');
    select.value = items.some(([v]) => v === value) ? value : '';
    return select.value;
  }
  function fillFilters() {
    state.city = fillSelect(document.getElementById('f-city'), options.cities.map((c) => [c.city, c.city]), state.city, 'Все города');
    const events = options.events.filter((e) => !state.city || e.city === state.city);
    state.event_id = fillSelect(document.getElementById('f-event'), events.map((e) => [String(e.event_id), `${e.event_name} (${e.city})`]), state.event_id, 'Все мероприятия');
    const shows = options.shows.filter((s) => (!state.city || s.city === state.city) && (!state.event_id || String(s.event_id) === state.event_id));
    state.show_id = fillSelect(document.getElementById('f-show'), shows.map((s) => [String(s.show_id), `${s.show_start_local ? fmt.datetime_local(s.show_start_local) : '—'} — ${s.event_name}`]), state.show_id, 'Все сеансы');
    document.getElementById('f-period').value = state.period;
    document.getElementById('f-from').value = fmt.date(state.from);
    document.getElementById('f-to').value = fmt.date(state.to);
    document.getElementById('f-compare').checked = state.compare;
    document.getElementById('period-label').textContent = `${fmt.date(state.from)} – ${fmt.date(state.to)}`;
    for (const link of document.querySelectorAll('a[data-csv]')) link.href = `/api/panels/${link.dataset.csv}.csv?${params()}`;
  }
  function onFilterChange(event) {
    const id = event.target.id;
    if (id === 'f-ids') { document.body.classList.toggle('show-ids', event.target.checked); return; }
    if (id === 'f-period') {
      state.period = event.target.value;
      if (state.period !== 'custom') [state.from, state.to] = presetRange(state.period);
    } else if (id === 'f-from' || id === 'f-to') {
      const from = parseDay(document.getElementById('f-from').value);
      const to = parseDay(document.getElementById('f-to').value);
      if (!from || !to || from > to) { event.target.setCustomValidity('дата в виде дд.мм.гггг, «с» не позже «по»'); event.target.reportValidity(); return; }
      event.target.setCustomValidity('');
      state.period = 'custom';
      state.from = from;
      state.to = to;
    } else if (id === 'f-city') {
      state.city = event.target.value; state.event_id = ''; state.show_id = '';
    } else if (id === 'f-event') {
      state.event_id = event.target.value; state.show_id = '';
    } else if (id === 'f-show') {
      state.show_id = event.target.value;
      const show = options.shows.find((s) => String(s.show_id) === state.show_id);
      if (show) state.event_id = String(show.event_id);
    } else if (id === 'f-compare-show') {
      state.compare_show_id = event.target.value;
    } else if (id === 'f-compare') {
      state.compare = event.target.checked;
    }
    refresh();
  }

  // --- refresh ------------------------------------------------------------------------------------------------
  let generation = 0;
  async function refresh() {
    const mine = ++generation;
    writeUrl();
    fillFilters();
    document.body.dataset.state = 'loading';
    for (const el of document.querySelectorAll('[data-panel]')) el.dataset.state = 'loading';
    await Promise.all(Object.entries(renderers).map(async ([name, render]) => {
      try {
        await render();
        if (mine === generation) setState(name, 'ready');
      } catch (error) {
        if (mine !== generation) return;
        setState(name, 'error', error.message);
        if (name === 'cities' || name === 'events') setState(`${name}_table`, 'error', error.message);
      }
    }));
    if (mine === generation) document.body.dataset.state = 'ready';
  }

  async function start() {
    readUrl();
    try {
      const reply = await fetch('/api/options');
      if (reply.ok) options = await reply.json();
    } catch (error) {
      options = {cities: [], events: [], shows: []};
    }
    if (options.cities.length || options.events.length || options.shows.length) checkUrl();
    else checkDatesOnly();
    document.getElementById('filters').addEventListener('change', onFilterChange);
    document.getElementById('f-compare-show').addEventListener('change', onFilterChange);
    document.getElementById('f-toggle').addEventListener('click', () => {
      const form = document.getElementById('filters');
      const open = form.classList.toggle('open');
      document.getElementById('f-toggle').setAttribute('aria-expanded', String(open));
      document.getElementById('f-toggle').textContent = open ? 'Фильтры ▴' : 'Фильтры ▾';
    });
    document.getElementById('f-reset').addEventListener('click', () => {
      Object.assign(state, {period: '30', city: '', event_id: '', show_id: '', compare: true, compare_show_id: ''});
      [state.from, state.to] = presetRange('30');
      refresh();
    });
    await refresh();
    setInterval(() => { if (document.visibilityState === 'visible') refresh(); }, 5 * 60 * 1000);
  }

  window.zakazDashboard = {fmt, state};
  document.addEventListener('DOMContentLoaded', start);
})();
