// charla preview: draws the state `charla preview` serves (GET /api/state and the long poll
// GET /api/events) and sends what the author does (POST /api/message, /api/reset,
// /api/release, /api/template). Every decision is the engine's: this page only draws.
// Text from the bot goes into the page through textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);

let shown = null;          // the state drawn last
let graphReloads = -1;     // the load whose picture is in the page
let formReloads = -1;      // the load the contact form and template panel were filled for

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// WhatsApp's formatting: *bold*, _italic_, ~strike~, ```mono```. Built as nodes, so the text
// itself is never read as HTML.
function formatted(text) {
  const out = document.createDocumentFragment();
  // A marker counts only at a word's edge, as in WhatsApp: `member_home_menu` stays as is.
  const pattern = /(?<![\p{L}\p{N}_*~`])(\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~|```[^`]+```)(?![\p{L}\p{N}_*~`])/gu;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    out.append(text.slice(last, match.index));
    const token = match[0];
    const tag = { "*": "strong", "_": "em", "~": "s", "`": "code" }[token[0]];
    const inner = token[0] === "`" ? token.slice(3, -3) : token.slice(1, -1);
    out.append(el(tag, null, inner));
    last = match.index + token.length;
  }
  out.append(text.slice(last));
  return out;
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
  } catch (e) {
    connection(false);
    return null;
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    status(answer.error || `${path}: ${response.status}`, true);
    return null;
  }
  render(answer);
  return answer;
}

function status(text, bad) {
  const node = $("status");
  node.textContent = text;
  node.classList.toggle("bad", !!bad);
}

function connection(up) {
  $("connection").hidden = up;
}

// ---- drawing the state ----

function render(state) {
  // An answer can arrive after a newer long-poll result: never go back in time.
  if (shown && state.version < shown.version) return;
  shown = state;
  // The name comes from the sources, so a bot with errors keeps it.
  const name = state.name || "the bot";
  $("bot-name").textContent = state.name;
  $("chat-title").textContent = name;
  $("avatar").textContent = name.slice(0, 1).toUpperCase();
  document.title = `${name} · charla preview`;
  if (state.ready) {
    status(`calls ${state.calls}`, false);
  } else {
    status(`${state.errors} error(s): the chat comes back when they are fixed`, true);
  }
  const handoff = !!(state.conversation && state.conversation.handoff);
  $("handoff-banner").hidden = !handoff;
  $("chat-subtitle").textContent = handoff ? "a person is answering" : "business account";
  $("problems").hidden = state.ready;
  $("messages").hidden = !state.ready;
  $("composer").hidden = !state.ready;
  if (!state.ready) {
    closeSheet();
    drawProblems(state);
  } else {
    drawMessages(state);
  }
  drawVariables(state);
  if (state.reloads !== formReloads) {
    formReloads = state.reloads;
    drawContact(state);
    drawTemplates(state);
  }
  drawWarnings(state);
  drawGraph(state);
}

function drawProblems(state) {
  const box = $("problems");
  box.replaceChildren();
  box.append(el("h3", null, `The bot has ${state.errors} error(s)`));
  box.append(el("p", null, "Fix them in your editor: the preview reloads by itself, and the conversation starts over."));
  const errors = state.problems.filter((p) => p.severity === "error");
  const warnings = state.problems.filter((p) => p.severity !== "error");
  for (const problem of errors.concat(warnings)) box.append(diagnostic(problem));
}

function diagnostic(problem) {
  const node = el("div", `diag ${problem.severity}`);
  node.dataset.code = problem.code || "";
  const head = el("div");
  head.append(el("span", "diag-code", problem.code || problem.severity));
  head.append(el("span", "diag-message", problem.message));
  node.append(head);
  if (problem.file) {
    const where = problem.line ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
    node.append(el("div", "diag-where", where));
  }
  if (problem.help) node.append(el("div", "diag-help", `help: ${problem.help}`));
  return node;
}

function drawWarnings(state) {
  const warnings = state.ready ? state.problems.filter((p) => p.severity !== "error") : [];
  $("warnings-section").hidden = warnings.length === 0;
  $("warnings").replaceChildren(...warnings.map(diagnostic));
}

function drawMessages(state) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(el("div", "day", "TODAY"));
  const handoff = state.conversation && state.conversation.handoff;
  const transcript = state.transcript;
  // Only the last handoff gets a release button, and only while it lasts.
  let lastHandoff = -1;
  transcript.forEach((entry, i) => {
    if (entry.kind === "event" && entry.event.event === "handoff") lastHandoff = i;
  });
  transcript.forEach((entry, i) => {
    const node = drawEntry(entry, handoff && i === lastHandoff);
    if (node) box.append(node);
  });
  if (atBottom || box.dataset.count !== String(transcript.length)) {
    box.scrollTop = box.scrollHeight;
  }
  box.dataset.count = String(transcript.length);
}

function drawEntry(entry, releasable) {
  switch (entry.kind) {
    case "user": return userBubble(entry);
    case "bot": return botBubble(entry);
    case "event": return eventChip(entry.event, releasable);
    case "call_result":
      return entry.status !== null && entry.status !== undefined
        ? chip("call event", `answered ${entry.status}`)
        : chip("call event error", `no answer: ${entry.failure}`);
    case "refused": return chip("refused", `template ${entry.template} not sent: ${entry.reason}`);
    case "notice": return chip("notice", entry.text);
    default: return null;
  }
}

function chip(className, text) {
  return el("div", `chip ${className}`, text);
}

function time(entry, out) {
  const node = el("span", "time", entry.time);
  if (out) node.append(el("span", "ticks", "✓✓"));
  return node;
}

function userBubble(entry) {
  const row = el("div", "row out");
  const bubble = el("div", entry.tapped ? "bubble tapped" : "bubble");
  bubble.append(entry.text, time(entry, true));
  row.append(bubble);
  return row;
}

function botBubble(entry) {
  const message = entry.message;
  const row = el("div", `row in ${message.type}`);
  const bubble = el("div", "bubble");
  if (message.type === "template") {
    bubble.classList.add("template");
    bubble.append(el("span", "template-tag", `template · ${message.name} · sent by the business`));
    if (entry.header) bubble.append(el("span", "template-header", entry.header));
  }
  const text = message.type === "text" ? message.text : message.body;
  bubble.append(formatted(text));
  if (entry.footer) bubble.append(el("span", "template-footer", entry.footer));
  bubble.append(time(entry, false));
  row.append(bubble);
  if (message.type === "buttons") {
    const buttons = el("div", "buttons");
    for (const option of message.options) {
      const button = el("button", "reply", option.label);
      button.type = "button";
      button.dataset.id = option.id;
      button.addEventListener("click", () => send({ reply: { id: option.id, title: option.label } }));
      buttons.append(button);
    }
    row.append(buttons);
  } else if (message.type === "list") {
    const buttons = el("div", "buttons");
    const open = el("button", "list-open", `☰ ${message.button}`);
    open.type = "button";
    open.addEventListener("click", () => openSheet(message));
    buttons.append(open);
    row.append(buttons);
  } else if (message.type === "template" && message.buttons.length) {
    const buttons = el("div", "buttons");
    for (const option of message.buttons) {
      const button = el("button", "reply", option.label);
      button.type = "button";
      button.dataset.id = option.id;
      button.addEventListener("click", () => send({ template_button: { id: option.id, title: option.label } }));
      buttons.append(button);
    }
    row.append(buttons);
  }
  return row;
}

function eventChip(event, releasable) {
  switch (event.event) {
    case "menu": return chip("event", `menu ${event.name}`);
    case "intent": return chip("event", `intent ${event.name}`);
    case "audience": return chip("event", event.name ? `audience: ${event.name}` : "audience cleared");
    case "opt_in": return chip("event", "opted in to templates");
    case "opt_out": return chip("event", "opted out of templates");
    case "fallback": return chip("event", "fallback: the bot did not understand");
    case "end": return chip("event", "the conversation ended");
    case "call": return chip("call event", `${event.method} ${event.url}`);
    case "error": return chip("error", `error at line ${event.line}: ${event.message}`);
    case "handoff": {
      const node = chip("handoff", `handed over to a person${event.team ? ` (team ${event.team})` : ""}`);
      if (releasable) {
        const button = el("button", "release", "Release");
        button.type = "button";
        button.addEventListener("click", release);
        node.append(" ", button);
      }
      return node;
    }
    default: return chip("event", event.event);
  }
}

// ---- the list sheet ----

function openSheet(message) {
  $("sheet-title").textContent = message.button;
  const rows = $("sheet-rows");
  rows.replaceChildren();
  for (const option of message.options) {
    const item = el("li");
    const button = el("button", "sheet-row");
    button.type = "button";
    button.dataset.id = option.id;
    const text = el("span", "row-text");
    text.append(el("span", "row-title", option.label));
    if (option.description) text.append(el("span", "row-description", option.description));
    button.append(text, el("span", "radio"));
    button.addEventListener("click", () => {
      closeSheet();
      send({ reply: { id: option.id, title: option.label } });
    });
    item.append(button);
    rows.append(item);
  }
  $("sheet").hidden = false;
}

function closeSheet() {
  $("sheet").hidden = true;
}

// ---- the panels ----

function drawVariables(state) {
  const table = $("vars");
  table.replaceChildren();
  const add = (name, value, className) => {
    const tr = el("tr", className);
    tr.append(el("th", null, name));
    const td = el("td");
    if (value === true) td.append(el("span", "yes", "yes"));
    else if (value === false) td.append("no");
    else if (value === null || value === undefined || value === "") td.append("—");
    else td.append(typeof value === "string" ? value : JSON.stringify(value));
    tr.append(td);
    table.append(tr);
  };
  const c = state.conversation;
  if (!c) {
    add("bot", "has errors");
    return;
  }
  add("contact", `${c.contact.name} ${c.contact.phone}`);
  add("audience", c.audience);
  add("opt-in", c.opted_in);
  add("opt-out", c.opted_out);
  add("handoff", c.handoff);
  add("menu", c.menu);
  add("waiting for", c.waiting);
  if (c.frame) {
    add(`${c.frame.kind}`, c.frame.name, "group");
    const names = Object.keys(c.frame.vars);
    if (!names.length) add("variables", null);
    for (const name of names) add(name, c.frame.vars[name]);
  }
}

function drawContact(state) {
  $("contact-name").value = state.contact.name;
  $("contact-phone").value = state.contact.phone;
  const select = $("contact-audience");
  select.replaceChildren(el("option", null, "(none)"));
  select.firstChild.value = "";
  const audiences = state.bot ? state.bot.audiences : [];
  for (const audience of audiences) {
    const option = el("option", null, `${audience.name} · ${audience.label}`);
    option.value = audience.name;
    select.append(option);
  }
  select.value = state.contact.audience || "";
}

function drawTemplates(state) {
  const box = $("templates");
  box.replaceChildren();
  const templates = state.bot ? state.bot.templates : [];
  if (!state.bot) box.append(el("p", "hint", "Back when the bot has no errors."));
  else if (!templates.length) box.append(el("p", "hint", "This bot has no templates."));
  for (const template of templates) {
    const form = el("form", "template-form");
    form.dataset.name = template.name;
    form.append(el("span", "template-name", template.name));
    form.append(el("span", "template-body", template.body));
    const inputs = [];
    for (let i = 1; i <= template.parameters; i++) {
      const input = el("input");
      input.placeholder = `{{${i}}}`;
      input.setAttribute("aria-label", `${template.name} parameter ${i}`);
      inputs.push(input);
      form.append(input);
    }
    const button = el("button", null, "Send to the contact");
    button.type = "submit";
    form.append(button);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      post("/api/template", { name: template.name, parameters: inputs.map((i) => i.value) });
    });
    box.append(form);
  }
}

async function drawGraph(state) {
  const box = $("graph");
  if (state.reloads !== graphReloads) {
    let svg;
    try {
      const response = await fetch(`/api/graph.svg?load=${state.reloads}`);
      svg = await response.text();
    } catch (e) {
      // Not marked as drawn: the next state tries again.
      connection(false);
      return;
    }
    // Two reloads close together: an older picture that arrives last is not drawn.
    if (shown && shown.reloads !== state.reloads) {
      return;
    }
    // The picture is charla's own SVG, every name in it escaped by charla.
    box.innerHTML = svg;
    graphReloads = state.reloads;
  }
  highlight(shown);
}

function highlight(state) {
  const box = $("graph");
  for (const node of box.querySelectorAll("g.node.current, g.node.recent")) {
    node.classList.remove("current", "recent");
  }
  if (state && !state.ready) {
    // Show where the first error is (charla marks nodes with errors).
    const broken = box.querySelector("g.node.error");
    if (broken) broken.scrollIntoView({ block: "center", inline: "center" });
    return;
  }
  const c = state && state.conversation;
  if (!c) return;
  const find = (kind, name) => Array.from(box.querySelectorAll(`g.node.${kind}`))
    .find((node) => node.getAttribute("data-name") === name);
  if (c.last_intent) {
    const node = find("intent", c.last_intent);
    if (node) node.classList.add("recent");
  }
  if (c.current) {
    const node = find(c.current.kind, c.current.name);
    if (node) {
      node.classList.remove("recent");
      node.classList.add("current");
      node.scrollIntoView({ block: "center", inline: "center" });
    }
  }
}

// ---- actions ----

function send(body) {
  return post("/api/message", body);
}

function release() {
  return post("/api/release", {});
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("input");
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  send({ text });
});
$("release").addEventListener("click", release);
$("sheet-close").addEventListener("click", closeSheet);
$("sheet").addEventListener("click", (e) => { if (e.target === $("sheet")) closeSheet(); });
$("contact-form").addEventListener("submit", (e) => {
  e.preventDefault();
  post("/api/reset", {
    name: $("contact-name").value,
    phone: $("contact-phone").value,
    audience: $("contact-audience").value,
  });
});
$("fit").addEventListener("change", (e) => $("graph").classList.toggle("fit", e.target.checked));
$("show-events").addEventListener("change", (e) => $("messages").classList.toggle("quiet", !e.target.checked));

// ---- keeping up with the server: reloads, and changes made from another tab ----

async function follow() {
  for (;;) {
    const since = shown ? shown.version : -1;
    try {
      const response = await fetch(since < 0 ? "/api/events" : `/api/events?since=${since}`);
      if (!response.ok) throw new Error(String(response.status));
      connection(true);
      render(await response.json());
    } catch (e) {
      connection(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

follow();
