/**
 * The dashboard's script, run in the browser (compiled by tsc with the rest and served as
 * /assets/app.js; the server never imports it). It polls the JSON API and updates the page
 * in place, so states change without a reload.
 *
 * Every piece of text that comes from the server (client ids, messages, reasons) goes into
 * the page through textContent, never as HTML: nothing a client sends can become markup.
 */
export {};

interface ClientJson {
  id: string;
  kind: string;
  state: 'up' | 'down' | 'unknown';
  last_heartbeat: string | null;
  source_address: string | null;
  next_deadline: string | null;
  down_interval_s: number;
  grace_s: number;
  schedule: 'always' | { days: string[]; start: string; end: string; timezone: string };
  current_outage: { start: string | null; duration_s: number | null } | null;
  last_message: { at: string; status: string; text: string } | null;
  /** The maintenance window the client is in now: no alerts, no healing (absent from older servers). */
  maintenance?: { id: string; until: string; reason: string | null } | null;
}

interface DetailJson extends ClientJson {
  uptime_pct: Record<string, number | null>;
  /** Heartbeats lost while up, by window (null: not counted), and per day over 30 days. */
  heartbeat_loss_pct?: Record<string, number | null>;
  quality_days?: { day: string; loss_pct: number | null; degraded_hours: number }[];
  transitions: { type: string; at: string; reason: string | null; outage_s: number | null }[];
  /** What supervision did (healing, probes, LibreNMS), oldest first. */
  actions: { at: string; module: string; kind: string; result: string; detail: string }[];
  /** Recent alerts and each channel's delivery state, oldest first. */
  alerts: { id: string; type: string; at: string; channels: Record<string, { state: string; at?: string; next_attempt?: string; answer?: string }> }[];
}

interface OutagesJson {
  since: string;
  until: string;
  /** When this client's record begins and ends in the window; null when it has none. */
  period_start: string | null;
  period_end: string | null;
  outages: { start: string; end: string | null; duration_s: number; cause: string; ongoing: boolean }[];
}

interface FindingsJson {
  findings: { source: string; severity: string; title: string; count: number; origin: string; evidence: string[]; last_seen: string; line_time: string | null }[];
}

const POLL_MS = 2000;
const DETAIL_MS = 30_000;
const TOKEN_KEY = 'netmonitor-admin-token';
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const cards = new Map<string, Card>();
let clients: ClientJson[] = [];
/** The server's alert time zone: the dashboard shows times as the alerts do. */
let zone = 'UTC';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (token() !== '') headers.set('Authorization', `Bearer ${token()}`);
  const response = await fetch(path, { ...init, headers, cache: 'no-store' });
  const body = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!response.ok) throw new Error(body.message ?? body.error ?? `HTTP ${response.status}`);
  return body;
}

/** `3s`, `4m 05s`, `2h 03m`, `3d 04h`. */
function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** A time in the alerts' zone, with seconds and the zone's name (`Dec 2, 2026, 12:58:03 AM CST`), in the browser's language. */
function localTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'long' });
}

function scheduleText(schedule: ClientJson['schedule']): string {
  if (schedule === 'always') return 'always';
  return `${schedule.days.join(' ')} ${schedule.start}–${schedule.end} (${schedule.timezone})`;
}

class Card {
  readonly root = el('article', 'client');
  private readonly state = el('span', 'state');
  private readonly heard = el('p', 'heard');
  private readonly next = el('p', 'next');
  private readonly outage = el('p', 'outage');
  private readonly message = el('p', 'message');
  private readonly uptime = el('dl', 'uptime');
  private readonly timeline = el('div', 'timeline');
  private readonly lossChart = el('div', 'loss-chart');
  private readonly timelineLabel = el('p', 'timeline-label');
  private readonly transitions = el('ol', 'transitions');
  private readonly actions = el('ol', 'actions');
  private readonly actionsFold = el('details');
  private readonly alerts = el('ol', 'alerts');
  private readonly alertsFold = el('details');
  private readonly settingsText = el('p', 'settings');
  private readonly editor = el('form', 'editor');
  private data: ClientJson | null = null;
  private detailAt = 0;
  private lastState = '';

  constructor(readonly id: string) {
    this.root.dataset.client = id;
    const head = el('header');
    head.append(el('h2', undefined, id), this.state);
    const history = el('details');
    history.append(el('summary', undefined, 'Recent transitions'), this.transitions);
    this.actionsFold.append(el('summary', undefined, 'Supervision actions'), this.actions);
    this.actionsFold.hidden = true;
    this.alertsFold.append(el('summary', undefined, 'Alert delivery'), this.alerts);
    this.alertsFold.hidden = true;
    this.timeline.setAttribute('role', 'img');
    this.lossChart.setAttribute('role', 'img');
    this.lossChart.hidden = true;
    this.root.append(head, this.heard, this.next, this.outage, this.message, this.uptime, this.lossChart, this.timeline, this.timelineLabel, history, this.alertsFold, this.actionsFold, this.settingsText, this.editor);
    this.editor.hidden = true;
    this.editor.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save();
    });
  }

  update(data: ClientJson): void {
    this.data = data;
    this.root.dataset.state = data.state;
    this.state.dataset.state = data.state;
    this.state.textContent = data.state.toUpperCase();
    const maintenance = data.maintenance ?? null;
    this.root.dataset.maintenance = maintenance === null ? 'no' : 'yes';
    if (maintenance !== null) this.state.textContent += ' · MAINTENANCE';
    this.state.title = maintenance === null ? '' : `In maintenance until ${localTime(maintenance.until)}${maintenance.reason === null ? '' : `: ${maintenance.reason}`} (no alerts, no healing)`;
    this.outage.hidden = data.current_outage === null;
    this.outage.textContent = data.current_outage?.start != null ? `Down since ${localTime(data.current_outage.start)}` : 'Down';
    this.message.hidden = data.last_message === null || data.last_message.text === '';
    if (data.last_message !== null) this.message.textContent = `Last message (${data.last_message.status}): ${data.last_message.text}`;
    this.settingsText.textContent = `Down after ${span(data.down_interval_s)} of silence · grace ${span(data.grace_s)} · schedule ${scheduleText(data.schedule)}`;
    this.tick();
    const changed = data.state !== this.lastState;
    this.lastState = data.state;
    if (changed || Date.now() - this.detailAt > DETAIL_MS) void this.loadDetail();
    if (token() !== '' && this.editor.hidden) this.buildEditor();
    if (token() === '') this.editor.hidden = true;
  }

  /** Refreshes the relative times every second between polls. */
  tick(): void {
    const data = this.data;
    if (data === null) return;
    const now = Date.now();
    this.heard.textContent = data.last_heartbeat === null
      ? 'Never heard'
      : `Last heartbeat ${span((now - Date.parse(data.last_heartbeat)) / 1000)} ago${data.source_address === null ? '' : ` from ${data.source_address}`}`;
    if (data.next_deadline === null) this.next.textContent = data.state === 'down' ? 'Waiting for the next heartbeat' : 'No heartbeat expected yet';
    else {
      const left = (Date.parse(data.next_deadline) - now) / 1000;
      // The deadline is the down interval's end, not when the sensor sends next.
      this.next.textContent = left >= 0 ? `Declared down if nothing is heard for another ${span(left)}` : 'Silent past its down interval: being declared down';
    }
  }

  private async loadDetail(): Promise<void> {
    this.detailAt = Date.now();
    const id = encodeURIComponent(this.id);
    try {
      const [detail, outages] = await Promise.all([
        api<DetailJson>(`/api/v1/clients/${id}`),
        api<OutagesJson>(`/api/v1/clients/${id}/outages?since=30d`),
      ]);
      this.renderUptime(detail.uptime_pct);
      this.renderLoss(detail.quality_days ?? []);
      this.renderTransitions(detail.transitions);
      this.renderActions(detail.actions);
      this.renderAlerts(detail.alerts ?? []);
      this.renderTimeline(outages);
    } catch (error) {
      this.timelineLabel.textContent = `History unavailable: ${(error as Error).message}`;
    }
  }

  private renderUptime(uptime: Record<string, number | null>): void {
    this.uptime.replaceChildren();
    for (const [name, pct] of Object.entries(uptime)) {
      const item = el('div');
      item.append(el('dt', undefined, name), el('dd', undefined, pct === null ? 'n/a' : `${pct >= 99.995 && pct < 100 ? '99.99' : pct.toFixed(2)} %`));
      this.uptime.append(item);
    }
  }

  /** A bar per day of the last 30: the share of heartbeats lost while up (full height at 10 % or more); hidden when none were counted. */
  private renderLoss(days: NonNullable<DetailJson['quality_days']>): void {
    this.lossChart.replaceChildren();
    this.lossChart.hidden = days.length === 0;
    for (const day of days) {
      const bar = el('span', day.degraded_hours > 0 ? 'degraded' : undefined);
      const pct = day.loss_pct ?? 0;
      bar.style.height = `${Math.max(2, Math.min(100, pct * 10))}%`;
      bar.title = `${day.day}: ${pct.toFixed(2)} % of heartbeats lost${day.degraded_hours > 0 ? `, ${day.degraded_hours} degraded hour(s)` : ''}`;
      this.lossChart.append(bar);
    }
    this.lossChart.setAttribute('aria-label', `Heartbeats lost per day while up, last ${days.length} day(s)`);
  }

  private renderTransitions(transitions: DetailJson['transitions']): void {
    this.transitions.replaceChildren();
    for (const transition of [...transitions].reverse()) {
      const item = el('li', transition.type);
      let text = `${transition.type.toUpperCase()} ${localTime(transition.at)}`;
      if (transition.outage_s !== null) text += ` after ${span(transition.outage_s)}`;
      if (transition.reason !== null) text += `: ${transition.reason}`;
      item.textContent = text;
      this.transitions.append(item);
    }
    if (transitions.length === 0) this.transitions.append(el('li', undefined, 'None yet'));
  }

  /** Healing steps, probe runs and LibreNMS changes, latest first; the fold is shown only when there are some. */
  private renderActions(actions: DetailJson['actions']): void {
    this.actions.replaceChildren();
    for (const action of [...actions].reverse()) {
      const item = el('li', action.result === 'failed' || action.result === 'gave up' || action.result === 'error' ? 'failed' : undefined);
      item.textContent = `${localTime(action.at)} ${action.module} ${action.kind}: ${action.result}${action.detail === '' ? '' : ` (${action.detail})`}`;
      this.actions.append(item);
    }
    this.actionsFold.hidden = actions.length === 0;
  }

  /** Each recent alert, latest first, with one line per channel: where it stands, and the provider's answer. */
  private renderAlerts(alerts: DetailJson['alerts']): void {
    this.alerts.replaceChildren();
    for (const alert of [...alerts].reverse()) {
      const item = el('li', alert.type, `${alert.type.toUpperCase()} ${localTime(alert.at)}`);
      const list = el('ul');
      for (const [channel, s] of Object.entries(alert.channels)) {
        let text = `${channel}: ${s.state}`;
        if (s.state === 'retrying' && s.next_attempt !== undefined) text += `, next attempt ${localTime(s.next_attempt)}`;
        if (s.answer !== undefined) text += ` (${s.answer})`;
        list.append(el('li', s.state === 'undeliverable' ? 'failed' : s.state, text));
      }
      item.append(list);
      this.alerts.append(item);
    }
    this.alertsFold.hidden = alerts.length === 0;
  }

  /**
   * Outages of the last 30 days as red marks on a bar, positioned through the CSSOM (allowed
   * by the CSP). Only the part of the bar the client's record covers is drawn as up: before
   * its first record nothing is known, and the bar's own colour says so.
   */
  private renderTimeline(data: OutagesJson): void {
    const start = Date.parse(data.since);
    const end = Date.parse(data.until);
    const width = Math.max(1, end - start);
    this.timeline.replaceChildren();
    if (data.period_start !== null && data.period_end !== null) {
      const from = Math.max(start, Date.parse(data.period_start));
      const watched = el('span', 'watched');
      watched.style.left = `${(100 * (from - start)) / width}%`;
      watched.style.width = `${(100 * (Date.parse(data.period_end) - from)) / width}%`;
      this.timeline.append(watched);
    }
    for (const outage of data.outages) {
      const from = Date.parse(outage.start);
      const to = outage.end === null ? end : Date.parse(outage.end);
      const mark = el('span', outage.ongoing ? 'mark ongoing' : 'mark');
      // Kept inside the bar: an outage at the right edge (ongoing) must stay visible.
      mark.style.left = `min(${(100 * (from - start)) / width}%, calc(100% - 3px))`;
      mark.style.width = `max(3px, ${(100 * (to - from)) / width}%)`;
      mark.title = `${localTime(outage.start)}: ${span(outage.duration_s)} (${outage.cause})`;
      this.timeline.append(mark);
    }
    const count = data.outages.length;
    this.timeline.setAttribute('aria-label', `${count} outage(s) in the last 30 days`);
    const watchedSince = data.period_start === null ? null : Date.parse(data.period_start);
    const partly = watchedSince === null ? ' (nothing recorded yet)' : watchedSince > start ? ` (watched since ${localTime(data.period_start!)})` : '';
    this.timelineLabel.textContent = `Last 30 days: ${count === 0 ? 'no outages' : `${count} outage${count === 1 ? '' : 's'}`}${partly}`;
  }

  private buildEditor(): void {
    const data = this.data!;
    this.editor.replaceChildren();
    const field = (label: string, input: HTMLElement): HTMLLabelElement => {
      const wrapper = el('label', undefined, label);
      wrapper.append(input);
      return wrapper;
    };
    const input = (name: string, value: string, placeholder = ''): HTMLInputElement => {
      const node = el('input');
      node.name = name;
      node.value = value;
      node.placeholder = placeholder;
      return node;
    };
    const hours = data.schedule === 'always' ? null : data.schedule;
    const kind = el('select');
    kind.name = 'kind';
    for (const option of ['always', 'hours']) {
      const node = el('option', undefined, option === 'always' ? 'Always' : 'Business hours');
      node.value = option;
      node.selected = (option === 'always') === (hours === null);
      kind.append(node);
    }
    const days = el('fieldset', 'days');
    days.append(el('legend', undefined, 'Days'));
    for (const day of DAYS) {
      const box = el('input');
      box.type = 'checkbox';
      box.name = 'day';
      box.value = day;
      box.checked = hours === null ? DAYS.indexOf(day) < 5 : hours.days.includes(day);
      const label = el('label', undefined, day);
      label.prepend(box);
      days.append(label);
    }
    const zone = hours?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    const status = el('p', 'editor-status');
    const save = el('button', undefined, 'Save');
    save.type = 'submit';
    const hoursFields = el('div', 'hours');
    hoursFields.append(
      days,
      field('Start', input('start', hours?.start ?? '08:00', 'HH:MM')),
      field('End', input('end', hours?.end ?? '18:00', 'HH:MM')),
      field('Time zone', input('timezone', zone)),
    );
    const showHours = (): void => {
      hoursFields.hidden = kind.value === 'always';
    };
    kind.addEventListener('change', showHours);
    showHours();
    // Folded by default: on a phone the states matter more than the form.
    const fold = el('details');
    fold.append(
      el('summary', undefined, 'Edit settings'),
      field('Down interval (s)', input('down_interval', String(data.down_interval_s))),
      field('Grace (s)', input('grace', String(data.grace_s))),
      field('Schedule', kind),
      hoursFields,
      save,
      status,
    );
    this.editor.append(fold);
    this.editor.hidden = false;
  }

  private async save(): Promise<void> {
    const form = new FormData(this.editor);
    const status = this.editor.querySelector('.editor-status')!;
    const value = (name: string): string => String(form.get(name) ?? '').trim();
    const body: Record<string, unknown> = { down_interval: Number(value('down_interval')), grace: Number(value('grace')) };
    body.schedule = value('kind') === 'always'
      ? 'always'
      : { days: form.getAll('day').map(String), start: value('start'), end: value('end'), timezone: value('timezone') };
    try {
      const updated = await api<ClientJson>(`/api/v1/clients/${encodeURIComponent(this.id)}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      status.textContent = 'Saved';
      this.update(updated);
    } catch (error) {
      status.textContent = `Not saved: ${(error as Error).message}`;
    }
  }
}

async function poll(): Promise<void> {
  const status = document.getElementById('status')!;
  try {
    const [list, health] = await Promise.all([
      api<{ timezone: string; clients: ClientJson[] }>('/api/v1/clients'),
      fetch('/api/v1/health', { cache: 'no-store' }).then((r) => r.json() as Promise<{ status: string; alert_outbox_depth: number; last_smtp_error: string | null }>),
    ]);
    clients = list.clients;
    zone = list.timezone;
    render();
    status.dataset.health = health.status;
    status.textContent = `Monitor ${health.status === 'ok' ? 'healthy' : 'FAILING'} · updated ${new Date().toLocaleTimeString(undefined, { timeZone: zone, timeZoneName: 'short' })}` +
      (health.alert_outbox_depth > 0 ? ` · ${health.alert_outbox_depth} alert(s) waiting` : '') +
      (health.last_smtp_error !== null ? ` · mail: ${health.last_smtp_error}` : '');
  } catch (error) {
    status.dataset.health = 'failing';
    status.textContent = `Cannot reach the monitor: ${(error as Error).message}`;
  }
}

/** Log analysis findings (GET /api/v1/findings): the ten last seen; hidden when log analysis is off (404). */
async function pollFindings(): Promise<void> {
  const section = document.getElementById('findings')!;
  let body: FindingsJson;
  try {
    body = await api<FindingsJson>('/api/v1/findings?limit=10');
  } catch {
    section.hidden = true;
    return;
  }
  const items = body.findings.map((f) => {
    const item = el('li', `finding severity-${f.severity}`);
    item.dataset.severity = f.severity;
    item.append(
      el('strong', undefined, `[${f.severity}] ${f.title}`),
      el('span', 'meta', ` · ${f.source} · ${f.count}× · ${f.origin} · ${localTime(f.line_time ?? f.last_seen)}`),
    );
    if (f.evidence[0] !== undefined) item.append(el('code', 'evidence', f.evidence[0]));
    return item;
  });
  section.querySelector('ul')!.replaceChildren(...items);
  section.hidden = items.length === 0;
}

function render(): void {
  const list = document.getElementById('clients')!;
  const summary = document.getElementById('summary')!;
  const counts = { up: 0, down: 0, unknown: 0 };
  for (const client of clients) {
    counts[client.state]++;
    let card = cards.get(client.id);
    if (card === undefined) {
      card = new Card(client.id);
      cards.set(client.id, card);
    }
    card.update(client);
  }
  // Down clients first, then by name: what needs attention is at the top on a phone.
  const order = [...clients].sort((a, b) => Number(b.state === 'down') - Number(a.state === 'down') || a.id.localeCompare(b.id));
  list.replaceChildren(...order.map((client) => cards.get(client.id)!.root));
  summary.textContent = `${counts.up} up · ${counts.down} down · ${counts.unknown} not heard yet`;
  document.title = counts.down > 0 ? `(${counts.down} down) netmonitor` : 'netmonitor';
}

function setUpAdmin(): void {
  const form = document.getElementById('admin') as HTMLFormElement;
  const field = form.querySelector('input')!;
  const state = document.getElementById('admin-state')!;
  const show = (): void => {
    state.textContent = token() === '' ? 'Read only' : 'Admin token set';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, field.value.trim());
    field.value = '';
    show();
    for (const card of cards.values()) card.root.querySelector('form.editor')?.setAttribute('hidden', '');
    void poll();
  });
  show();
}

setUpAdmin();
void poll();
setInterval(() => void poll(), POLL_MS);
void pollFindings();
setInterval(() => void pollFindings(), DETAIL_MS);
setInterval(() => {
  for (const card of cards.values()) card.tick();
}, 1000);
