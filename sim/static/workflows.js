// The Workflows panel (issue 27): run the example workflow a team would build in Workflow Builder
// (a form -> Send an AI interview -> Wait for its result -> post it), and watch each step.
"use strict";

window.Workflows = (() => {
  const { el } = window.BlockKit;
  let key = "";
  const typed = { persona: "", name: "Jane Doe", email: "jane@example.com" };  // kept across redraws

  function form(state, user, refresh) {
    const personas = state.personas || [];
    if (!personas.length) return el("p", { class: "hint" }, "Create a persona first (/tavus persona), then run the example workflow.");
    if (!personas.includes(typed.persona)) typed.persona = personas[0];
    const field = (name, label) => el("label", { class: "wf-field" }, label,
      el("input", { id: `wf-${name}`, value: typed[name], oninput: (e) => { typed[name] = e.target.value; } }));
    const picker = el("select", { id: "wf-persona", onchange: (e) => { typed.persona = e.target.value; } },
      personas.map((p) => el("option", { value: p, selected: p === typed.persona }, p)));
    const notice = el("div", { class: "hint", id: "wf-notice" });
    return el("div", { class: "wf-form" },
      el("label", { class: "wf-field" }, "Persona", picker), field("name", "Candidate's name"), field("email", "Candidate's email"),
      el("button", { type: "button", id: "wf-run", onclick: async () => {
        const response = await fetch("/pg/workflow", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ user, persona: typed.persona, name: typed.name, email: typed.email, channel: "C0HIRING1" }) });
        notice.textContent = response.ok ? "" : (await response.json()).error;
        refresh();
      } }, "Run the example workflow"), notice);
  }

  function outputs(values) {
    return Object.entries(values).map(([name, value]) => el("div", { class: "wf-output" }, `${name}: `,
      typeof value === "string" && value.startsWith("http")
        ? el("a", { href: value, target: "_blank", rel: "noopener", "data-output": name }, name === "candidate_link" ? "open as the candidate" : value)
        : el("code", { "data-output": name }, String(value))));
  }

  function run(r, index) {
    return el("div", { class: "call workflow", "data-workflow": String(index) },
      el("div", {}, el("b", {}, `Run ${index + 1}`), ` · ${r.state}`),
      r.error ? el("div", { class: "wf-error" }, r.error) : null,
      el("ol", {}, r.steps.map((s) => el("li", { class: `wf-step ${s.state.replace(" ", "-")}` },
        el("span", {}, `${s.title} · ${s.state}`), outputs(s.outputs)))));
  }

  function render(state, user, refresh) {
    const next = JSON.stringify([state.workflows, state.personas, user]);
    if (next === key) return;
    key = next;
    document.getElementById("workflows").replaceChildren(
      form(state, user, refresh), ...(state.workflows || []).map(run).reverse());
  }

  return { render };
})();
