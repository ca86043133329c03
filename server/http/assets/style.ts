/** The dashboard's stylesheet: one column on a phone, a grid on wider screens, light and dark. */
export const DASHBOARD_CSS = `
:root { --bg: #f6f7f9; --card: #fff; --text: #1b1f24; --muted: #5b6570; --up: #1a7f37; --down: #cf222e; --unknown: #6e7781; --line: #d8dee4; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #9198a1; --up: #3fb950; --down: #f85149; --unknown: #8b949e; --line: #30363d; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
.top { padding: 12px 16px; border-bottom: 1px solid var(--line); background: var(--card); position: sticky; top: 0; z-index: 1; }
h1 { font-size: 1.25rem; margin: 0; }
.summary { margin: 2px 0 0; font-weight: 600; }
.status { margin: 2px 0 0; color: var(--muted); font-size: 0.85rem; }
.status[data-health="failing"] { color: var(--down); font-weight: 600; }
.clients { display: grid; gap: 12px; padding: 12px; grid-template-columns: repeat(auto-fill, minmax(min(100%, 340px), 1fr)); }
.client { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--unknown); border-radius: 8px; padding: 12px 14px; overflow-wrap: anywhere; }
.client[data-state="up"] { border-left-color: var(--up); }
.client[data-state="down"] { border-left-color: var(--down); }
.client[data-maintenance="yes"] { border-left-style: dashed; border-left-color: var(--muted, #888); }
.client header { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.client h2 { font-size: 1.1rem; margin: 0; }
.client p { margin: 4px 0; }
.state { font-weight: 700; font-size: 0.8rem; letter-spacing: 0.05em; padding: 2px 8px; border-radius: 999px; color: #fff; background: var(--unknown); }
.state[data-state="up"] { background: var(--up); }
.state[data-state="down"] { background: var(--down); }
.heard, .next, .settings, .timeline-label { color: var(--muted); font-size: 0.9rem; }
.outage { color: var(--down); font-weight: 600; }
.message { font-family: ui-monospace, monospace; font-size: 0.85rem; white-space: pre-wrap; max-height: 6em; overflow: auto; }
.loss-chart { display: flex; align-items: flex-end; gap: 1px; height: 24px; margin: 4px 0; }
.loss-chart span { flex: 1; max-width: 8px; background: #9e9e9e; }
.loss-chart span.degraded { background: #e65100; }
.uptime { display: flex; gap: 16px; margin: 8px 0; }
.uptime div { display: flex; flex-direction: column; }
.uptime dt { color: var(--muted); font-size: 0.75rem; }
.uptime dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.timeline { position: relative; height: 14px; border-radius: 4px; background: color-mix(in srgb, var(--muted) 15%, transparent); overflow: hidden; }
.timeline .watched { position: absolute; top: 0; bottom: 0; background: color-mix(in srgb, var(--up) 25%, transparent); }
.timeline .mark { position: absolute; top: 0; bottom: 0; background: var(--down); }
.timeline .mark.ongoing { opacity: 0.7; }
details { margin-top: 6px; font-size: 0.9rem; }
summary { cursor: pointer; color: var(--muted); }
.transitions, .actions, .alerts { margin: 4px 0; padding-left: 20px; }
.actions li.failed, .alerts li.failed { color: var(--down); }
.transitions li.down { color: var(--down); }
.editor { border-top: 1px solid var(--line); margin-top: 8px; padding-top: 4px; }
.editor details[open], .editor .hours { display: grid; gap: 6px; }
.editor .hours[hidden] { display: none; }
.editor label { display: flex; justify-content: space-between; gap: 8px; align-items: center; font-size: 0.9rem; }
.editor input:not([type="checkbox"]), .editor select { width: 12em; max-width: 60%; font: inherit; padding: 4px 6px; }
.days { display: flex; flex-wrap: wrap; gap: 6px; border: 1px solid var(--line); border-radius: 6px; }
.days label { gap: 2px; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--text); cursor: pointer; }
footer { padding: 12px 16px 24px; color: var(--muted); font-size: 0.9rem; }
.admin { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.admin input { font: inherit; padding: 4px 6px; }
.findings { padding: 0 16px; }
.findings ul { list-style: none; padding: 0; margin: 0; }
.finding { border-left: 4px solid var(--line); padding: 6px 10px; margin: 6px 0; overflow-wrap: anywhere; }
.finding[data-severity="high"], .finding[data-severity="critical"] { border-left-color: #c62828; }
.finding .meta { color: var(--muted); }
.finding .evidence { display: block; font-size: 0.85rem; color: var(--muted); }
`;
