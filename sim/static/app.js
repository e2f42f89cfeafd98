// The playground page: polls what the Slack stand-in holds and sends what a person does.
// Each poll redraws only what changed, so a button under the pointer is never replaced.
"use strict";

const { el, mrkdwn, textObject, renderBlocks, collectValues, snapshot, restore } = window.BlockKit;
const POLL_MS = 700;
const page = {
  user: "U0OWNER1", target: "C0GENERAL", state: null,
  keys: { sidebar: "", main: "", where: "", calls: "", modal: "" }, nodes: new Map(), picked: new Map(),
};

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  return response.json();
}

function names(state) {
  return {
    users: Object.fromEntries(state.users.map((u) => [u.id, u])),
    channels: Object.fromEntries(state.channels.map((c) => [c.id, c])),
  };
}

// Slack's confirmation dialog: a title, mrkdwn text, and the app's own confirm and deny labels.
function confirmDialog(confirm, nameMap) {
  return new Promise((resolve) => {
    const layer = document.getElementById("confirm");
    const done = (answer) => { layer.hidden = true; layer.replaceChildren(); resolve(answer); };
    const yes = confirm.confirm ? confirm.confirm.text : "Yes";
    const no = confirm.deny ? confirm.deny.text : "Cancel";
    layer.replaceChildren(el("div", { class: "dialog", role: "alertdialog", "aria-modal": "true" },
      el("div", { class: "mtitle" }, textObject(confirm.title, nameMap)),
      el("div", { class: "mbody" }, textObject(confirm.text, nameMap)),
      el("div", { class: "mfooter" },
        el("button", { type: "button", class: "bk-button", id: "confirm-no", onclick: () => done(false) }, no),
        el("button", { type: "button", id: "confirm-yes", onclick: () => done(true),
                       class: "bk-button " + (confirm.style === "danger" ? "danger" : "primary") }, yes))));
    layer.hidden = false;
    document.getElementById("confirm-yes").focus();
  });
}

function actionContext(state, extra) {
  const nameMap = names(state);
  return {
    names: nameMap,
    onAction: async (button) => {
      if (button.confirm && !(await confirmDialog(button.confirm, nameMap))) return;
      if (button.url) window.open(button.url, "_blank", "noopener");
      // a click in a modal carries what is typed so far, as Slack's view.state does
      const more = typeof extra === "function" ? extra() : extra;
      await post("/pg/action", { user: page.user, action_id: button.action_id, value: button.value, ...more });
      refresh();
    },
  };
}

function author(name, app) {
  return el("div", { class: "author" }, name, app ? el("span", { class: "app" }, "APP") : null);
}

// Slack's line for someone who joined (or was added to) the channel.
function renderJoin(message, state) {
  const { users } = names(state);
  const who = users[message.user], by = users[message.inviter];
  const channel = state.channels.find((c) => c.id === page.target);
  return el("div", { class: "msg system", "data-ts": message.ts },
    el("span", { class: "mention" }, "@" + (who ? who.name : message.user)),
    by ? [` was added to #${channel ? channel.name : "this channel"} by `,
      el("span", { class: "mention" }, "@" + by.name), "."] : " joined the channel.");
}

function renderMessage(message, state, channel, cls) {
  if (message.subtype === "channel_join") return renderJoin(message, state);
  const ctx = actionContext(state, { channel, message: { ts: message.ts, text: message.text, blocks: message.blocks } });
  const body = message.blocks && message.blocks.length ? renderBlocks(message.blocks, ctx) : el("div", {}, mrkdwn(message.text, ctx.names));
  const node = el("div", { class: "msg " + (cls || ""), "data-ts": message.ts }, author("Tavus", true), body,
    (message.files || []).map(renderFile));
  if (message.replies && message.replies.length) {
    node.append(el("div", { class: "thread" },
      el("div", { class: "count" }, `${message.replies.length} ${message.replies.length === 1 ? "reply" : "replies"}`),
      message.replies.map((r) => renderMessage(r, state, channel, "reply"))));
  }
  return node;
}

// A shared file, as Slack shows it in a message: its title, name and size; its text opens below.
function renderFile(file) {
  const text = el("pre", { class: "ftext" }, "Loading…");
  const open = el("details", { class: "fopen", ontoggle: async (event) => {
    if (!event.target.open || text.dataset.loaded) return;
    const answer = await fetch(`/pg/file/${encodeURIComponent(file.id)}`);
    text.textContent = await answer.text();
    text.dataset.loaded = "1";
  } }, el("summary", {}, "View text"), text);
  const size = file.size > 1024 ? `${(file.size / 1024).toFixed(1)} KB` : `${file.size} B`;
  return el("div", { class: "file", "data-file": file.id },
    el("div", { class: "fhead" }, el("span", { class: "ficon" }, "📄"),
      el("span", {}, el("div", { class: "ftitle" }, file.title || file.name),
        el("div", { class: "fmeta" }, `${file.name} · ${size} · plain text`))),
    open);
}

function renderEphemeral(item, state, channel) {
  const ctx = actionContext(state, { channel, response_url: item.response_url });
  const body = item.blocks.length ? renderBlocks(item.blocks, ctx) : el("div", {}, mrkdwn(item.text, ctx.names));
  return el("div", { class: "msg ephemeral" }, author(item.from || "Tavus", !item.from),
    el("div", { class: "only" }, "Only visible to you"), body);
}

// One channel's messages and this person's ephemeral replies, in time order, as Slack shows them.
function timeline(state, channel) {
  const items = (state.messages[channel] || []).map((m) => ({ at: m.at || Number(m.ts), kind: "m", item: m }));
  (state.ephemeral[channel] || []).forEach((e) => items.push({ at: e.at, kind: "e", item: e }));
  return items.sort((a, b) => a.at - b.at);
}

// Replace the children of `list` by `items`, reusing the node of every item that did not change.
function reconcile(list, items, render) {
  const nodes = new Map();
  const children = items.map((item) => {
    const key = JSON.stringify(item);
    const node = page.nodes.get(key) || render(item);
    nodes.set(key, node);
    return node;
  });
  page.nodes = nodes;
  const same = children.length === list.children.length && children.every((n, i) => list.children[i] === n);
  if (!same) list.replaceChildren(...children);
  return !same;
}

function renderMain(state) {
  const list = document.getElementById("messages");
  const title = document.getElementById("title");
  const composer = document.getElementById("composer");
  const key = JSON.stringify([state.messages, state.ephemeral, state.home, state.dm, state.users]);
  const where = page.user + " " + page.target;
  if (key === page.keys.main && where === page.keys.where) return;
  const switched = where !== page.keys.where;
  page.keys.main = key;
  page.keys.where = where;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (switched) page.nodes = new Map();
  if (page.target === "home") {
    title.textContent = "Tavus · Home";
    composer.hidden = true;
    if (!state.home) { list.replaceChildren(el("p", {}, "Opening the Home tab…")); return; }
    reconcile(list, [state.home], (home) => renderBlocks(home.blocks, actionContext(state, { view_id: home.id })));
    if (switched) list.scrollTop = 0;
    return;
  }
  composer.hidden = page.target === "dm";
  let changed;
  if (page.target === "dm") {
    title.textContent = "Tavus · Messages";
    const dm = "D" + page.user.slice(1);
    changed = reconcile(list, state.dm, (m) => renderMessage(m, state, dm));
    if (!state.dm.length) list.replaceChildren(el("p", { class: "hint" }, "No messages yet."));
  } else {
    const channel = state.channels.find((c) => c.id === page.target);
    title.textContent = channel ? (channel.is_private ? "🔒 " : "# ") + channel.name : page.target;
    changed = reconcile(list, timeline(state, page.target), (t) => t.kind === "m"
      ? renderMessage(t.item, state, page.target) : renderEphemeral(t.item, state, page.target));
  }
  // follow new messages only when the person is already at the bottom, as Slack does
  if (switched || (changed && atBottom)) list.scrollTop = list.scrollHeight;
}

function renderSidebar(state) {
  const key = JSON.stringify([page.target, state.channels, state.team]);
  if (key === page.keys.sidebar) return;
  page.keys.sidebar = key;
  document.getElementById("team").textContent = state.team.name;
  const who = document.getElementById("user");
  if (!who.options.length) {
    state.users.filter((u) => !u.is_bot).forEach((u) => who.append(
      el("option", { value: u.id, selected: u.id === page.user }, `${u.real_name}${u.is_admin ? " (admin)" : ""}`)));
  }
  const channels = document.getElementById("channels");
  const links = [...channels.querySelectorAll("a")];
  const sameList = links.length === state.channels.length && links.every((a, i) =>
    a.dataset.target === state.channels[i].id && a.dataset.label === state.channels[i].name);
  if (!sameList) {  // only when channels come or go: a redraw would swallow a click in flight
    channels.replaceChildren(...state.channels.map((c) => el("li", {},
      el("a", { href: "#", "data-target": c.id, "data-label": c.name,
                onclick: (e) => { e.preventDefault(); go(c.id); } },
        (c.is_private ? "🔒 " : "# ") + c.name))));
  }
  markActive();
}

function markActive() {
  for (const a of document.querySelectorAll("#sidebar a[data-target]")) {
    a.classList.toggle("active", a.dataset.target === page.target);
  }
}

function renderCalls(state) {
  const key = JSON.stringify(state.tavus);
  if (key === page.keys.calls) return;
  page.keys.calls = key;
  const calls = document.getElementById("calls");
  if (state.tavus === null) { calls.replaceChildren(el("p", { class: "hint" }, "Using real Tavus.")); return; }
  if (!state.tavus.length) { calls.replaceChildren(el("p", { class: "hint" }, "No conversations yet.")); return; }
  calls.replaceChildren(...state.tavus.slice().reverse().map((c) => el("div", { class: "call", "data-cid": c.conversation_id },
    el("div", {}, el("b", {}, c.name || c.conversation_id)),
    el("div", { class: "status" }, `${c.conversation_id} · ${c.status}${c.joined ? " · joined" : ""}`),
    c.status === "active" ? [
      c.joined ? null : simButton(c, "join", "Candidate joins"),
      simButton(c, "leave", "Candidate leaves"),
      simButton(c, "timeout", "Call times out"),
    ] : null,
    // what the AI interviewer reports during the call: an objective met, a guardrail triggered
    c.status === "active" && c.joined ? el("div", { class: "in-call" },
      (c.objectives || []).map((name) => simButton(c, "objective", `Objective met: ${name}`, { name })),
      c.guardrails && c.guardrails.length ? guardrailPicker(c) : null) : null)));
}

// issue 14: play the candidate through the invite page (opens in a new tab)
function renderInvites(state) {
  const box = document.getElementById("invites");
  box.replaceChildren(...(state.invites || []).map((i) => el("div", { class: "call invite" },
    el("div", {}, el("b", {}, i.name || "Invite")),
    el("a", { href: i.link, target: "_blank", rel: "noopener", "data-invite": "open" }, "Open invite (as the candidate)"))));
}

// one guardrail of the persona's (compliance alone has nine) triggered, picked from a list
function guardrailPicker(call) {
  const chosen = (page.guardrails ||= {});  // kept across redraws of the panel
  const choice = el("select", { "data-guardrails": call.conversation_id,
    onchange: () => { chosen[call.conversation_id] = choice.value; } },
    call.guardrails.map((name) => el("option", { value: name, selected: name === chosen[call.conversation_id] }, name)));
  return el("div", { class: "guardrail" }, choice, el("button", { type: "button", "data-sim": "guardrail",
    onclick: async () => { await post(`/pg/tavus/${call.conversation_id}/guardrail`, { name: choice.value }); refresh(); },
  }, "Trigger guardrail"));
}

function simButton(call, what, label, body) {
  return el("button", { type: "button", "data-sim": what, onclick: async () => {
    await post(`/pg/tavus/${call.conversation_id}/${what}`, body || {});
    refresh();
  } }, label);
}

function renderModal(state) {
  const backdrop = document.getElementById("backdrop");
  const modal = state.modal;
  const box = document.getElementById("modal");
  const key = modal ? `${modal.id}:${modal.hash}:${JSON.stringify(state.modal_errors)}` : "";
  // data-settled: a poll found the view as drawn (a browser test acts once the redraw is done)
  if (key === page.keys.modal) { box.dataset.settled = "true"; return; }  // keep what is typed
  box.dataset.settled = "false";
  const previous = page.keys.modal.split(":")[0];
  page.keys.modal = key;
  if (!modal) { backdrop.hidden = true; return; }
  // the same view updated or shown with errors: Slack keeps every typed value and choice
  const kept = previous === modal.id ? snapshot(box) : {};
  const ctx = {
    ...actionContext(state, () => ({ view_id: modal.id, values: collectValues(body) })),
    errors: state.modal_errors,
  };
  const body = el("div", { class: "mbody" }, renderBlocks(modal.blocks, ctx));
  restore(body, kept);
  const close = el("button", { type: "button", class: "bk-button", onclick: async () => {
    await post("/pg/close", { view_id: modal.id }); refresh();
  } }, modal.close ? modal.close.text : "Close");
  const submit = modal.submit ? el("button", { type: "button", class: "bk-button primary", id: "modal-submit",
    onclick: async () => {
      await post("/pg/submit", { user: page.user, view_id: modal.id, values: collectValues(body) });
      refresh();
    } }, modal.submit.text) : null;
  const old = box.querySelector(".mbody");
  const scroll = old ? old.scrollTop : 0;
  box.replaceChildren(
    el("div", { class: "mtitle" }, textObject(modal.title, names(state))), body,
    el("div", { class: "mfooter" }, close, submit));
  if (previous === modal.id) body.scrollTop = scroll;
  backdrop.hidden = false;
}

// A canvas opens beside the conversation, as in Slack; it is fetched as the person reading it.
async function openCanvas(id) {
  const panel = document.getElementById("canvas");
  const body = el("div", { class: "cbody" }, el("p", { class: "hint" }, "Opening the canvas…"));
  const close = el("button", { type: "button", class: "bk-button", id: "canvas-close",
    onclick: () => { panel.hidden = true; panel.replaceChildren(); } }, "Close");
  const title = el("div", { class: "ctitle" }, "Canvas");
  panel.replaceChildren(el("div", { class: "chead" }, el("span", { class: "cicon" }, "📝"), title, close), body);
  panel.hidden = false;
  panel.dataset.canvas = id;
  const answer = await fetch(`/pg/canvas/${encodeURIComponent(id)}?user=${encodeURIComponent(page.user)}`);
  const canvas = await answer.json();
  if (panel.dataset.canvas !== id) return;  // another canvas was opened meanwhile
  if (!answer.ok) { body.replaceChildren(el("p", { class: "hint" }, canvas.error)); return; }
  title.textContent = canvas.title;
  body.replaceChildren(...window.SlackCanvas.renderCanvas(canvas.markdown, names(page.state)));
  body.dataset.loaded = "true";
}
document.addEventListener("slack-canvas", (event) => openCanvas(event.detail));
// a permalink opens its conversation (the app's DM is "Tavus · Messages") and shows the message
document.addEventListener("slack-message", async (event) => {
  const { channel, ts } = event.detail;
  go(channel.startsWith("D") ? "dm" : channel);
  await refresh();
  const found = document.querySelector(`#messages [data-ts="${CSS.escape(ts)}"]`);
  if (found) { found.scrollIntoView({ block: "center" }); found.classList.add("linked"); }
});

let polling = null;
async function refresh() {
  const user = page.user;
  const response = await fetch(`/pg/state?user=${encodeURIComponent(user)}`);
  const state = await response.json();
  if (user !== page.user) return;  // the person switched meanwhile: a newer refresh follows
  page.state = state;
  renderSidebar(state);
  renderMain(state);
  renderCalls(state);
  renderInvites(state);
  window.Workflows.render(state, page.user, refresh);
  renderModal(state);
}

function go(target) {
  page.target = target;
  markActive();
  if (target === "home") post("/pg/home", { user: page.user }).then(refresh);
  if (page.state) { renderSidebar(page.state); renderMain(page.state); }
  refresh();
}

// The composer's mention picker: Slack turns a picked @name into <@U…|name> (should_escape).
function mentionQuery(input) {
  const before = input.value.slice(0, input.selectionStart);
  const m = before.match(/(^|\s)@([\w.-]*)$/);
  return m ? m[2].toLowerCase() : null;
}

function showMentions() {
  const input = document.getElementById("text");
  const box = document.getElementById("mentions");
  const query = mentionQuery(input);
  const users = page.state && query !== null ? page.state.users.filter((u) => !u.is_bot &&
    (u.name.toLowerCase().startsWith(query) || u.real_name.toLowerCase().includes(query))) : [];
  box.hidden = !users.length;
  box.replaceChildren(...users.slice(0, 8).map((u, i) => el("li", {
    class: i === 0 ? "current" : "", "data-user": u.id, role: "option",
    onmousedown: (e) => { e.preventDefault(); pickMention(u); },
  }, el("b", {}, u.real_name), ` @${u.name}`)));
}

function pickMention(user) {
  const input = document.getElementById("text");
  const start = input.value.slice(0, input.selectionStart).lastIndexOf("@");
  const after = input.value.slice(input.selectionStart);
  input.value = `${input.value.slice(0, start)}@${user.name} ${after.replace(/^\s+/, "")}`;
  const caret = start + user.name.length + 2;
  input.setSelectionRange(caret, caret);
  page.picked.set(user.name, user.id);
  document.getElementById("mentions").hidden = true;
  input.focus();
}

function withMentions(text) {
  let out = text;
  for (const [name, id] of page.picked) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(new RegExp(`(^|\\s)@${escaped}(?=\\s|$)`, "g"), `$1<@${id}|${name}>`);
  }
  return out;
}

const input = document.getElementById("text");
input.addEventListener("input", showMentions);
input.addEventListener("keydown", (event) => {
  const box = document.getElementById("mentions");
  if (box.hidden) return;
  const items = [...box.children];
  const current = items.findIndex((li) => li.classList.contains("current"));
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = (current + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
    items.forEach((li, i) => li.classList.toggle("current", i === next));
  } else if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    const id = items[Math.max(current, 0)].dataset.user;
    pickMention(page.state.users.find((u) => u.id === id));
  } else if (event.key === "Escape") {
    box.hidden = true;
  }
});
input.addEventListener("blur", () => { document.getElementById("mentions").hidden = true; });

document.getElementById("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  const answer = await post("/pg/command", { user: page.user, channel: page.target, text: withMentions(text) });
  document.getElementById("notice").textContent = answer.error || "";
  if (!answer.error) { input.value = ""; page.picked.clear(); }
  refresh();
});
document.getElementById("user").addEventListener("change", (event) => {
  page.user = event.target.value;
  page.keys = { sidebar: "", main: "", where: "", calls: "", modal: "" };
  page.nodes = new Map();
  fetch(`/pg/state?user=${encodeURIComponent(page.user)}`).then((r) => r.json()).then((state) => {
    // stay where you are, unless the new person cannot see this channel
    const stays = ["home", "dm"].includes(page.target) || state.channels.some((c) => c.id === page.target);
    go(stays ? page.target : "C0GENERAL");
  });
});
document.getElementById("nav-home").addEventListener("click", (e) => { e.preventDefault(); go("home"); });
document.getElementById("nav-dm").addEventListener("click", (e) => { e.preventDefault(); go("dm"); });
refresh();
polling = setInterval(refresh, POLL_MS);
