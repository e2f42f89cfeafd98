// The playground page: polls what the Slack stand-in holds and sends what a person does.
"use strict";

const { el, mrkdwn, textObject, renderBlocks, collectValues } = window.BlockKit;
const POLL_MS = 700;
const page = { user: "U0OWNER1", target: "C0GENERAL", state: null, shown: "", modalKey: "" };

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

function actionContext(state, extra) {
  return {
    names: names(state),
    onAction: async (button) => {
      if (button.confirm && !window.confirm(`${button.confirm.title.text}\n\n${button.confirm.text.text}`)) return;
      if (button.url) window.open(button.url, "_blank", "noopener");
      await post("/pg/action", { user: page.user, action_id: button.action_id, value: button.value, ...extra });
      refresh();
    },
  };
}

function renderMessage(message, state, channel, cls) {
  const ctx = actionContext(state, { channel, message: { ts: message.ts, text: message.text, blocks: message.blocks } });
  const body = message.blocks && message.blocks.length ? renderBlocks(message.blocks, ctx) : el("div", {}, mrkdwn(message.text, ctx.names));
  const node = el("div", { class: "msg " + (cls || ""), "data-ts": message.ts },
    el("div", { class: "author" }, "Tavus", el("span", { class: "app" }, "APP")), body);
  if (message.replies && message.replies.length) {
    node.append(el("div", { class: "thread" },
      el("div", { class: "count" }, `${message.replies.length} ${message.replies.length === 1 ? "reply" : "replies"}`),
      message.replies.map((r) => renderMessage(r, state, channel, "reply"))));
  }
  return node;
}

function renderEphemeral(item, state, channel) {
  const ctx = actionContext(state, { channel, response_url: item.response_url });
  const body = item.blocks.length ? renderBlocks(item.blocks, ctx) : el("div", {}, mrkdwn(item.text, ctx.names));
  return el("div", { class: "msg ephemeral" }, el("div", { class: "only" }, "Only visible to you"), body);
}

function renderMain(state) {
  const list = document.getElementById("messages");
  const title = document.getElementById("title");
  const composer = document.getElementById("composer");
  list.replaceChildren();
  if (page.target === "home") {
    title.textContent = "Tavus · Home";
    composer.hidden = true;
    if (!state.home) { list.append(el("p", {}, "Opening the Home tab…")); return; }
    const ctx = actionContext(state, { view_id: state.home.id });
    list.append(renderBlocks(state.home.blocks, ctx));
    return;
  }
  composer.hidden = page.target === "dm";
  if (page.target === "dm") {
    title.textContent = "Tavus · Messages";
    state.dm.forEach((m) => list.append(renderMessage(m, state, "D" + page.user.slice(1))));
    if (!state.dm.length) list.append(el("p", { class: "hint" }, "No messages yet."));
    return;
  }
  const channel = state.channels.find((c) => c.id === page.target);
  title.textContent = channel ? (channel.is_private ? "🔒 " : "# ") + channel.name : page.target;
  (state.messages[page.target] || []).forEach((m) => list.append(renderMessage(m, state, page.target)));
  (state.ephemeral[page.target] || []).forEach((e) => list.append(renderEphemeral(e, state, page.target)));
  list.scrollTop = list.scrollHeight;
}

function renderSidebar(state) {
  document.getElementById("team").textContent = state.team.name;
  const who = document.getElementById("user");
  if (!who.options.length) {
    state.users.filter((u) => !u.is_bot).forEach((u) => who.append(
      el("option", { value: u.id, selected: u.id === page.user }, `${u.real_name}${u.is_admin ? " (admin)" : ""}`)));
  }
  const channels = document.getElementById("channels");
  channels.replaceChildren(...state.channels.map((c) => el("li", {},
    el("a", { href: "#", class: c.id === page.target ? "active" : "", "data-target": c.id,
              onclick: (e) => { e.preventDefault(); go(c.id); } },
      (c.is_private ? "🔒 " : "# ") + c.name))));
  document.getElementById("nav-home").className = page.target === "home" ? "active" : "";
  document.getElementById("nav-dm").className = page.target === "dm" ? "active" : "";
}

function renderCalls(state) {
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
    ] : null)));
}

// issue 14: play the candidate through the invite page (opens in a new tab)
function renderInvites(state) {
  const box = document.getElementById("invites");
  box.replaceChildren(...(state.invites || []).map((i) => el("div", { class: "call invite" },
    el("div", {}, el("b", {}, i.name || "Invite")),
    el("a", { href: i.link, target: "_blank", rel: "noopener", "data-invite": "open" }, "Open invite (as the candidate)"))));
}

function simButton(call, what, label) {
  return el("button", { type: "button", "data-sim": what, onclick: async () => {
    await post(`/pg/tavus/${call.conversation_id}/${what}`, {});
    refresh();
  } }, label);
}

function renderModal(state) {
  const backdrop = document.getElementById("backdrop");
  const modal = state.modal;
  const key = modal ? `${modal.id}:${modal.hash}:${JSON.stringify(state.modal_errors)}` : "";
  if (key === page.modalKey) return;  // keep what the person is typing
  page.modalKey = key;
  if (!modal) { backdrop.hidden = true; return; }
  const ctx = { ...actionContext(state, { view_id: modal.id }), errors: state.modal_errors };
  const body = el("div", { class: "mbody" }, renderBlocks(modal.blocks, ctx));
  const close = el("button", { type: "button", class: "bk-button", onclick: async () => {
    await post("/pg/close", { view_id: modal.id }); refresh();
  } }, modal.close ? modal.close.text : "Close");
  const submit = modal.submit ? el("button", { type: "button", class: "bk-button primary", id: "modal-submit",
    onclick: async () => {
      await post("/pg/submit", { user: page.user, view_id: modal.id, values: collectValues(body) });
      refresh();
    } }, modal.submit.text) : null;
  document.getElementById("modal").replaceChildren(
    el("div", { class: "mtitle" }, textObject(modal.title, names(state))), body,
    el("div", { class: "mfooter" }, close, submit));
  backdrop.hidden = false;
}

async function refresh() {
  const response = await fetch(`/pg/state?user=${encodeURIComponent(page.user)}`);
  const state = await response.json();
  page.state = state;
  const shown = JSON.stringify([page.user, page.target, state.messages, state.ephemeral, state.home, state.dm, state.tavus]);
  renderSidebar(state);
  if (shown !== page.shown) {
    page.shown = shown;
    renderMain(state);
    renderCalls(state);
    renderInvites(state);
  }
  renderModal(state);
}

function go(target) {
  page.target = target;
  page.shown = "";
  if (target === "home") post("/pg/home", { user: page.user }).then(refresh);
  refresh();
}

document.getElementById("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  const answer = await post("/pg/command", { user: page.user, channel: page.target, text });
  document.getElementById("notice").textContent = answer.error || "";
  if (!answer.error) input.value = "";
  refresh();
});
document.getElementById("user").addEventListener("change", (event) => {
  page.user = event.target.value; page.shown = ""; page.modalKey = "";
  go(page.target === "home" ? "home" : "C0GENERAL");
});
document.getElementById("nav-home").addEventListener("click", (e) => { e.preventDefault(); go("home"); });
document.getElementById("nav-dm").addEventListener("click", (e) => { e.preventDefault(); go("dm"); });
refresh();
setInterval(refresh, POLL_MS);
