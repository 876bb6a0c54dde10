// mocksandbox inspector: reads and drives the /_mock control API of the
// mock that serves this page. Plain JavaScript, no dependencies, and no
// request leaves this origin.
"use strict";

(function () {
  const REFRESH_MS = 2000;
  const MAX_ROWS = 200;
  const TOKEN_KEY = "mocksandbox.adminToken";

  const ui = {
    view: "accounts",
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    state: null, // GET /_mock/state
    stateJSON: "",
    account: null, // selected account id
    customer: null, // selected customer id
    filter: "",
    journalJSON: "",
    open: new Set(), // keys of expanded journal rows
    faultsJSON: "",
    snapshotsJSON: "",
    authFailed: false,
    busy: false,
  };

  // ---- DOM helpers -------------------------------------------------------

  const $ = (sel) => document.querySelector(sel);

  // h builds an element: h("td", {class: "x", title: "y"}, "text", child).
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  const pad = (n, w = 2) => String(n).padStart(w, "0");

  // time renders an RFC 3339 UTC time in local time, with the UTC value on
  // hover. withDate adds the date; ms adds milliseconds.
  function time(iso, { withDate = true, ms = false } = {}) {
    if (!iso) return h("span", { class: "muted" }, "—");
    const d = new Date(iso);
    if (isNaN(d)) return h("span", {}, iso);
    let text = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (ms) text += "." + pad(d.getMilliseconds(), 3);
    if (withDate) text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${text}`;
    return h("time", { datetime: iso, title: iso.replace(/Z$/, "") + " UTC" }, text);
  }

  function notice(text, kind = "ok") {
    const n = $("#notice");
    n.textContent = text;
    n.className = "notice notice-" + kind;
    n.hidden = false;
    clearTimeout(notice.timer);
    if (kind === "ok") notice.timer = setTimeout(() => (n.hidden = true), 4000);
  }

  function clearNotice() {
    $("#notice").hidden = true;
  }

  // ---- the control API ----------------------------------------------------

  class APIError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (ui.token) headers.Authorization = "Bearer " + ui.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (err) {
      throw new APIError(0, "The mock is not answering (" + err.message + "). Is it still running?");
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = null;
    }
    if (res.status === 401) {
      ui.authFailed = true;
      $("#admin-token").setAttribute("aria-invalid", "true");
      throw new APIError(401, ui.token
        ? "The admin token was refused. Type the value of --admin-token and press Use."
        : "This mock was started with --admin-token. Type its value above and press Use.");
    }
    if (!res.ok) {
      const desc = data && (data.description || data.message);
      throw new APIError(res.status, `${method} ${path} answered ${res.status}${desc ? ": " + desc : ""}`);
    }
    if (ui.authFailed) {
      ui.authFailed = false;
      $("#admin-token").removeAttribute("aria-invalid");
      clearNotice();
    }
    return data;
  }

  // act runs a user action, reports its outcome and refreshes the page.
  async function act(button, fn, done) {
    if (button) button.disabled = true;
    try {
      await fn();
      if (done) notice(done);
      await refresh(true);
    } catch (err) {
      notice(err.message, "error");
    } finally {
      if (button) button.disabled = false;
    }
  }

  // ---- accounts -----------------------------------------------------------

  async function loadState(force) {
    const state = await api("GET", "/_mock/state");
    const json = JSON.stringify(state);
    if (!force && json === ui.stateJSON) return;
    ui.state = state;
    ui.stateJSON = json;
    const accounts = state.accounts || [];
    if (!accounts.some((a) => a.id === ui.account)) ui.account = accounts.length ? accounts[0].id : null;
    renderAccounts();
    renderAccountSelects();
  }

  const resellerDomain = (r) => (r.domainPrefix ? r.domainPrefix + ".onmicrosoft.com" : "");

  function usage(label, used, max) {
    const unlimited = max === null || max === undefined;
    const pct = unlimited ? 0 : max === 0 ? 100 : Math.min(100, (used / max) * 100);
    const level = unlimited ? "none" : pct >= 100 ? "full" : pct >= 80 ? "high" : "ok";
    const fill = h("span", { class: "fill" });
    fill.style.width = pct + "%";
    return h("div", { class: "usage", dataset: { kind: label.toLowerCase() } },
      h("span", { class: "usage-label" }, label),
      h("span", {
        class: "bar bar-" + level,
        role: "meter",
        "aria-label": label + " used",
        "aria-valuemin": "0",
        "aria-valuemax": unlimited ? null : String(max),
        "aria-valuenow": String(used),
        "aria-valuetext": unlimited ? `${used}, no limit` : `${used} of ${max}`,
      }, fill),
      h("span", { class: "usage-count" }, unlimited ? `${used} / no limit` : `${used} / ${max}`));
  }

  function kindBadge(kind) {
    return h("span", { class: "badge badge-" + (kind === "primary" ? "primary" : "sandbox") }, kind || "sandbox");
  }

  function renderAccounts() {
    const accounts = (ui.state && ui.state.accounts) || [];
    $("#state-meta").textContent = accounts.length === 1 ? "1 account" : `${accounts.length} accounts`;
    const list = $("#account-list");
    const focused = document.activeElement && document.activeElement.dataset.account;
    list.replaceChildren(...accounts.map((a) => {
      const limits = a.limits || {};
      const selected = a.id === ui.account;
      const card = h("button", {
        type: "button",
        class: "account-card" + (selected ? " selected" : ""),
        "aria-pressed": selected ? "true" : "false",
        dataset: { account: a.id },
        onclick: () => selectAccount(a.id),
      },
      h("span", { class: "account-title" }, h("span", { class: "account-name" }, a.name || a.domain), kindBadge(a.kind)),
      h("span", { class: "account-domain" }, a.domain),
      h("span", { class: "account-id mono", title: "Tenant id" }, a.id),
      usage("Resellers", (a.resellers || []).length, limits.resellers),
      usage("Customers", (a.customers || []).length, limits.customers));
      return h("div", { role: "listitem" }, card);
    }));
    if (!accounts.length) list.append(h("p", { class: "empty" }, "No accounts. A request with an unknown bearer token creates one in permissive mode."));
    if (focused) {
      const again = list.querySelector(`[data-account="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
    renderAccountDetail();
  }

  function selectAccount(id) {
    if (ui.account !== id) ui.customer = null;
    ui.account = id;
    renderAccounts();
    if (window.matchMedia("(max-width: 860px)").matches) $("#account-title").scrollIntoView({ block: "start" });
  }

  function matches(filter, ...values) {
    if (!filter) return true;
    return values.some((v) => v && String(v).toLowerCase().includes(filter));
  }

  function renderAccountDetail() {
    const pane = $("#account-detail");
    const a = ui.state && (ui.state.accounts || []).find((x) => x.id === ui.account);
    pane.parentElement.hidden = !a;
    if (!a) {
      pane.replaceChildren();
      return;
    }
    const filter = ui.filter.trim().toLowerCase();
    const resellers = a.resellers || [];
    const customers = a.customers || [];
    const byId = new Map(resellers.map((r) => [r.id, r]));
    const limits = a.limits || {};

    const facts = h("dl", { class: "facts" },
      fact("Tenant id", h("span", { class: "mono" }, a.id), true),
      fact("Domain", a.domain, true),
      fact("Kind", a.kind),
      fact("MPN id", a.mpnId),
      fact("Country", a.country),
      fact("Subscriptions / customer", limits.subscriptionsPerCustomer ?? "no limit"),
      fact("Licenses / subscription", limits.licensesPerSubscription ?? "no limit"));

    const rs = resellers.filter((r) => matches(filter, r.mpnId, r.name, resellerDomain(r), r.id));
    const resellerRows = rs.map((r) => h("tr", { dataset: { reseller: r.id } },
      h("td", { "data-label": "PartnerID", class: "mono" }, r.mpnId),
      h("td", { "data-label": "Name" }, r.name),
      h("td", { "data-label": "Domain" }, resellerDomain(r)),
      h("td", { "data-label": "Customers", class: "num" }, customers.filter((c) => c.associatedPartnerId === r.id).length),
      h("td", { "data-label": "Created" }, time(r.createdAt))));

    const cs = customers.filter((c) => {
      const r = byId.get(c.associatedPartnerId);
      return matches(filter, c.domain, c.companyName, c.id, r && r.name, r && r.mpnId);
    });
    const customerRows = cs.map((c) => {
      const r = byId.get(c.associatedPartnerId);
      const selected = c.id === ui.customer;
      return h("tr", { class: selected ? "selected" : null, dataset: { customer: c.id } },
        h("td", { "data-label": "Domain" }, h("button", {
          type: "button",
          class: "link",
          "aria-expanded": selected ? "true" : "false",
          "aria-controls": "customer-detail",
          onclick: () => {
            ui.customer = selected ? null : c.id;
            renderAccountDetail();
            const again = document.querySelector(`tr[data-customer="${CSS.escape(c.id)}"] button`);
            if (again) again.focus();
            if (ui.customer) $("#customer-detail").scrollIntoView({ block: "nearest" });
          },
        }, c.domain)),
        h("td", { "data-label": "Company" }, c.companyName),
        h("td", { "data-label": "Reseller" }, r ? `${r.name} (${r.mpnId})` : c.associatedPartnerId
          ? h("span", { class: "muted" }, c.associatedPartnerId) : h("span", { class: "muted" }, "direct")),
        h("td", { "data-label": "Created" }, time(c.createdAt)));
    });

    const customer = customers.find((c) => c.id === ui.customer);

    $("#account-title").replaceChildren(a.name || a.domain, " ", kindBadge(a.kind));
    pane.replaceChildren(
      facts,
      h("section", { class: "card table-card", "aria-labelledby": "resellers-title" },
        h("h3", { id: "resellers-title" }, "Resellers ", h("span", { class: "count" }, countText(rs.length, resellers.length))),
        rs.length ? table(["PartnerID", "Name", "Domain", "Customers", "Created"], resellerRows, "resellers-table")
          : h("p", { class: "empty" }, resellers.length ? "No reseller matches the filter." : "No resellers.")),
      h("section", { class: "card table-card", "aria-labelledby": "customers-title" },
        h("h3", { id: "customers-title" }, "Customers ", h("span", { class: "count" }, countText(cs.length, customers.length))),
        cs.length ? table(["Domain", "Company", "Reseller", "Created"], customerRows, "customers-table")
          : h("p", { class: "empty" }, customers.length ? "No customer matches the filter." : "No customers.")),
      ...(customer ? [customerDetail(customer, byId.get(customer.associatedPartnerId))] : []));
  }

  const countText = (shown, all) => (shown === all ? String(all) : `${shown} of ${all}`);

  function fact(label, value, wide) {
    return h("div", { class: wide ? "fact fact-wide" : "fact" },
      h("dt", {}, label), h("dd", {}, value === undefined || value === null || value === "" ? "—" : value));
  }

  function table(headings, rows, id) {
    return h("div", { class: "table-wrap" }, h("table", { id, class: "data" },
      h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)));
  }

  function customerDetail(c, r) {
    const bp = c.billingProfile || {};
    const addr = bp.defaultAddress || {};
    const address = [addr.addressLine1, addr.addressLine2, addr.city, addr.state, addr.postalCode, addr.country]
      .filter(Boolean).join(", ");
    const contact = [addr.firstName, addr.lastName].filter(Boolean).join(" ");
    const subs = c.subscriptions || [];
    return h("section", { class: "card customer-detail", id: "customer-detail", "aria-labelledby": "customer-title" },
      h("div", { class: "list-head" },
        h("h3", { id: "customer-title" }, c.companyName || c.domain),
        h("button", { type: "button", class: "btn btn-quiet", onclick: () => { ui.customer = null; renderAccountDetail(); } }, "Close")),
      h("dl", { class: "facts" },
        fact("Customer id", h("span", { class: "mono" }, c.id), true),
        fact("Domain", c.domain, true),
        fact("Company", c.companyName),
        fact("Reseller", r ? `${r.name} — PartnerID ${r.mpnId}` : c.associatedPartnerId || "direct customer"),
        fact("Commerce id", c.commerceId && h("span", { class: "mono" }, c.commerceId), true),
        fact("Created", time(c.createdAt)),
        fact("Billing email", bp.email, true),
        fact("Contact", contact),
        fact("Address", address, true),
        fact("Culture", [bp.culture, bp.language].filter(Boolean).join(" / ")),
        fact("Orders", (c.orders || []).length),
        fact("Subscriptions", subs.length)),
      subs.length ? h("div", { class: "card table-card sub-table" },
        h("h3", { id: "subscriptions-title" }, "Subscriptions ", h("span", { class: "count" }, subs.length)),
        table(["Offer", "Name", "Quantity", "Status", "Term", "Partner", "Created"], subs.map((sub) =>
          h("tr", { dataset: { subscription: sub.id } },
            h("td", { "data-label": "Offer", class: "mono" }, sub.offerId),
            h("td", { "data-label": "Name" }, sub.friendlyName || h("span", { class: "muted" }, "—")),
            h("td", { "data-label": "Quantity", class: "num" }, sub.quantity),
            h("td", { "data-label": "Status" }, h("span", { class: "sub-status sub-" + (sub.status || "active") }, sub.status || "active")),
            h("td", { "data-label": "Term" }, [sub.termDuration, sub.billingCycle].filter(Boolean).join(", ") || "—"),
            h("td", { "data-label": "Partner", class: "mono", title: "Partner of record (PartnerID)" }, sub.partnerId || "—"),
            h("td", { "data-label": "Created" }, time(sub.createdAt)))), "subscriptions-table")) : null,
      h("details", { class: "raw" }, h("summary", {}, "As stored (fixture format)"), h("pre", { class: "code" }, JSON.stringify(c, null, 2))));
  }

  function renderAccountSelects() {
    const accounts = (ui.state && ui.state.accounts) || [];
    for (const [sel, any] of [["#fault-account", "Any"], ["#reset-account", null]]) {
      const select = $(sel);
      const value = select.value;
      const options = accounts.map((a) => h("option", { value: a.id }, `${a.name || a.domain} (${a.kind})`));
      select.replaceChildren(...(any ? [h("option", { value: "" }, any)] : []), ...options);
      if ([...select.options].some((o) => o.value === value)) select.value = value;
    }
  }

  // ---- traffic ------------------------------------------------------------

  function journalQuery() {
    const q = new URLSearchParams();
    for (const [id, name] of [["#f-correlation", "correlationId"], ["#f-request", "requestId"], ["#f-status", "status"], ["#f-path", "path"]]) {
      const v = $(id).value.trim();
      if (v) q.set(name, v);
    }
    const s = q.toString();
    return s ? "?" + s : "";
  }

  const entryKey = (e) => `${e.time}|${e.requestId}|${e.method}|${e.path}`;

  async function loadJournal(force) {
    const data = await api("GET", "/_mock/requests" + journalQuery());
    const json = JSON.stringify(data);
    if (!force && json === ui.journalJSON) return;
    ui.journalJSON = json;
    renderJournal(data.items || []);
  }

  function statusClass(s) {
    if (s === 429) return "s429";
    if (s >= 500) return "s5xx";
    if (s >= 400) return "s4xx";
    if (s >= 300) return "s3xx";
    return "s2xx";
  }

  function prettyBody(text) {
    if (!text) return null;
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (_) {
      return text;
    }
  }

  function renderJournal(items) {
    const filtered = journalQuery() !== "";
    $("#traffic-meta").textContent = `${items.length} ${items.length === 1 ? "request" : "requests"}${filtered ? " match" : ""}` +
      (items.length > MAX_ROWS ? `, showing the newest ${MAX_ROWS}` : "");
    const list = $("#journal");
    const focusedKey = document.activeElement && document.activeElement.closest && document.activeElement.closest("details.entry")
      ? document.activeElement.closest("details.entry").dataset.key : null;
    if (!items.length) {
      list.replaceChildren(h("p", { class: "empty" }, filtered ? "No request matches the filters." : "No requests yet. Calls to /v1 and the token routes appear here."));
      return;
    }
    list.replaceChildren(h("div", { class: "entry-head", "aria-hidden": "true" },
      h("span", {}, "Time"), h("span", {}, "Method"), h("span", {}, "Path"), h("span", {}, ""), h("span", {}, "Status"), h("span", { class: "num" }, "ms")),
    ...items.slice(0, MAX_ROWS).map((e) => {
      const key = entryKey(e);
      const marks = [];
      if (e.fault) marks.push(h("span", { class: "mark-badge mark-fault", title: "A fault rule fired on this request" }, "fault: " + e.fault));
      if (e.replayed) marks.push(h("span", { class: "mark-badge mark-replay", title: "Answered from the idempotency store (X-Mocksandbox-Replayed: true)" }, "replayed"));
      const row = h("details", { class: "entry" + (e.fault ? " has-fault" : "") + (e.replayed ? " has-replay" : ""), dataset: { key, correlation: e.correlationId, status: e.status } },
        h("summary", {},
          h("span", { class: "c-time" }, time(e.time, { withDate: false, ms: true })),
          h("span", { class: "c-method method-" + e.method.toLowerCase() }, e.method),
          h("span", { class: "c-path mono", title: e.path + (e.query ? "?" + e.query : "") }, e.path, e.query ? h("span", { class: "query" }, "?" + e.query) : null),
          h("span", { class: "c-marks" }, marks),
          h("span", { class: "c-status" }, h("span", { class: "status " + statusClass(e.status) }, e.status || "—")),
          h("span", { class: "c-dur num" }, typeof e.durationMs === "number" ? e.durationMs.toFixed(1) : "")),
        h("div", { class: "entry-body" },
          h("dl", { class: "facts facts-tight" },
            fact("Time", time(e.time, { ms: true }), true),
            fact("Correlation id", h("span", { class: "mono" }, e.correlationId), true),
            fact("Request id", h("span", { class: "mono" }, e.requestId), true),
            fact("Account", e.account ? h("span", { class: "mono" }, e.account) : "—", true),
            fact("Duration", typeof e.durationMs === "number" ? e.durationMs + " ms" : "—"),
            e.fault ? fact("Fault", e.fault) : null,
            e.replayed ? fact("Replayed", "the stored answer of an earlier request with this MS-RequestId", true) : null),
          h("div", { class: "bodies" },
            h("div", { class: "body-block" }, h("h4", {}, "Request headers"), headerTable(e.requestHeaders || {})),
            h("div", { class: "body-block" }, h("h4", {}, "Request body"), bodyBlock(e.requestBody)),
            h("div", { class: "body-block body-wide" }, h("h4", {}, "Response body ", h("span", { class: "status " + statusClass(e.status) }, e.status)), bodyBlock(e.responseBody)))));
      if (ui.open.has(key)) row.open = true;
      row.addEventListener("toggle", () => (row.open ? ui.open.add(key) : ui.open.delete(key)));
      return row;
    }));
    if (focusedKey) {
      const again = list.querySelector(`details.entry[data-key="${CSS.escape(focusedKey)}"] summary`);
      if (again) again.focus();
    }
  }

  function headerTable(headers) {
    const names = Object.keys(headers).sort();
    if (!names.length) return h("p", { class: "empty" }, "none");
    return h("table", { class: "headers" }, h("tbody", {}, names.map((n) =>
      h("tr", {}, h("th", { scope: "row" }, n), h("td", { class: "mono" }, headers[n])))));
  }

  function bodyBlock(text) {
    const pretty = prettyBody(text);
    return pretty ? h("pre", { class: "code" }, pretty) : h("p", { class: "empty" }, "empty");
  }

  // ---- control ------------------------------------------------------------

  async function loadControl(force) {
    const [faults, snapshots] = await Promise.all([api("GET", "/_mock/faults"), api("GET", "/_mock/snapshots")]);
    const fj = JSON.stringify(faults);
    if (force || fj !== ui.faultsJSON) {
      ui.faultsJSON = fj;
      renderFaults(faults.items || []);
    }
    const sj = JSON.stringify(snapshots);
    if (force || sj !== ui.snapshotsJSON) {
      ui.snapshotsJSON = sj;
      renderSnapshots(snapshots.items || []);
    }
    if (!ui.state) await loadState(true);
  }

  function accountName(id) {
    const a = ui.state && (ui.state.accounts || []).find((x) => x.id.toLowerCase() === String(id).toLowerCase());
    return a ? a.name || a.domain : id;
  }

  function describeFault(f) {
    switch (f.action) {
      case "status": return f.status === 429 ? `429 throttle, Retry-After ${f.retryAfter}s` : `${f.status} error (code ${f.code})`;
      case "delay": return `delay ${f.delayMs} ms`;
      case "drop-after-commit": return "drop after commit";
      default: return f.action;
    }
  }

  function renderFaults(items) {
    const list = $("#fault-list");
    $("#faults-clear").disabled = !items.length;
    if (!items.length) {
      list.replaceChildren(h("p", { class: "empty" }, "No fault rules: every request is served normally."));
      return;
    }
    list.replaceChildren(table(["Fault", "Method", "Route", "Account", "Left", ""], items.map((f) =>
      h("tr", { class: f.remaining ? null : "spent", dataset: { fault: f.id } },
        h("td", { "data-label": "Fault" }, describeFault(f)),
        h("td", { "data-label": "Method" }, f.method || "any"),
        h("td", { "data-label": "Route", class: "mono" }, f.path || "any"),
        h("td", { "data-label": "Account" }, f.account ? accountName(f.account) : "any"),
        h("td", { "data-label": "Left", class: "num" }, `${f.remaining} of ${f.times}`),
        h("td", { class: "actions" }, h("button", {
          type: "button",
          class: "btn btn-quiet",
          "aria-label": `Remove rule: ${describeFault(f)} on ${f.method || "any method"} ${f.path || "any route"}`,
          onclick: (ev) => act(ev.currentTarget, () => api("DELETE", "/_mock/faults/" + encodeURIComponent(f.id)), "Fault rule removed."),
        }, "Remove")))), "fault-table"));
  }

  function renderSnapshots(items) {
    const list = $("#snapshot-list");
    if (!items.length) {
      list.replaceChildren(h("p", { class: "empty" }, "No snapshots yet."));
      return;
    }
    list.replaceChildren(h("ul", { class: "snapshots" }, items.map((s) =>
      h("li", { dataset: { snapshot: s.name } },
        h("span", { class: "snap-info" }, h("span", { class: "snap-name mono" }, s.name), h("span", { class: "snap-time" }, "saved ", time(s.created))),
        h("button", {
          type: "button",
          class: "btn",
          "aria-label": "Restore snapshot " + s.name,
          onclick: (ev) => act(ev.currentTarget, () => api("POST", `/_mock/snapshots/${encodeURIComponent(s.name)}/restore`), `Restored snapshot “${s.name}”.`),
        }, "Restore")))));
  }

  function syncFaultForm() {
    const kind = $("#fault-kind").value;
    for (const f of document.querySelectorAll("#fault-form [data-for]")) f.hidden = !f.dataset.for.split(" ").includes(kind);
    const times = $("#fault-times");
    if (kind === "delay") times.removeAttribute("max");
    else {
      times.max = "3";
      if (Number(times.value) > 3) times.value = "3";
    }
  }

  function faultBody() {
    const kind = $("#fault-kind").value;
    const body = {};
    const method = $("#fault-method").value;
    const path = $("#fault-path").value.trim();
    const account = $("#fault-account").value;
    if (method) body.method = method;
    if (path) body.path = path;
    if (account) body.account = account;
    body.times = Number($("#fault-times").value || 1);
    switch (kind) {
      case "429":
        body.status = 429;
        body.retryAfter = Number($("#fault-retry").value || 1);
        break;
      case "5xx":
        body.status = Number($("#fault-status").value);
        break;
      case "delay":
        body.action = "delay";
        body.delayMs = Number($("#fault-delay").value || 0);
        break;
      case "drop":
        body.action = "drop-after-commit";
        break;
    }
    return body;
  }

  // ---- views and refresh --------------------------------------------------

  function showView(view, focus) {
    if (!["accounts", "traffic", "control"].includes(view)) view = "accounts";
    ui.view = view;
    if ($("#notice").classList.contains("notice-ok")) clearNotice();
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.view === view;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    for (const panel of document.querySelectorAll('[role="tabpanel"]')) panel.hidden = panel.id !== "view-" + view;
    if (location.hash !== "#" + view) history.replaceState(null, "", "#" + view);
    refresh(true);
  }

  async function refresh(force) {
    if (ui.busy && !force) return;
    ui.busy = true;
    try {
      if (ui.view === "accounts") await loadState(force);
      else if (ui.view === "traffic") await loadJournal(force);
      else await loadControl(force);
    } catch (err) {
      notice(err.message, "error");
    } finally {
      ui.busy = false;
    }
  }

  function tick() {
    if (document.hidden) return;
    if (ui.view === "traffic" && !$("#f-live").checked) return;
    refresh(false);
  }

  function debounce(fn, ms) {
    let t;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  function init() {
    $("#admin-token").value = ui.token;

    $("#token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      ui.token = $("#admin-token").value.trim();
      if (ui.token) sessionStorage.setItem(TOKEN_KEY, ui.token);
      else sessionStorage.removeItem(TOKEN_KEY);
      clearNotice();
      ui.stateJSON = ui.journalJSON = ui.faultsJSON = ui.snapshotsJSON = "";
      refresh(true);
    });

    const tabs = [...document.querySelectorAll('[role="tab"]')];
    for (const tab of tabs) {
      tab.addEventListener("click", () => showView(tab.dataset.view));
      tab.addEventListener("keydown", (e) => {
        const i = tabs.indexOf(tab);
        let next = null;
        if (e.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
        else if (e.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
        else if (e.key === "Home") next = tabs[0];
        else if (e.key === "End") next = tabs[tabs.length - 1];
        if (next) {
          e.preventDefault();
          showView(next.dataset.view, true);
        }
      });
    }
    window.addEventListener("hashchange", () => showView(location.hash.slice(1)));

    const accountFilter = $("#account-filter");
    const refilter = () => {
      if (ui.filter === accountFilter.value) return;
      ui.filter = accountFilter.value;
      renderAccountDetail();
    };
    accountFilter.addEventListener("input", refilter);
    accountFilter.addEventListener("change", refilter);

    const filters = $("#traffic-filters");
    const reload = debounce(() => refresh(true), 250);
    filters.addEventListener("input", reload);
    filters.addEventListener("change", reload);
    filters.addEventListener("submit", (e) => {
      e.preventDefault();
      refresh(true);
    });
    $("#traffic-refresh").addEventListener("click", () => refresh(true));

    $("#fault-kind").addEventListener("change", syncFaultForm);
    syncFaultForm();
    $("#fault-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const body = faultBody();
      act($("#fault-add"), () => api("POST", "/_mock/faults", body), "Fault rule added.");
    });
    $("#faults-clear").addEventListener("click", (e) =>
      act(e.currentTarget, () => api("DELETE", "/_mock/faults"), "All fault rules removed."));

    $("#reset-all").addEventListener("click", (e) =>
      act(e.currentTarget, async () => {
        await api("POST", "/_mock/reset");
        ui.customer = null;
        await loadState(true);
      }, "Everything is back to the fixture seed; fault rules were removed."));
    $("#reset-account-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("#reset-account").value;
      if (!id) return;
      act(e.submitter, async () => {
        await api("POST", "/_mock/reset?account=" + encodeURIComponent(id));
        await loadState(true);
      }, `Account ${accountName(id)} is back to its seed.`);
    });

    $("#snapshot-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("#snapshot-name");
      if (!input.reportValidity()) return;
      const name = input.value.trim();
      act(e.submitter, () => api("POST", "/_mock/snapshots/" + encodeURIComponent(name)), `Saved snapshot “${name}”.`);
    });

    $("#journal-clear").addEventListener("click", (e) =>
      act(e.currentTarget, async () => {
        await api("DELETE", "/_mock/requests");
        ui.open.clear();
      }, "The journal is empty."));

    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refresh(false);
    });
    setInterval(tick, REFRESH_MS);
    showView(location.hash.slice(1) || "accounts");
  }

  init();
})();
