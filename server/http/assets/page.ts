/** The dashboard's HTML: a static shell, no inline script or style (the CSP forbids both); app.js fills it. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>netmonitor</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<header class="top">
  <h1>netmonitor</h1>
  <p id="summary" class="summary">Loading…</p>
  <p id="status" class="status" role="status" aria-live="polite"></p>
</header>
<main id="clients" class="clients" aria-live="polite"></main>
<section id="findings" class="findings" hidden>
  <h2>Log findings</h2>
  <ul></ul>
</section>
<footer>
  <form id="admin" class="admin" autocomplete="off">
    <label>Admin token <input type="password" name="token" autocomplete="off"></label>
    <button type="submit">Use</button>
    <span id="admin-state"></span>
  </form>
</footer>
</body>
</html>
`;
