// The dashboard polls the JSON API and updates the page in place. Every
// value is written with textContent, never as HTML: letters carry error
// text and fields that come from outside.
"use strict";

const refresh = Number(document.querySelector('meta[name="baldur-refresh"]').content) || 1000;
let canWrite = false;
let serverSkew = 0; // server clock minus ours, from the breakers' "now"

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else if (k === "title") e.title = v;
    else if (k === "disabled") e.disabled = true;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store", credentials: "same-origin" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.status + " " + r.statusText);
  return body;
}

async function post(path) {
  const r = await fetch(path, { method: "POST", cache: "no-store", credentials: "same-origin" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.status + " " + r.statusText);
  return body;
}

function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((Date.now() + serverSkew - Date.parse(iso)) / 1000));
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
  if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  return Math.floor(s / 86400) + "d";
}

function until(iso) {
  if (!iso) return "";
  const s = Math.round((Date.parse(iso) - Date.now() - serverSkew) / 1000);
  return s <= 0 ? "due" : "in " + (s < 60 ? s + "s" : Math.ceil(s / 60) + "m");
}

function pct(x) {
  return x === null || x === undefined ? null : x.toFixed(x < 10 ? 1 : 0) + "%";
}

function toast(msg, bad) {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.className = "toast" + (bad ? " bad" : "");
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

function setStatus(ok, msg) {
  const s = document.getElementById("status");
  s.dataset.status = ok ? "live" : "error";
  s.textContent = msg;
}

// syncRows keeps one row per key and rebuilds a row only when its data
// changed, so a button under the pointer is not replaced every poll.
function syncRows(tbody, items, keyOf, build) {
  const rows = tbody.rows_ || (tbody.rows_ = new Map());
  const seen = new Set();
  let prev = null;
  for (const item of items) {
    const key = keyOf(item);
    seen.add(key);
    const sig = JSON.stringify(item) + canWrite;
    let row = rows.get(key);
    if (!row || row.dataset.sig !== sig) {
      const fresh = build(item);
      fresh.dataset.sig = sig;
      if (row) row.replaceWith(fresh);
      rows.set(key, fresh);
      row = fresh;
    }
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (want !== row) tbody.insertBefore(row, want);
    prev = row;
  }
  for (const [key, row] of rows) {
    if (!seen.has(key)) {
      row.remove();
      rows.delete(key);
    }
  }
}

function actionButton(label, action, attrs) {
  return el("button", Object.assign({
    "data-action": action, type: "button",
    disabled: !canWrite, title: canWrite ? undefined : "not authorized: the handler's Authorize refused this session",
  }, attrs), label);
}

// windowCell says what the breaker counts: only a closed breaker has a
// window; the others reject, probe or record nothing.
function windowCell(b) {
  const w = b.window;
  switch (b.state) {
    case "open": return `rejecting calls; probes after ${b.open_for}`;
    case "forced-open": return "rejecting calls until an operator closes it";
    case "half-open": return `probing: ${b.probe_successes} of ${b.half_open_probes} succeeded, ${b.probes_left} left`;
    case "disabled": return "letting every call through, recording nothing";
  }
  return w.kind === "count"
    ? `${w.calls}/${w.size} calls, ${w.failures} failed`
    : `${w.calls} calls in ${w.span}, ${w.failures} failed`;
}

function rateCell(b) {
  if (b.state !== "closed") return el("td", { class: "rate" }, "—");
  const bar = el("div", { class: "bar" }, el("div", { class: "fill" }), el("div", { class: "mark" }));
  bar.firstChild.style.width = Math.min(100, b.failure_rate || 0) + "%";
  bar.lastChild.style.left = b.failure_rate_threshold + "%";
  if (b.failure_rate !== null && b.failure_rate >= b.failure_rate_threshold) bar.firstChild.classList.add("over");
  const rate = b.failure_rate === null ? `— (needs ${b.window.minimum_calls} calls)` : pct(b.failure_rate);
  return el("td", { class: "rate" }, bar, el("span", null, rate + `, opens at ${b.failure_rate_threshold}%`));
}

function breakerRow(b) {
  const data = { "data-name": b.name, "data-key": b.key || "" };
  return el("tr", { "data-breaker": b.name, "data-key": b.key || "", "data-state": b.state },
    el("td", null, el("strong", null, b.name), b.key ? el("span", { class: "key" }, " key " + b.key) : null),
    el("td", null, el("span", { class: "state state-" + b.state, "data-state": b.state }, b.state)),
    el("td", { class: "since", "data-since": b.since || "" }, ago(b.since)),
    el("td", null, windowCell(b)),
    rateCell(b),
    el("td", null, b.state === "closed" ? (pct(b.slow_call_rate) || "—") : "—", b.window.slow_calls ? ` (${b.window.slow_calls})` : null),
    el("td", { class: "actions" },
      actionButton("Force open", "force-open", data),
      actionButton("Close", "close", data),
      actionButton("Disable", "disable", data)));
}

function letterRow(l) {
  const data = { "data-letter": l.id };
  return el("tr", { "data-letter": l.id, "data-state": l.state },
    el("td", { class: "mono" }, l.id, l.key ? el("div", { class: "key" }, "key " + l.key) : null),
    el("td", null, l.policy),
    el("td", null, el("span", { class: "letter-" + l.state }, l.state), l.reason ? el("div", { class: "reason" }, l.reason) : null),
    el("td", { class: "attempts" }, `${l.attempts} attempts, ${l.replays} replays`),
    el("td", { class: "error" }, l.error),
    el("td", { "data-since": l.created || "" }, ago(l.created) + " ago"),
    el("td", null, l.state === "pending" ? until(l.next_replay) : "waits for an operator"),
    el("td", { class: "actions" },
      actionButton("Replay", "replay", data),
      l.state === "parked" ? actionButton("Requeue", "requeue", data) : null,
      actionButton("Drop", "drop", Object.assign({ class: "danger" }, data))));
}

function settingsTable(rows) {
  return el("table", { class: "settings" },
    ...rows.map(s => el("tr", { class: s.from === "built-in" ? "builtin" : null }, el("td", { class: "mono" }, s.key), el("td", { class: "mono" }, s.value),
      el("td", { class: "from from-" + s.from.split(".")[0] }, s.from))));
}

function policyCard(p) {
  const card = el("details", { class: "policy", "data-policy": p.name },
    el("summary", null, el("strong", null, p.name), " ",
      ...p.layers.map(l => el("span", { class: "layer" }, l)),
      el("span", { class: "method" }, p.method)));
  card.append(el("h4", null, "Settings"), settingsTable(p.settings));
  if (p.breaker) {
    card.append(el("h4", null, `Breaker ${p.breaker}` + (p.breaker_key ? `, one per ${p.breaker_key}` : "")), settingsTable(p.breaker_settings || []));
  }
  for (const o of p.overrides || []) {
    const when = Object.entries(o.when).map(([k, v]) => `${k}=${v}`).join(", ");
    card.append(el("h4", null, `Override when ${when}`),
      o.settings.length ? settingsTable(o.settings) : el("p", { class: "empty" }, "changes nothing the policy does not already have"));
  }
  return card;
}

async function loadBreakers() {
  const data = await getJSON("api/breakers");
  serverSkew = Date.parse(data.now) - Date.now();
  const tbody = document.querySelector("#breakers tbody");
  syncRows(tbody, data.breakers, b => b.name + "\u0000" + (b.key || ""), breakerRow);
  document.getElementById("breakers-empty").hidden = data.breakers.length > 0;
}

async function loadLetters() {
  const data = await getJSON("api/dead-letters");
  const empty = document.getElementById("letters-empty");
  const counts = document.getElementById("letter-counts");
  counts.textContent = data.counts.map(c => `${c.policy}: ${c.n} ${c.state}`).join(" · ");
  syncRows(document.querySelector("#letters tbody"), data.letters, l => l.id, letterRow);
  empty.hidden = data.letters.length > 0;
  empty.textContent = data.enabled ? "No dead letters." : "No policy of this runtime captures dead letters.";
}

let policiesShown = "";
async function loadPolicies() {
  const data = await getJSON("api/policies");
  const sig = JSON.stringify(data);
  if (sig === policiesShown) return;
  policiesShown = sig;
  const box = document.getElementById("policies");
  const open = new Set([...box.querySelectorAll("details[open]")].map(d => d.dataset.policy));
  box.replaceChildren(...data.policies.map(policyCard));
  for (const d of box.querySelectorAll("details")) if (open.has(d.dataset.policy)) d.open = true;
}

async function loadAccess() {
  const data = await getJSON("api/access");
  canWrite = data.write;
  const a = document.getElementById("access");
  a.textContent = canWrite ? "operator" : "read-only";
  a.dataset.write = String(canWrite);
}

let polls = 0;
async function poll() {
  try {
    const work = [loadBreakers(), loadLetters()];
    if (polls % 10 === 0) work.push(loadAccess(), loadPolicies());
    await Promise.all(work);
    polls++;
    setStatus(true, "live · " + new Date().toLocaleTimeString());
  } catch (e) {
    setStatus(false, "cannot reach the API: " + e.message);
  }
  setTimeout(poll, refresh);
}

// Every since column ticks between polls.
setInterval(() => {
  for (const td of document.querySelectorAll("#breakers td.since")) td.textContent = ago(td.dataset.since);
}, 1000);

document.addEventListener("click", async ev => {
  const b = ev.target.closest("button[data-action]");
  if (!b || b.disabled) return;
  const action = b.dataset.action;
  let path;
  if (b.dataset.letter) {
    if (action === "drop" && !window.confirm(`Drop letter ${b.dataset.letter}? Its call will never be replayed.`)) return;
    path = `api/dead-letters/${encodeURIComponent(b.dataset.letter)}/${action}`;
  } else {
    path = `api/breakers/${encodeURIComponent(b.dataset.name)}/${action}`;
    if (b.dataset.key) path += "?key=" + encodeURIComponent(b.dataset.key);
  }
  b.disabled = true;
  try {
    const r = await post(path);
    toast(r.done || `${b.dataset.name}: ${r.state}`);
  } catch (e) {
    toast(e.message, true);
  } finally {
    b.disabled = !canWrite;
  }
  await Promise.all([loadBreakers(), loadLetters()]).catch(() => {});
});

// Built-in values are hidden until asked for: what an operator looks for
// is what some level of configuration changed.
const builtins = document.getElementById("show-builtin");
builtins.addEventListener("change", () => {
  document.getElementById("policies").classList.toggle("show-builtin", builtins.checked);
});

loadAccess().catch(() => {}).finally(poll);
