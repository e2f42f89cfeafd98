// Renders Slack Block Kit (messages, Home tab, modals) into DOM nodes, the way Slack shows them.
(function () {
"use strict";

const EMOJI = {
  hourglass: "⌛", hourglass_flowing_sand: "⏳", red_circle: "🔴", white_check_mark: "✅",
  warning: "⚠️", movie_camera: "🎥", scroll: "📜", eyes: "👀", film_frames: "🎞️",
  envelope: "✉️", ghost: "👻", no_entry_sign: "🚫", busts_in_silhouette: "👥", clipboard: "📋",
  hourglass_done: "⌛", bar_chart: "📊", shield: "🛡️", memo: "📝", white_circle: "⚪",
  page_facing_up: "📄", rotating_light: "🚨", x: "❌",
  scales: "⚖️", large_green_circle: "🟢", large_yellow_circle: "🟡", raising_hand: "🙋",
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);
}

// *bold*, _italic_, ~strike~ and `code` inside one plain run of text. As in Slack, a marker opens
// only where a word does not go on before it and closes only where none goes on after it, and the
// text inside neither starts nor ends with a space: recruiter_rule_1 and 2*3*4 stay as typed.
const STYLE = new RegExp("`([^`]+)`|" + ["\\*", "_", "~"].map((m) =>
  `(?<![\\p{L}\\p{N}${m}])${m}(?=\\S)([^${m}\\n]*?[^\\s${m}])${m}(?![\\p{L}\\p{N}${m}])`).join("|"), "gu");

function styled(raw) {
  const text = emojify(raw);  // first, so that the underscores of :white_check_mark: are not italics
  const out = [];
  let last = 0;
  for (const m of text.matchAll(STYLE)) {
    if (m.index > last) out.push(emojify(unescapeSlack(text.slice(last, m.index))));
    if (m[1] !== undefined) out.push(el("code", {}, unescapeSlack(m[1])));
    else if (m[2] !== undefined) out.push(el("b", {}, ...styled(m[2])));
    else if (m[3] !== undefined) out.push(el("i", {}, ...styled(m[3])));
    else out.push(el("s", {}, ...styled(m[4])));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(emojify(unescapeSlack(text.slice(last))));
  return out;
}

// Slack's date tokens (<!date^epoch^format^link|fallback>), drawn in the reader's time zone the way
// Slack's clients draw them; a format Slack cannot use shows the fallback text.
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const CANVAS_LINK = /^https:\/\/app\.slack\.com\/docs\/[A-Z0-9]+\/(F[A-Z0-9]+)$/;
// a message's permalink (chat.getPermalink): Slack opens it in place, at that message
const MESSAGE_LINK = /^https:\/\/[a-z0-9-]+\.slack\.com\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})$/;

function ordinal(n) {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return n + (teen ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
}

function clock(d, seconds) {
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getHours() % 12 || 12}:${two(d.getMinutes())}${seconds ? ":" + two(d.getSeconds()) : ""} ` +
    (d.getHours() < 12 ? "AM" : "PM");
}

// "today", "yesterday" or "tomorrow" for a date within a day of now (by the reader's calendar)
function nearDay(d, now) {
  const day = (x) => Date.UTC(x.getFullYear(), x.getMonth(), x.getDate()) / 86400000;
  return { "-1": "yesterday", 0: "today", 1: "tomorrow" }[day(d) - day(now)];
}

function ago(d, now) {
  const seconds = Math.round((d - now) / 1000);
  if (Math.abs(seconds) < 60) return "just now";
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600],
    ["minute", 60]];
  const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s);
  return new Intl.RelativeTimeFormat("en", { numeric: "always" }).format(Math.trunc(seconds / size), unit);
}

function dateTokens(d, now) {
  const year = d.getFullYear() === now.getFullYear() ? "" : `, ${d.getFullYear()}`;
  const date = `${MONTHS[d.getMonth()]} ${ordinal(d.getDate())}, ${d.getFullYear()}`;
  const long = `${DAYS[d.getDay()]}, ${date}`;
  const near = nearDay(d, now);
  return {
    date_num: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`,
    date,
    date_short: `${MONTHS[d.getMonth()].slice(0, 3)} ${d.getDate()}, ${d.getFullYear()}`,
    date_long: long,
    date_pretty: near || date,
    // Slack's clients leave this year's year out of the short pretty form: "Dec 2nd"
    date_short_pretty: near || `${MONTHS[d.getMonth()].slice(0, 3)} ${ordinal(d.getDate())}${year}`,
    date_long_pretty: near || long,
    time: clock(d, false),
    time_secs: clock(d, true),
    ago: ago(d, now),
  };
}

function slackDate(epoch, format, fallback, now) {
  const d = new Date(Number(epoch) * 1000);
  if (!/^\d+(\.\d+)?$/.test(String(epoch)) || !format || Number.isNaN(d.getTime())) {
    return unescapeSlack(fallback || "");
  }
  const tokens = dateTokens(d, now || new Date());
  const text = format.replace(/\{(\w+)\}/g, (all, name) => tokens[name] ?? all);
  return text.charAt(0).toUpperCase() + text.slice(1);  // Slack starts a date with a capital
}

// Slack's entities: <@U…>, <#C…>, <!date^…|fallback>, <url|label>.
function entity(inner, names) {
  const [target, label] = inner.split("|");
  if (target.startsWith("@")) {
    const user = names.users[target.slice(1)];
    return el("span", { class: "mention" }, "@" + (user ? user.name : label || target.slice(1)));
  }
  if (target.startsWith("#")) {
    const channel = names.channels[target.slice(1)];
    return el("span", { class: "mention" }, "#" + (channel ? channel.name : label || target.slice(1)));
  }
  if (target.startsWith("!date^")) {
    const [, epoch, format, link] = target.split("^");
    const text = slackDate(epoch, format, label);
    return link ? el("a", { href: link, target: "_blank", rel: "noopener" }, text) : text;
  }
  if (target.startsWith("!")) return "@" + target.slice(1);
  const canvas = target.match(CANVAS_LINK);
  if (canvas) {  // Slack opens its own canvas links in place, beside the conversation
    return el("a", { href: target, "data-canvas": canvas[1], onclick: (event) => {
      event.preventDefault();
      document.dispatchEvent(new CustomEvent("slack-canvas", { detail: canvas[1] }));
    } }, label || target);
  }
  const message = target.match(MESSAGE_LINK);
  if (message) {
    return el("a", { href: target, "data-permalink": `${message[1]}/${message[2]}.${message[3]}`, onclick: (event) => {
      event.preventDefault();
      document.dispatchEvent(new CustomEvent("slack-message", { detail: { channel: message[1], ts: `${message[2]}.${message[3]}` } }));
    } }, label || target);
  }
  return el("a", { href: target, target: "_blank", rel: "noopener" }, label || target);
}

// ```preformatted``` blocks as Slack draws them (a box, the text as sent, wrapped), the rest as lines.
function mrkdwn(text, names) {
  const out = [];
  const parts = String(text || "").split(/```([\s\S]*?)```/);
  parts.forEach((part, i) => {
    if (i % 2) return out.push(el("pre", { class: "pre" }, unescapeSlack(part)));
    // the line breaks around a block are the block's own
    const around = part.replace(i > 0 ? /^\n/ : /$^/, "").replace(i < parts.length - 1 ? /\n$/ : /$^/, "");
    if (around) out.push(...mrkdwnLines(around, names));
  });
  return out;
}

function mrkdwnLines(text, names) {
  const out = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    let last = 0;
    for (const m of line.matchAll(/<([^>]+)>/g)) {
      out.push(...styled(line.slice(last, m.index)));
      out.push(entity(m[1], names));
      last = m.index + m[0].length;
    }
    out.push(...styled(line.slice(last)));
    if (i < lines.length - 1) out.push(el("br"));
  });
  return out;
}

function textObject(obj, names) {
  if (!obj) return [];
  return obj.type === "mrkdwn" ? mrkdwn(obj.text, names) : [emojify(obj.text || "")];
}

function renderButton(button, ctx) {
  const classes = "bk-button" + (button.style ? " " + button.style : "");
  return el("button", {
    class: classes, type: "button", "data-action": button.action_id,
    onclick: () => ctx.onAction(button),
  }, textObject(button.text, ctx.names));
}

function renderElement(element, ctx) {
  if (element.type === "button") return renderButton(element, ctx);
  if (element.type === "image") return el("img", { src: element.image_url, alt: element.alt_text, width: 20 });
  return el("span", {}, `[${element.type}]`);
}

function renderBlock(block, ctx) {
  const names = ctx.names;
  switch (block.type) {
    case "header":
      return el("div", { class: "bk-header" }, textObject(block.text, names));
    case "section": {
      const body = el("div", {}, textObject(block.text, names),
        (block.fields || []).map((f) => el("div", {}, textObject(f, names))));
      return el("div", { class: "bk-section" }, body,
        block.accessory ? renderElement(block.accessory, ctx) : null);
    }
    case "context":
      return el("div", { class: "bk-context" },
        block.elements.map((e) => e.type === "image" ? renderElement(e, ctx) : el("span", {}, textObject(e, names))));
    case "actions":
      return el("div", { class: "bk-actions" }, block.elements.map((e) => renderElement(e, ctx)));
    case "divider":
      return el("hr", { class: "bk-divider" });
    case "call":
      return el("div", { class: "bk-call" }, "📞 Slack call ", el("code", {}, block.call_id));
    case "input":
      return renderInput(block, ctx);
    default:
      return el("div", { class: "bk-context" }, `[${block.type} block]`);
  }
}

function renderBlocks(blocks, ctx) {
  return el("div", { class: "blocks" }, (blocks || []).map((b) => renderBlock(b, ctx)));
}

// Modal inputs: each control keeps enough data to rebuild Slack's view.state.values.
function optionLabel(option) { return option.text ? option.text.text : option.value; }

function renderInput(block, ctx) {
  const element = block.element;
  const id = "in-" + block.block_id;
  const error = (ctx.errors || {})[block.block_id];
  let control;
  switch (element.type) {
    case "plain_text_input":
      control = element.multiline
        ? el("textarea", { id, maxlength: element.max_length }, element.initial_value || "")
        : el("input", { id, type: "text", maxlength: element.max_length, value: element.initial_value || "",
                        placeholder: element.placeholder ? element.placeholder.text : "" });
      break;
    case "number_input":
      control = el("input", { id, type: "number", min: element.min_value, max: element.max_value,
                              value: element.initial_value || "" });
      break;
    case "datetimepicker":  // issue 14: an invite's opening time, in the browser's time zone
      control = el("input", { id, type: "datetime-local" });
      break;
    case "static_select":
      control = selectOf(id, element.options, element.initial_option && element.initial_option.value,
                         block.optional, (o) => [optionLabel(o), o.value]);
      break;
    case "users_select":
      control = selectOf(id, Object.values(ctx.names.users).filter((u) => !u.is_bot), element.initial_user,
                         true, (u) => [`${u.real_name} (@${u.name})`, u.id]);
      break;
    case "conversations_select":
      control = selectOf(id, Object.values(ctx.names.channels), element.initial_conversation, true,
                         (c) => ["#" + c.name, c.id]);
      break;
    case "radio_buttons":
    case "checkboxes": {
      const kind = element.type === "radio_buttons" ? "radio" : "checkbox";
      const chosen = new Set(kind === "radio"
        ? [element.initial_option && element.initial_option.value]
        : (element.initial_options || []).map((o) => o.value));
      control = el("div", { id }, element.options.map((o) => el("label", { class: "choice" },
        el("input", { type: kind, name: id, value: o.value, checked: chosen.has(o.value) }), " ", optionLabel(o))));
      break;
    }
    default:
      control = el("span", {}, `[${element.type}]`);
  }
  control.dataset.blockId = block.block_id;
  control.dataset.actionId = element.action_id;
  control.dataset.kind = element.type;
  return el("div", { class: "bk-input" + (error ? " invalid" : "") },
    el("label", { class: "lbl", for: id }, block.label.text, block.optional ? el("span", { class: "optional" }, " (optional)") : null),
    control,
    block.hint ? el("div", { class: "hint" }, block.hint.text) : null,
    error ? el("div", { class: "error" }, error) : null);
}

function selectOf(id, items, initial, optional, describe) {
  const options = items.map((item) => {
    const [label, value] = describe(item);
    return el("option", { value, selected: value === initial }, label);
  });
  if (optional || !initial) options.unshift(el("option", { value: "", selected: !initial }, "—"));
  return el("select", { id }, options);
}

// view.state.values in Slack's own shapes.
function collectValues(root) {
  const values = {};
  for (const control of root.querySelectorAll("[data-block-id]")) {
    const kind = control.dataset.kind;
    let action = { type: kind };
    if (kind === "plain_text_input" || kind === "number_input") {
      action.value = control.value === "" ? null : control.value;
    } else if (kind === "static_select" || kind === "radio_buttons") {
      const picked = kind === "radio_buttons" ? control.querySelector("input:checked") : control;
      const value = picked ? picked.value : "";
      action.selected_option = value ? { text: { type: "plain_text", text: value }, value } : null;
    } else if (kind === "checkboxes") {
      action.selected_options = [...control.querySelectorAll("input:checked")].map(
        (i) => ({ text: { type: "plain_text", text: i.value }, value: i.value }));
    } else if (kind === "datetimepicker") {
      action.selected_date_time = control.value ? Math.floor(new Date(control.value).getTime() / 1000) : null;
    } else if (kind === "users_select") {
      action.selected_user = control.value || null;
    } else if (kind === "conversations_select") {
      action.selected_conversation = control.value || null;
    } else {
      continue;
    }
    values[control.dataset.blockId] = { [control.dataset.actionId]: action };
  }
  return values;
}

// What the person has typed and chosen, by block_id and action_id: Slack keeps it across
// views.update and validation errors as long as those two ids stay the same.
function inputKey(control) { return control.dataset.blockId + "/" + control.dataset.actionId; }

function snapshot(root) {
  const kept = {};
  for (const control of root.querySelectorAll("[data-block-id]")) {
    const kind = control.dataset.kind;
    if (kind === "radio_buttons" || kind === "checkboxes") {
      kept[inputKey(control)] = [...control.querySelectorAll("input:checked")].map((i) => i.value);
    } else if ("value" in control) {
      kept[inputKey(control)] = control.value;
    }
  }
  return kept;
}

function restore(root, kept) {
  for (const control of root.querySelectorAll("[data-block-id]")) {
    const value = kept[inputKey(control)];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      control.querySelectorAll("input").forEach((i) => { i.checked = value.includes(i.value); });
    } else if (control.tagName !== "SELECT" || [...control.options].some((o) => o.value === value)) {
      control.value = value;
    }
  }
}

window.BlockKit = { el, mrkdwn, textObject, renderBlocks, collectValues, snapshot, restore, slackDate };
})();
