// A Slack canvas, drawn from its markdown as Slack shows it: headings, lists and checklists,
// **bold**, *italic*, links, and Slack's mentions ![](@U…) and ![](#C…). Only DOM nodes are made
// (never HTML from the text), and a backslash keeps the next character as typed.
(function () {
"use strict";

const { el } = window.BlockKit;

// the index of the next `marker` in text from `from` that no backslash escapes, or -1
function unescaped(text, marker, from) {
  for (let i = from; i <= text.length - marker.length; i++) {
    if (text[i] === "\\") { i++; continue; }
    if (text.startsWith(marker, i)) return i;
  }
  return -1;
}

function inline(text, names) {
  const out = [];
  let plain = "";
  const flush = () => { if (plain) out.push(plain); plain = ""; };
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i);
    const mention = rest.match(/^!\[\]\(([@#])([A-Z0-9]+)\)/);
    if (text[i] === "\\" && i + 1 < text.length) { plain += text[i + 1]; i += 2; continue; }
    if (mention) {
      flush();
      const found = mention[1] === "@" ? names.users[mention[2]] : names.channels[mention[2]];
      out.push(el("span", { class: "mention" }, mention[1] + (found ? found.name : mention[2])));
      i += mention[0].length;
      continue;
    }
    const marker = rest.startsWith("**") ? "**" : ["*", "_"].includes(text[i]) ? text[i] : null;
    const close = marker ? unescaped(text, marker, i + marker.length + 1) : -1;
    if (close > 0) {
      flush();
      const inner = inline(text.slice(i + marker.length, close), names);
      out.push(el(marker === "**" ? "b" : "i", {}, inner));
      i = close + marker.length;
      continue;
    }
    const link = text[i] === "[" ? rest.match(/^\[((?:\\.|[^\]\\])*)\]\((https:\/\/[^\s()]+)\)/) : null;
    if (link) {
      flush();
      out.push(el("a", { href: link[2], target: "_blank", rel: "noopener" }, inline(link[1], names)));
      i += link[0].length;
      continue;
    }
    plain += text[i];
    i += 1;
  }
  flush();
  return out;
}

function renderCanvas(markdown, names) {
  const out = [];
  let list = null;
  for (const line of markdown.split("\n")) {
    const heading = line.match(/^(#{1,3}) (.*)$/);
    const item = line.match(/^- (\[( |x)\] )?(.*)$/);
    if (!item) list = null;
    if (heading) {
      out.push(el("h" + heading[1].length, {}, inline(heading[2], names)));
    } else if (item) {
      if (!list) { list = el("ul", { class: item[1] ? "checklist" : "" }); out.push(list); }
      const box = item[1] ? el("input", { type: "checkbox", disabled: true, checked: item[2] === "x" }) : null;
      list.append(el("li", {}, box, inline(item[3], names)));
    } else if (line.trim()) {
      out.push(el("p", {}, inline(line, names)));
    }
  }
  return out;
}

window.SlackCanvas = { renderCanvas };
})();
