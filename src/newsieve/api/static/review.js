// newsieve review page: plain JS, no build step, no CDN. Talks to /v1/review with the
// moderator's bearer token, which is entered once and kept in sessionStorage (this tab only).
"use strict";

const TOKEN_KEY = "newsieve.token";
// Tabs: "open" is what still needs a decision (pending and claimed items, with who holds the claim).
const TABS = { open: ["pending", "claimed"], approved: ["approved"], edited: ["edited"], rejected: ["rejected"] };
const $ = (id) => document.getElementById(id);

const ui = {
  tab: "open",
  site: "",
  items: [],
  index: -1,       // current item in the list
  item: null,      // the full item shown
  spanIndex: -1,   // the selected removal
  kept: new Set(), // indexes of removals the moderator puts back
  busy: false,
};

// -- API ---------------------------------------------------------------------------------
async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await resp.json(); } catch (_) { data = null; }
  if (!resp.ok) {
    const err = new Error((data && (data.detail || data.title)) || resp.statusText);
    err.status = resp.status;
    err.code = data && data.code;
    throw err;
  }
  return data;
}

// -- fields of an item (tolerant of how storage names them) --------------------------------
const itemId = (it) => it.id ?? it.item_id;
const verdictOf = (it) => it.verdict || {};
function claimOf(it) {
  const c = it.claim || {};
  const by = it.claimed_by ?? c.moderator ?? c.by ?? null;
  const until = it.lease_until ?? it.lease_expires_at ?? c.until ?? c.expires_at ?? null;
  return { by, until };
}
function claimText(it) {
  const { by, until } = claimOf(it);
  if (!by) return "not claimed";
  let text = "claimed by " + by;
  if (until) {
    const t = typeof until === "number" ? new Date(until * (until < 1e12 ? 1000 : 1)) : new Date(until);
    if (!isNaN(t)) text += " until " + t.toLocaleTimeString();
  }
  return text;
}

// -- queue -------------------------------------------------------------------------------
async function loadQueue(keepId) {
  let counts = {};
  const items = [];
  for (const state of TABS[ui.tab]) {
    const params = new URLSearchParams({ state, limit: "200" });
    if (ui.site) params.set("site", ui.site);
    const data = await api("GET", "/v1/review?" + params);
    items.push(...(data.items || []));
    counts = data.counts || counts;
  }
  ui.items = items.sort((a, b) => Number(itemId(a)) - Number(itemId(b)));
  renderStates(counts);
  renderList();
  let idx = keepId ? ui.items.findIndex((it) => itemId(it) === keepId) : -1;
  if (idx < 0 && ui.items.length) idx = Math.min(Math.max(ui.index, 0), ui.items.length - 1);
  await select(idx);
}

function renderStates(counts) {
  const box = $("states");
  box.textContent = "";
  for (const [tab, states] of Object.entries(TABS)) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.tab = tab;
    b.className = tab === ui.tab ? "active" : "";
    b.append(tab + " ");
    states.forEach((s, n) => {
      const c = document.createElement("span");
      c.className = "count";
      c.dataset.count = s;
      c.title = s;
      c.textContent = String(counts[s] ?? 0);
      if (n > 0) b.append(" + ");
      b.append(c);
      if (states.length > 1) b.append(" " + s);
    });
    b.addEventListener("click", () => { ui.tab = tab; ui.index = -1; loadQueue().catch(showError); });
    box.appendChild(b);
  }
}

function listEntry(it, i) {
  const li = document.createElement("li");
  li.dataset.id = itemId(it);
  li.dataset.state = it.state;
  const v = verdictOf(it);
  const title = document.createElement("span");
  title.textContent = v.title || it.url || itemId(it);
  const sub = document.createElement("span");
  sub.className = "sub";
  sub.textContent = `#${itemId(it)} · ${it.site || ""} · ${(v.removed || []).length} removals · ${claimText(it)}`;
  li.append(title, sub);
  li.addEventListener("click", () => select(i).catch(showError));
  return li;
}

function renderList() {
  const ol = $("items");
  ol.textContent = "";
  ui.items.forEach((it, i) => ol.appendChild(listEntry(it, i)));
  $("empty").hidden = ui.items.length > 0;
}

async function select(i) {
  ui.index = i;
  for (const [n, li] of [...$("items").children].entries()) li.classList.toggle("current", n === i);
  if (i < 0 || i >= ui.items.length) {
    ui.item = null;
    $("detail").hidden = true;
    $("placeholder").hidden = false;
    return;
  }
  $("items").children[i].scrollIntoView({ block: "nearest" });
  const item = await api("GET", "/v1/review/" + encodeURIComponent(itemId(ui.items[i])));
  if (ui.index !== i) return; // the moderator moved on meanwhile
  ui.items[i] = item; // the list entry shows the fresh claim too
  const entry = listEntry(item, i);
  entry.classList.add("current");
  $("items").children[i].replaceWith(entry);
  if (!ui.item || itemId(ui.item) !== itemId(item)) { ui.kept = new Set(); ui.spanIndex = -1; }
  ui.item = item;
  renderItem();
}

// -- item --------------------------------------------------------------------------------
function labelClass(label) {
  const top = String(label || "").split(".")[0];
  return "label-" + (top === "ad" || top === "boilerplate" ? top : "other");
}

function renderItem() {
  const it = ui.item;
  const v = verdictOf(it);
  $("placeholder").hidden = true;
  $("detail").hidden = false;
  $("detail").dataset.id = itemId(it);
  $("title").textContent = v.title || "(no title)";
  const m = v.meta || {};
  $("meta").textContent = [it.site, it.url, m.author && "author " + m.author, m.source && "source " + m.source,
    "spam " + (v.spam_score ?? "?"), "action " + (v.action || "?")].filter(Boolean).join(" · ");
  $("claim").textContent = claimText(it);
  $("version").textContent = String(it.version);
  $("state").textContent = String(it.state);
  renderArticle(v);
  renderSpans(v);
  const flags = $("flags");
  flags.textContent = "";
  if (!(v.flags || []).length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "none";
    flags.appendChild(li);
  }
  for (const f of v.flags || []) {
    const li = document.createElement("li");
    li.textContent = `${f.label} (${f.reason})` + (f.count > 1 ? ` ×${f.count}` : "");
    flags.appendChild(li);
  }
}

function renderArticle(v) {
  const text = v.original_text || paragraphsText(v);
  const spans = (v.removed || []).map((s, i) => ({ ...s, i }))
    .filter((s) => Number.isInteger(s.start) && s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const art = $("article");
  art.textContent = "";
  let pos = 0;
  for (const s of spans) {
    if (s.start < pos) continue; // overlapping: listed on the side, highlighted once
    art.append(text.slice(pos, s.start));
    const mark = document.createElement("mark");
    mark.className = `span ${labelClass(s.label)}`;
    mark.dataset.index = String(s.i);
    mark.dataset.label = s.label;
    mark.title = `${s.label} · ${s.reason}`;
    mark.textContent = text.slice(s.start, s.end);
    mark.addEventListener("click", () => { selectSpan(s.i); });
    art.append(mark);
    pos = s.end;
  }
  art.append(text.slice(pos));
  paintSpans();
}
function paragraphsText(v) { return (v.paragraphs || []).join("\n"); }

function renderSpans(v) {
  const ol = $("spans");
  ol.textContent = "";
  (v.removed || []).forEach((s, i) => {
    const li = document.createElement("li");
    li.dataset.index = String(i);
    const what = document.createElement("div");
    what.className = "what";
    what.innerHTML = `<span class="label"></span> <span class="reason"></span>`;
    what.querySelector(".label").textContent = s.label;
    what.querySelector(".reason").textContent = s.reason + (s.confidence != null ? ` (${s.confidence})` : "");
    const txt = document.createElement("div");
    txt.className = "muted";
    txt.textContent = s.text.length > 120 ? s.text.slice(0, 120) + "…" : s.text;
    li.append(what, txt);
    li.addEventListener("click", () => selectSpan(i));
    ol.appendChild(li);
  });
  paintSpans();
}

function paintSpans() {
  for (const el of document.querySelectorAll("#article mark.span, #spans li")) {
    const i = Number(el.dataset.index);
    el.classList.toggle("kept", ui.kept.has(i));
    el.classList.toggle("selected", i === ui.spanIndex);
  }
}

function selectSpan(i) {
  const n = (verdictOf(ui.item || {}).removed || []).length;
  if (!n) return;
  ui.spanIndex = ((i % n) + n) % n;
  paintSpans();
}

function toggleSpan() {
  if (!ui.item) return;
  if (ui.spanIndex < 0) selectSpan(0);
  if (ui.spanIndex < 0) return;
  if (ui.kept.has(ui.spanIndex)) ui.kept.delete(ui.spanIndex); else ui.kept.add(ui.spanIndex);
  paintSpans();
  say(ui.kept.size ? `${ui.kept.size} removal(s) will be kept: approving saves an edit` : "");
}

// -- actions -----------------------------------------------------------------------------
// Actions run one after another (a key pressed while one is under way waits its turn).
let chain = Promise.resolve();
function act(fn, okText) {
  chain = chain.then(() => runAction(fn, okText));
  return chain;
}

async function runAction(fn, okText) {
  if (!ui.item) return;
  ui.busy = true;
  const id = itemId(ui.item);
  try {
    const item = await fn(id);
    say(okText + " " + id);
    if (item && itemId(item) === id && TABS[ui.tab].includes(item.state)) {
      ui.item = item;
      renderItem();
    }
    await loadQueue(id);
  } catch (err) {
    showError(err);
    if (err.status === 409 || err.status === 404) await loadQueue(id).catch(() => {});
  } finally {
    ui.busy = false;
  }
}

const claim = () => act((id) => api("POST", `/v1/review/${encodeURIComponent(id)}/claim`, {}), "claimed");

function decide(decision) {
  return act((id) => {
    const body = { decision, expected_version: ui.item.version, note: $("note").value };
    if (decision === "approve" && ui.kept.size) {
      body.decision = "edit";
      body.edits = [...ui.kept].sort((a, b) => a - b).map((i) => ({ span: i, action: "keep" }));
    }
    ui.kept = new Set();
    ui.spanIndex = -1;
    $("note").value = "";
    return api("POST", `/v1/review/${encodeURIComponent(id)}/decision`, body);
  }, decision === "reject" ? "rejected" : "decided");
}

function say(text) { $("status").textContent = text; $("status").className = ""; }
function showError(err) {
  $("status").textContent = (err.code ? err.code + ": " : "") + err.message;
  $("status").className = "error";
  if (err.status === 401) signOut();
}

// -- keys --------------------------------------------------------------------------------
document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const tag = (ev.target && ev.target.tagName) || "";
  if (tag === "INPUT" || tag === "TEXTAREA") return;
  const keys = {
    j: () => select(Math.min(ui.index + 1, ui.items.length - 1)),
    k: () => select(Math.max(ui.index - 1, 0)),
    c: claim,
    a: () => decide("approve"),
    r: () => decide("reject"),
    e: toggleSpan,
    n: () => selectSpan(ui.spanIndex + 1),
    p: () => selectSpan(ui.spanIndex - 1),
  };
  const fn = keys[ev.key];
  if (!fn) return;
  ev.preventDefault();
  Promise.resolve(fn()).catch(showError);
});

// -- sign in -----------------------------------------------------------------------------
function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
}

async function start() {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  try {
    const me = await api("GET", "/v1/me");
    $("who").textContent = `signed in as ${me.name} (${me.role})`;
    await loadQueue();
  } catch (err) {
    showError(err);
  }
}

$("signin").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  start();
});
$("signout").addEventListener("click", signOut);
$("btn-claim").addEventListener("click", claim);
$("btn-approve").addEventListener("click", () => decide("approve"));
$("btn-reject").addEventListener("click", () => decide("reject"));
let siteTimer = null;
$("site").addEventListener("input", () => {
  clearTimeout(siteTimer);
  siteTimer = setTimeout(() => { ui.site = $("site").value.trim(); ui.index = -1; loadQueue().catch(showError); }, 300);
});

// Claims change under us (other moderators, expiring leases): refresh the queue now and then.
const REFRESH_MS = 15000;
setInterval(() => {
  if (!ui.busy && !$("app").hidden && document.visibilityState === "visible") {
    loadQueue(ui.item ? itemId(ui.item) : undefined).catch(() => {});
  }
}, REFRESH_MS);

if (sessionStorage.getItem(TOKEN_KEY)) start(); else signOut();
