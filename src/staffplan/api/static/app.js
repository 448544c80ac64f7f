// staffplan dashboard: plain ES2020, no build step, no network beyond this server's API.
// Every piece of data goes into the page through textContent / properties, never innerHTML.
"use strict";

(() => {
  const TOKEN_KEY = "staffplan.token";
  const POLL_MS = 1000;
  const TEAM_COLOURS = [
    "#1f6fb4", "#d9711c", "#2e8b57", "#8e44ad", "#b8860b", "#c0392b",
    "#16a2b8", "#6d6d6d", "#7a5c2e", "#d63384",
  ];
  const BREAK_COLOURS = { break: "#222222", lunch: "#7a7a7a" };
  const COLOURS = {
    calls: "#1f6fb4",
    required: "#c0392b",
    scheduled: "#2e8b57",
    service: "#1f6fb4",
    band: "#9bb8d3",
    target: "#c0392b",
  };

  const state = {
    plans: [],
    planId: null,
    record: null,
    doc: null,
    seq: { plan: 0, charts: 0, roster: 0 },
    job: null,
    scenarioPlanId: null,
  };
  const charts = {};
  window.staffplanCharts = charts;
  window.staffplan = { state, charts };

  const $ = (id) => document.getElementById(id);
  const num = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  const num1 = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const num2 = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function option(value, text, selected) {
    const node = document.createElement("option");
    node.value = value;
    node.textContent = text;
    if (selected) node.selected = true;
    return node;
  }

  function setOptions(select, items, wanted) {
    select.replaceChildren(...items.map(([value, text]) => option(value, text, value === wanted)));
    if (wanted !== undefined && !items.some(([value]) => value === wanted) && items.length) {
      select.value = items[0][0];
    }
  }

  function showMessage(id, text) {
    const node = $(id);
    node.textContent = text || "";
    if (node.hasAttribute("role") && node.getAttribute("role") === "alert") node.hidden = !text;
  }

  // ---------------------------------------------------------------- formatting
  const fmt = {
    pct: (v) => (v === null || v === undefined ? "–" : `${num1.format(v * 100)}\u00a0%`),
    pp: (v) => (v === null || v === undefined ? "–" : `${v > 0 ? "+" : ""}${num1.format(v * 100)}\u00a0pp`),
    hours: (v) => (v === null || v === undefined ? "–" : `${num1.format(v)}\u00a0h`),
    secs: (v) => (v === null || v === undefined ? "–" : `${num1.format(v)}\u00a0s`),
    int: (v) => (v === null || v === undefined ? "–" : num.format(v)),
    one: (v) => (v === null || v === undefined ? "–" : num1.format(v)),
    money: (v) => (v === null || v === undefined ? "–" : num.format(v)),
  };

  function threshold(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds >= 3600) return `${num1.format(seconds / 3600)} h`;
    return `${num.format(seconds)} s`;
  }

  // Wall-clock parts of an ISO timestamp in the plan's local time. The API writes local
  // offsets (e.g. +02:00), so the text is already the centre's wall clock; UTC ("Z") values
  // are converted with the plan's time zone.
  const ISO_LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:?\d{2})$/;
  function wallClock(iso) {
    const match = ISO_LOCAL.exec(iso || "");
    if (match) {
      const hours = Number(match[2]) + Number(match[3]) / 60;
      return { date: match[1], hm: `${match[2]}:${match[3]}`, hours };
    }
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return { date: String(iso), hm: "", hours: 0 };
    const zone = (state.doc && state.doc.timezone) || undefined;
    let parts;
    try {
      parts = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      }).formatToParts(when);
    } catch (_err) {
      parts = new Intl.DateTimeFormat("en-CA", {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
        hourCycle: "h23",
      }).formatToParts(when);
    }
    const get = (type) => (parts.find((p) => p.type === type) || {}).value || "00";
    return {
      date: `${get("year")}-${get("month")}-${get("day")}`,
      hm: `${get("hour")}:${get("minute")}`,
      hours: Number(get("hour")) + Number(get("minute")) / 60,
    };
  }

  function dayLabel(date) {
    const [y, m, d] = date.split("-").map(Number);
    if (!y || !m || !d) return date;
    const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    return `${DAYS[weekday]} ${d} ${MONTHS[m - 1]}`;
  }

  function stamp(iso) {
    if (!iso) return "–";
    const wall = wallClock(iso);
    return `${dayLabel(wall.date)} ${wall.date.slice(0, 4)} ${wall.hm}`;
  }

  // Creation times are instants (UTC in the store): shown in UTC everywhere so the picker and
  // the plan details agree whatever plan is open.
  function createdText(iso) {
    const when = new Date(iso);
    if (!iso || Number.isNaN(when.getTime())) return iso ? String(iso) : "–";
    const text = when.toISOString();
    return `${dayLabel(text.slice(0, 10))} ${text.slice(0, 4)} ${text.slice(11, 16)} UTC`;
  }

  function horizonText(startIso, endIso) {
    const start = wallClock(startIso);
    const end = wallClock(endIso);
    if (start.hm === "00:00" && end.hm === "00:00") {
      const [y, m, d] = end.date.split("-").map(Number);
      const last = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
      const days = Math.round((Date.UTC(y, m - 1, d) - Date.parse(`${start.date}T00:00:00Z`)) / 86400000);
      return `${dayLabel(start.date)} to ${dayLabel(last)} ${last.slice(0, 4)} (${days}\u00a0days)`;
    }
    return `${stamp(startIso)} to ${stamp(endIso)}`;
  }

  function hourLabel(hours) {
    const h = Math.floor(hours + 1e-9);
    const m = Math.round((hours - h) * 60);
    return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
  }

  // ---------------------------------------------------------------- API
  class ApiError extends Error {
    constructor(status, detail) {
      super(`HTTP ${status}`);
      this.status = status;
      this.detail = detail;
    }
  }

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      throw new ApiError(0, `could not reach the server (${err.message})`);
    }
    let body = null;
    const text = await response.text();
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (_err) {
        body = text;
      }
    }
    if (!response.ok) {
      const detail = body && typeof body === "object" && "detail" in body ? body.detail : body;
      throw new ApiError(response.status, detail);
    }
    return body;
  }

  function detailText(detail) {
    if (detail === null || detail === undefined || detail === "") return "";
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((item) => {
          if (item && typeof item === "object") {
            const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== "body").join(".") : "";
            return loc ? `${loc}: ${item.msg}` : String(item.msg || JSON.stringify(item));
          }
          return String(item);
        })
        .join("; ");
    }
    return JSON.stringify(detail);
  }

  function describeError(err, what) {
    if (!(err instanceof ApiError)) return `${what}: ${err && err.message ? err.message : err}`;
    const detail = detailText(err.detail);
    switch (err.status) {
      case 0:
        return `${what}: ${detail}.`;
      case 401:
        return `${what}: not authorised (HTTP 401). The API token is missing or wrong; enter the token the server was started with.`;
      case 404:
        return `${what}: not found (HTTP 404)${detail ? ` - ${detail}` : ""}.`;
      case 413:
        return `${what}: the request is too large (HTTP 413).`;
      case 422:
        return `${what}: the server rejected the input (HTTP 422) - ${detail || "invalid request"}.`;
      default:
        return `${what}: HTTP ${err.status}${detail ? ` - ${detail}` : ""}.`;
    }
  }

  const enc = encodeURIComponent;

  // ---------------------------------------------------------------- plans
  function planLabel(record) {
    const when = createdText(record.created_at);
    if (record.kind === "scenario") {
      const name = record.name || "what-if";
      return `Scenario "${name}" of ${record.parent_id || "?"} · ${when}`;
    }
    return `Plan ${record.id} · ${record.centre} · ${when}`;
  }

  async function loadPlans(wanted) {
    const plans = await api("/plans");
    plans.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    state.plans = plans;
    const select = $("plan-select");
    const current = wanted || state.planId || (plans[0] && plans[0].id);
    select.replaceChildren(
      ...plans.map((record) => {
        const node = option(record.id, planLabel(record), record.id === current);
        node.dataset.kind = record.kind;
        if (record.parent_id) node.dataset.parent = record.parent_id;
        return node;
      }),
    );
    if (!plans.length) {
      select.append(option("", "No plans in the store"));
      select.disabled = true;
    } else {
      select.disabled = false;
    }
    return plans;
  }

  async function loadPlan(planId) {
    const seq = ++state.seq.plan;
    state.planId = planId;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", `#plan=${enc(planId)}`);
    }
    showMessage("error", "");
    showMessage("status", `Loading plan ${planId}…`);
    document.body.dataset.state = "loading";
    let doc;
    try {
      doc = await api(`/plans/${enc(planId)}`);
    } catch (err) {
      showMessage("status", "");
      showMessage("error", describeError(err, `Loading plan ${planId}`));
      document.body.dataset.state = "error";
      return;
    }
    if (seq !== state.seq.plan) return;
    state.doc = doc;
    state.record = state.plans.find((r) => r.id === planId) || null;
    renderMeta();
    renderSummary();
    setupSelectors();
    const results = await Promise.allSettled([renderCharts(), renderRoster(), renderRecommendations()]);
    if (seq !== state.seq.plan) return;
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length) {
      showMessage("error", failed.map((r) => describeError(r.reason, "Loading the plan")).join(" "));
    }
    showMessage("status", "");
    document.body.dataset.state = "ready";
  }

  function scenarioText(scenario) {
    if (!scenario || typeof scenario !== "object") return "";
    const parts = [];
    for (const [key, value] of Object.entries(scenario)) {
      if (value === null || value === undefined) continue;
      if (key === "targets" && value && typeof value === "object") {
        const targets = Object.entries(value).map(([queue, target]) => {
          let level = null;
          let seconds = null;
          if (Array.isArray(target)) [level, seconds] = target;
          else if (target && typeof target === "object") ({ service_level: level, threshold_s: seconds } = target);
          else return `${queue} ${target}`;
          return `${queue} ${num.format(level * 100)}\u00a0% in ${threshold(seconds)}`;
        });
        parts.push(`targets: ${targets.join(", ") || "unchanged"}`);
      } else if (key === "volume_factor" || key === "aht_factor") {
        const pct = (Number(value) - 1) * 100;
        const what = key === "volume_factor" ? "volume" : "handle time";
        parts.push(`${what} ${pct >= 0 ? "+" : ""}${num1.format(pct)}\u00a0%`);
      } else if (key === "shrinkage" && typeof value === "number") {
        parts.push(`shrinkage ${fmt.pct(value)}`);
      } else if (key === "base_plan_id" || key === "name") {
        continue; // shown as "Based on plan" and in the picker
      } else if (typeof value === "object") {
        parts.push(`${key.replace(/_/g, " ")}: ${JSON.stringify(value)}`);
      } else {
        parts.push(`${key.replace(/_/g, " ")}: ${value === true ? "yes" : value === false ? "no" : value}`);
      }
    }
    return parts.join("; ");
  }

  function renderMeta() {
    const doc = state.doc;
    const record = state.record || {};
    const items = [
      ["Plan id", doc.plan_id],
      ["Kind", record.kind === "scenario" || doc.scenario ? "scenario" : "plan"],
    ];
    const parent = record.parent_id || (doc.scenario && doc.scenario.base_plan_id);
    if (parent) items.push(["Based on plan", parent]);
    if (doc.scenario) {
      items.push(["Scenario", `${record.name || doc.scenario.name || "what-if"}: ${scenarioText(doc.scenario)}`]);
    }
    items.push(
      ["Centre", doc.centre],
      ["Horizon", horizonText(doc.horizon_start, doc.horizon_end)],
      ["Time zone", doc.timezone || "not set (times as written)"],
      ["Created", createdText(doc.created_at)],
      ["Paid hours", fmt.hours(doc.paid_hours)],
      ["Cost", fmt.money(doc.cost)],
    );
    if (doc.solver) {
      const gap = doc.solver.gap === null || doc.solver.gap === undefined ? "" : `, gap ${fmt.pct(doc.solver.gap)}`;
      items.push(["Solver", `${doc.solver.solver}: ${doc.solver.status}${gap}`]);
    }
    $("plan-meta").replaceChildren(
      ...items.map(([term, value]) => el("div", { className: "meta-item" }, el("dt", {}, term), el("dd", {}, value))),
    );
    const files = (record.files || []).filter((name) => /\.(html|csv|ics|json|png|toml)$/.test(name));
    const links = files.map((name) =>
      el("a", { href: `/plans/${enc(doc.plan_id)}/files/${enc(name)}`, target: "_blank", rel: "noopener" }, name),
    );
    const box = $("plan-files");
    box.replaceChildren();
    if (links.length) {
      box.append("Files: ");
      links.forEach((link, i) => {
        if (i) box.append(" · ");
        box.append(link);
      });
    }
  }

  function renderSummary() {
    const body = $("summary-table").tBodies[0];
    const rows = state.doc.queues.map((q) => {
      const below =
        q.expected_service_level !== null && q.expected_service_level < q.target_service_level - 1e-9;
      const expected = el("td", { className: `num ${below ? "bad" : "good"}` }, fmt.pct(q.expected_service_level));
      if (q.expected_service_level !== null) {
        expected.append(el("span", { className: "flag" }, below ? " below target" : " meets target"));
      }
      return el(
        "tr",
        { dataset: { queue: q.queue } },
        el("th", { scope: "row" }, q.queue),
        el("td", {}, q.channel),
        el("td", { className: "num" }, fmt.int(q.calls)),
        el("td", { className: "num" }, `${fmt.pct(q.target_service_level)} in ${threshold(q.threshold_s)}`),
        expected,
        el("td", { className: "num" }, fmt.pct(q.expected_service_level_at_band)),
        el("td", { className: "num" }, fmt.hours(q.required_hours)),
        el("td", { className: "num" }, fmt.hours(q.scheduled_hours)),
        el("td", { className: "num" }, q.channel === "email" ? "–" : fmt.secs(q.asa_s)),
        el("td", { className: "num" }, fmt.pct(q.abandon_rate)),
        el("td", { className: "num" }, fmt.pct(q.occupancy)),
      );
    });
    body.replaceChildren(...rows);
  }

  function planDays() {
    const days = new Set();
    for (const row of state.doc.intervals || []) days.add(wallClock(row.interval_start).date);
    for (const shift of state.doc.roster || []) days.add(shift.date);
    return [...days].sort();
  }

  function setupSelectors() {
    const doc = state.doc;
    const queues = doc.queues.map((q) => q.queue);
    const keepQueue = $("queue-select").value;
    setOptions($("queue-select"), queues.map((q) => [q, q]), queues.includes(keepQueue) ? keepQueue : queues[0]);

    const days = planDays();
    const keepChartDay = $("chart-day-select").value;
    setOptions(
      $("chart-day-select"),
      [["", "Whole horizon"], ...days.map((d) => [d, dayLabel(d)])],
      days.includes(keepChartDay) ? keepChartDay : "",
    );

    const teams = [...new Set(doc.roster.map((s) => s.team).filter((t) => t))].sort();
    const keepTeam = $("team-filter").value;
    setOptions($("team-filter"), [["", "All teams"], ...teams.map((t) => [t, t])], teams.includes(keepTeam) ? keepTeam : "");

    const rosterDays = [...new Set(doc.roster.map((s) => s.date))].sort();
    const keepDay = $("day-filter").value;
    setOptions(
      $("day-filter"),
      [["", "All days"], ...rosterDays.map((d) => [d, dayLabel(d)])],
      rosterDays.includes(keepDay) ? keepDay : rosterDays[0] || "",
    );

    const keepWhatif = $("whatif-queue").value;
    setOptions(
      $("whatif-queue"),
      [["", "(keep all targets)"], ...queues.map((q) => [q, q])],
      queues.includes(keepWhatif) ? keepWhatif : "",
    );
    fillTarget();

    $("tz-hint").textContent = `Times are local to the centre${doc.timezone ? ` (${doc.timezone})` : ""}; ` +
      `one point per ${doc.interval_minutes}-minute interval.`;
  }

  // ---------------------------------------------------------------- charts
  function destroyChart(name) {
    if (charts[name]) {
      charts[name].destroy();
      delete charts[name];
    }
  }

  // Indexes of the rows to chart: per day, from the first to the last interval with contacts
  // or agents, so closed nights and closed days do not take half the chart.
  function openSpan(rows, walls) {
    const byDay = new Map();
    rows.forEach((r, i) => {
      if (!((r.calls || 0) > 0 || (r.required || 0) > 0 || (r.scheduled || 0) > 0)) return;
      const span = byDay.get(walls[i].date) || [i, i];
      byDay.set(walls[i].date, [Math.min(span[0], i), Math.max(span[1], i)]);
    });
    if (!byDay.size) return rows.map((_r, i) => i);
    const keep = [];
    for (const [lo, hi] of [...byDay.values()].sort((a, b) => a[0] - b[0])) {
      for (let i = lo; i <= hi; i += 1) keep.push(i);
    }
    return keep;
  }

  // Tick labels: whole hours on a one-day chart, the day at its first interval on a week chart.
  function tickTexts(walls, oneDay) {
    if (oneDay) {
      const hours = new Set(walls.map((w) => Math.floor(w.hours)));
      const step = hours.size > 14 ? 2 : 1;
      return walls.map((w) => (w.hm.endsWith(":00") && Math.floor(w.hours) % step === 0 ? w.hm : null));
    }
    return walls.map((w, i) => (i === 0 || walls[i - 1].date !== w.date ? dayLabel(w.date) : null));
  }

  function baseOptions(xTitle, yTitle, tickText, extra) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      normalized: true,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "top", labels: { boxWidth: 14 } },
        tooltip: { enabled: true },
      },
      scales: {
        x: {
          title: { display: true, text: xTitle },
          ticks: {
            autoSkip: false,
            maxRotation: 0,
            callback: (_value, index) => (tickText[index] === undefined ? null : tickText[index]),
          },
          grid: { color: "#eeeeee" },
        },
        y: {
          beginAtZero: true,
          title: { display: true, text: yTitle },
          grid: { color: "#e4e4e4" },
          ...(extra || {}),
        },
      },
    };
  }

  function contactNoun(channel) {
    return { voice: "calls", chat: "chats", email: "emails" }[channel] || "contacts";
  }

  async function renderCharts() {
    if (typeof window.Chart !== "function") throw new Error("the chart library did not load");
    const seq = ++state.seq.charts;
    const planId = state.planId;
    const queue = $("queue-select").value;
    const day = $("chart-day-select").value;
    if (!queue) return;
    const params = new URLSearchParams({ queue });
    if (day) params.set("date", day);
    let rows = await api(`/plans/${enc(planId)}/coverage?${params}`);
    if (seq !== state.seq.charts || planId !== state.planId) return;
    rows.sort((a, b) => String(a.interval_start).localeCompare(String(b.interval_start)));
    const walls = rows.map((r) => wallClock(r.interval_start));
    const kept = openSpan(rows, walls);
    rows = kept.map((i) => rows[i]);
    const wallsKept = kept.map((i) => walls[i]);

    const summary = state.doc.queues.find((q) => q.queue === queue) || {};
    const minutes = state.doc.interval_minutes;
    const noun = contactNoun(summary.channel);
    const labels = wallsKept.map((wall) => `${day ? "" : `${dayLabel(wall.date)} `}${wall.hm}`);
    const ticks = tickTexts(wallsKept, Boolean(day));
    const zone = state.doc.timezone ? `local time, ${state.doc.timezone}` : "local time";
    const xTitle = day
      ? `time of day on ${dayLabel(day)} (${zone})`
      : `day (${zone}); closed hours left out`;
    const pick = (key) => rows.map((r) => (r[key] === null || r[key] === undefined ? null : r[key]));
    const dayText = day ? dayLabel(day) : "whole horizon";

    $("forecast-caption").textContent = `Forecast ${noun}: ${queue}, ${dayText}`;
    $("agents-caption").textContent = `Required and scheduled agents: ${queue}, ${dayText}`;
    $("service-caption").textContent = `Expected service level against the target: ${queue}, ${dayText}`;

    destroyChart("forecast");
    charts.forecast = new window.Chart($("chart-forecast"), {
      type: "line",
      data: {
        labels,
        datasets: [
          {
            label: `forecast ${noun}`,
            data: pick("calls"),
            borderColor: COLOURS.calls,
            backgroundColor: "rgba(31,111,180,0.15)",
            fill: true,
            pointRadius: 0,
            borderWidth: 2,
            tension: 0.2,
          },
        ],
      },
      options: baseOptions(xTitle, `${noun} per ${minutes}-min interval`, ticks),
    });

    destroyChart("agents");
    charts.agents = new window.Chart($("chart-agents"), {
      type: "line",
      data: {
        labels,
        datasets: [
          {
            label: "scheduled agents",
            data: pick("scheduled"),
            borderColor: COLOURS.scheduled,
            backgroundColor: "rgba(46,139,87,0.18)",
            fill: true,
            stepped: "before",
            pointRadius: 0,
            borderWidth: 2,
          },
          {
            label: "required agents",
            data: pick("required"),
            borderColor: COLOURS.required,
            borderDash: [5, 3],
            stepped: "before",
            pointRadius: 0,
            borderWidth: 2,
            fill: false,
          },
        ],
      },
      options: baseOptions(xTitle, "agents", ticks),
    });

    const target = (summary.target_service_level || 0) * 100;
    const toPct = (key) => rows.map((r) => {
      // No contacts, no service level: leave a gap rather than a misleading 100 %.
      if (r[key] === null || r[key] === undefined || !(r.calls > 0)) return null;
      return Math.round(r[key] * 1000) / 10;
    });
    const datasets = [
      {
        label: "expected service level",
        data: toPct("service_level"),
        borderColor: COLOURS.service,
        backgroundColor: COLOURS.service,
        pointRadius: 0,
        borderWidth: 2,
        spanGaps: false,
      },
    ];
    if (rows.some((r) => r.service_level_hi !== null && r.service_level_hi !== undefined)) {
      datasets.push({
        label: "if the upper band of contacts arrives",
        data: toPct("service_level_hi"),
        borderColor: COLOURS.band,
        backgroundColor: COLOURS.band,
        pointRadius: 0,
        borderWidth: 1.5,
        spanGaps: false,
        hidden: true,
      });
    }
    datasets.push({
      label: `target ${num.format(target)} % in ${threshold(summary.threshold_s)}`,
      data: rows.map(() => target),
      borderColor: COLOURS.target,
      backgroundColor: COLOURS.target,
      borderDash: [8, 4],
      pointRadius: 0,
      borderWidth: 2,
    });
    destroyChart("service");
    charts.service = new window.Chart($("chart-service"), {
      type: "line",
      data: { labels, datasets },
      options: baseOptions(xTitle, "service level %", ticks, {
        min: 0,
        max: 100,
        ticks: { callback: (v) => `${v} %` },
      }),
    });
    $("charts-section").dataset.state = "ready";
  }

  // ---------------------------------------------------------------- roster
  function breaksText(shift) {
    return (shift.breaks || [])
      .map(([start, end, what]) => `${wallClock(start).hm}–${wallClock(end).hm} ${what}`)
      .join(", ");
  }

  async function renderRoster() {
    const seq = ++state.seq.roster;
    const planId = state.planId;
    const team = $("team-filter").value;
    const day = $("day-filter").value;
    const params = new URLSearchParams();
    if (team) params.set("team", team);
    if (day) params.set("date", day);
    const query = params.toString();
    const $section = $("roster-section");
    $section.dataset.state = "loading";
    const shifts = await api(`/plans/${enc(planId)}/roster${query ? `?${query}` : ""}`);
    if (seq !== state.seq.roster || planId !== state.planId) return;
    shifts.sort(
      (a, b) =>
        String(a.date).localeCompare(String(b.date)) ||
        String(a.shift_start).localeCompare(String(b.shift_start)) ||
        String(a.agent_id).localeCompare(String(b.agent_id)),
    );
    const rows = shifts.map((s) =>
      el(
        "tr",
        { dataset: { agent: s.agent_id, team: s.team || "", date: s.date } },
        el("td", {}, s.agent_id),
        el("td", {}, s.name || ""),
        el("td", {}, s.team || ""),
        el("td", {}, dayLabel(s.date)),
        el("td", {}, wallClock(s.shift_start).hm),
        el("td", {}, wallClock(s.shift_end).hm),
        el("td", { className: "num" }, fmt.one(s.paid_hours)),
        el("td", {}, (s.queues || []).join(" > ")),
        el("td", {}, breaksText(s)),
      ),
    );
    $("roster-table").tBodies[0].replaceChildren(...rows);
    const hours = shifts.reduce((sum, s) => sum + (s.paid_hours || 0), 0);
    $("roster-count").textContent =
      `${shifts.length} shift${shifts.length === 1 ? "" : "s"} shown, ${fmt.hours(hours)} paid` +
      ` (${team || "all teams"}, ${day ? dayLabel(day) : "all days"}).`;
    renderGantt(shifts, day);
    $section.dataset.state = "ready";
  }

  function renderGantt(shifts, day) {
    const ganttDay = day || (shifts[0] && shifts[0].date) || "";
    const todays = shifts.filter((s) => s.date === ganttDay);
    const zone = state.doc.timezone ? `local time, ${state.doc.timezone}` : "local time";
    $("gantt-caption").textContent = ganttDay
      ? `Shifts and breaks on ${dayLabel(ganttDay)}${day ? "" : " (first day; choose a day above)"}: ${todays.length} agents`
      : "Shifts and breaks: no shifts for this selection";
    destroyChart("gantt");
    const box = $("gantt-inner");
    box.style.height = `${Math.max(140, todays.length * 18 + 90)}px`;
    if (!todays.length) return;

    const labels = todays.map((s) => `${s.name || s.agent_id} (${s.agent_id})`);
    const teams = [...new Set(todays.map((s) => s.team || "no team"))].sort();
    const allTeams = [...new Set(state.doc.roster.map((s) => s.team || "no team"))].sort();
    const datasets = [];
    const activities = new Set();
    todays.forEach((s) => (s.breaks || []).forEach((b) => activities.add(b[2])));
    for (const activity of [...activities].sort()) {
      datasets.push({
        label: activity,
        data: todays.flatMap((s, i) =>
          (s.breaks || [])
            .filter((b) => b[2] === activity)
            .map(([start, end]) => ({ x: [wallClock(start).hours, wallClock(end).hours], y: labels[i] })),
        ),
        backgroundColor: BREAK_COLOURS[activity] || "#444444",
        grouped: false,
        order: 0,
        barPercentage: 0.55,
        categoryPercentage: 1,
      });
    }
    for (const team of teams) {
      const colour = TEAM_COLOURS[allTeams.indexOf(team) % TEAM_COLOURS.length];
      datasets.push({
        label: team,
        data: todays
          .map((s, i) => ({ s, i }))
          .filter(({ s }) => (s.team || "no team") === team)
          .map(({ s, i }) => ({ x: [wallClock(s.shift_start).hours, wallClock(s.shift_end).hours], y: labels[i] })),
        backgroundColor: colour,
        grouped: false,
        order: 1,
        barPercentage: 0.85,
        categoryPercentage: 1,
      });
    }
    let lo = Math.min(...todays.map((s) => wallClock(s.shift_start).hours));
    let hi = Math.max(...todays.map((s) => wallClock(s.shift_end).hours));
    lo = Math.floor(lo);
    hi = Math.ceil(hi <= lo ? lo + 1 : hi);
    charts.gantt = new window.Chart($("chart-gantt"), {
      type: "bar",
      data: { labels, datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "top", labels: { boxWidth: 14 } },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const [a, b] = ctx.raw.x;
                return `${ctx.dataset.label}: ${hourLabel(a)}–${hourLabel(b)}`;
              },
            },
          },
        },
        scales: {
          x: {
            type: "linear",
            position: "top",
            min: lo,
            max: hi,
            ticks: { stepSize: 1, callback: (v) => hourLabel(v) },
            title: { display: true, text: `time of day (${zone})` },
            grid: { color: "#e4e4e4" },
          },
          y: {
            type: "category",
            labels,
            ticks: { autoSkip: false, font: { size: 11 } },
            grid: { display: false },
          },
        },
      },
    });
  }

  // ---------------------------------------------------------------- recommendations
  async function renderRecommendations() {
    const planId = state.planId;
    const items = await api(`/plans/${enc(planId)}/recommendations`);
    if (planId !== state.planId) return;
    const list = $("recommendations");
    if (!items.length) {
      list.replaceChildren(el("li", { className: "empty" }, "No recommendations: the roster meets every target."));
      return;
    }
    list.replaceChildren(
      ...items.map((r) =>
        el(
          "li",
          { dataset: { kind: r.kind, queue: r.queue || "" } },
          el("span", { className: `badge kind-${String(r.kind).replace(/[^a-z0-9_-]/gi, "")}` }, r.kind),
          " ",
          r.message,
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- what-if
  function fillTarget() {
    const queue = $("whatif-queue").value;
    const summary = state.doc && state.doc.queues.find((q) => q.queue === queue);
    const sl = $("whatif-sl");
    const secs = $("whatif-seconds");
    sl.disabled = secs.disabled = !summary;
    if (summary) {
      sl.value = String(Math.round(summary.target_service_level * 100));
      secs.value = summary.threshold_s === null ? "" : String(Math.round(summary.threshold_s));
    } else {
      sl.value = "";
      secs.value = "";
    }
  }

  function numberField(id, label) {
    const raw = $(id).value.trim();
    if (raw === "") return 0;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${label} must be a number`);
    return value;
  }

  // comparison.csv: per queue, measures as MEASURE_base / MEASURE_scenario / MEASURE_change
  // (a bare MEASURE next to MEASURE_base is the scenario's value). One column per measure,
  // "base → scenario" with the change under it, keeps the table narrow enough to read.
  const MEASURES = {
    calls: "Contacts",
    roster_service_level: "Plan roster: service level",
    rescheduled_service_level: "New roster: service level",
    simulated_service_level: "Simulated service level",
    simulated_service_level_lo: "Simulated: 95% interval from",
    simulated_service_level_hi: "Simulated: 95% interval to",
    simulated_expected_service_level: "Expected over the simulated contacts",
    service_level: "Service level, staffed as required",
    scheduled_hours: "Hours to schedule",
    rescheduled_paid_hours: "New roster: hours on queue",
    roster_scheduled_hours: "Plan roster: hours on queue",
    fte: "FTE",
    cost: "Cost",
    asa_s: "ASA",
    abandon_rate: "Abandoned",
    agent_hours: "Hours on contacts",
  };

  function comparisonColumns(keys) {
    const columns = new Map();
    const part = (key) => {
      for (const suffix of ["base", "scenario", "change"]) {
        if (key.endsWith(`_${suffix}`)) return [key.slice(0, -suffix.length - 1), suffix];
      }
      return [key, "value"];
    };
    for (const key of keys) {
      if (key === "queue") continue;
      const [stem, role] = part(key);
      if (!columns.has(stem)) columns.set(stem, {});
      columns.get(stem)[role] = key;
    }
    for (const column of columns.values()) {
      if (column.value && !column.scenario && (column.base || column.change)) {
        column.scenario = column.value;
        delete column.value;
      }
    }
    const order = Object.keys(MEASURES);
    const rank = (stem) => (order.includes(stem) ? order.indexOf(stem) : order.length);
    return [...columns.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
  }

  // "-0.0 pp" from a rounding residue reads as a loss: drop the sign of a zero.
  const unsignZero = (text) => text.replace(/^[-+](0(?:\.0+)?)(?![\d.,])/, "$1");

  function comparisonValue(stem, value, change) {
    return unsignZero(comparisonText(stem, value, change));
  }

  function comparisonText(stem, value, change) {
    if (value === null || value === undefined || value === "") return "–";
    if (typeof value !== "number") return String(value);
    const sign = change && value > 0 ? "+" : "";
    if (/service_level|abandon|occupancy/.test(stem)) return change ? fmt.pp(value) : fmt.pct(value);
    if (/asa_s/.test(stem)) return `${sign}${fmt.secs(value)}`;
    if (/cost/.test(stem)) return `${sign}${fmt.money(value)}`;
    if (/hours/.test(stem)) return `${sign}${fmt.hours(value)}`;
    if (/calls|fte|agents/.test(stem)) return `${sign}${fmt.one(value)}`;
    return `${sign}${num2.format(value)}`;
  }

  function comparisonCell(stem, column, row) {
    const cell = el("td", { className: "num", dataset: { measure: stem } });
    if (column.value) {
      cell.textContent = comparisonValue(stem, row[column.value], false);
      return cell;
    }
    const base = column.base ? row[column.base] : null;
    const scenario = column.scenario ? row[column.scenario] : null;
    let change = column.change ? row[column.change] : null;
    if ((change === null || change === undefined) && typeof base === "number" && typeof scenario === "number") {
      change = scenario - base;
    }
    const parts = [];
    if (column.base) parts.push(comparisonValue(stem, base, false));
    if (column.scenario) parts.push(comparisonValue(stem, scenario, false));
    const missing = (v) => v === null || v === undefined || v === "";
    if (missing(base) && missing(scenario)) {
      cell.append("–");
    } else {
      parts.forEach((text, i) => {
        if (i) cell.append(" → ");
        cell.append(el("span", { className: "value" }, text));
      });
    }
    if (typeof change === "number") {
      cell.append(el("br"), el("span", { className: "delta" }, comparisonValue(stem, change, true)));
    }
    return cell;
  }

  function renderComparison(rows) {
    const keys = [];
    for (const row of rows) for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
    const columns = comparisonColumns(keys);
    const table = $("comparison-table");
    table.tHead.replaceChildren(
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Queue"),
        ...columns.map(([stem]) =>
          el("th", { scope: "col", className: "num measure" }, MEASURES[stem] || stem.replace(/_/g, " ")),
        ),
      ),
    );
    table.tBodies[0].replaceChildren(
      ...rows.map((row) =>
        el(
          "tr",
          { dataset: { queue: row.queue === undefined ? "" : row.queue } },
          el("th", { scope: "row" }, row.queue === undefined ? "" : row.queue),
          ...columns.map(([stem, column]) => comparisonCell(stem, column, row)),
        ),
      ),
    );
    $("comparison").hidden = false;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function submitWhatIf(event) {
    event.preventDefault();
    showMessage("whatif-error", "");
    $("comparison").hidden = true;
    const planId = state.planId;
    if (!planId) {
      showMessage("whatif-error", "Choose a plan first.");
      return;
    }
    let body;
    try {
      const queue = $("whatif-queue").value;
      const targets = {};
      if (queue) {
        const sl = numberField("whatif-sl", "Target (% answered)");
        const secs = numberField("whatif-seconds", "Seconds");
        if (!(sl > 0 && sl <= 100)) throw new Error("Target (% answered) must be between 1 and 100");
        if (!(secs > 0)) throw new Error("Seconds must be more than 0");
        targets[queue] = `${sl}/${secs}`;
      }
      body = {
        plan_id: planId,
        name: $("whatif-name").value.trim() || "what-if",
        targets,
        volume_pct: numberField("whatif-volume", "Volume change"),
        aht_pct: numberField("whatif-aht", "Handle time change"),
        reschedule: $("whatif-reschedule").checked,
        simulate: $("whatif-simulate").checked ? 100 : 0,
      };
      const shrinkage = $("whatif-shrinkage").value.trim();
      if (shrinkage !== "") body.shrinkage = numberField("whatif-shrinkage", "Shrinkage") / 100;
    } catch (err) {
      showMessage("whatif-error", `Check the form: ${err.message}.`);
      return;
    }
    const token = $("whatif-token").value.trim();
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const button = $("whatif-submit");
    button.disabled = true;
    $("whatif-section").dataset.state = "running";
    try {
      showMessage("whatif-status", "Sending the scenario…");
      let job = await api("/scenarios", { method: "POST", headers, body: JSON.stringify(body) });
      state.job = job;
      const started = Date.now();
      let misses = 0;
      while (job.status === "queued" || job.status === "running") {
        const secs = Math.round((Date.now() - started) / 1000);
        showMessage("whatif-status", `Scenario job ${job.id}: ${job.status} (${secs} s)…`);
        await sleep(POLL_MS);
        try {
          job = await api(`/scenarios/${enc(job.id)}`);
          misses = 0;
        } catch (err) {
          // A dropped connection or a busy server: keep polling a few times before giving up.
          misses += 1;
          if (!(err instanceof ApiError) || !(err.status === 0 || err.status >= 500) || misses > 5) throw err;
        }
        state.job = job;
      }
      if (job.status !== "done") {
        throw new Error(`The scenario failed: ${job.error || "no reason given"}`);
      }
      showMessage("whatif-status", `Scenario done: plan ${job.result_plan_id}. Loading the comparison…`);
      const rows = await api(`/plans/${enc(job.result_plan_id)}/comparison`);
      state.scenarioPlanId = job.result_plan_id;
      renderComparison(rows);
      await loadPlans(state.planId);
      showMessage("whatif-status", `Scenario done: plan ${job.result_plan_id} was added to the plan list.`);
      $("whatif-section").dataset.state = "done";
    } catch (err) {
      showMessage("whatif-status", "");
      showMessage("whatif-error", err instanceof ApiError ? describeError(err, "Scenario") : err.message);
      $("whatif-section").dataset.state = "error";
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- wiring
  function on(id, type, handler) {
    $(id).addEventListener(type, handler);
  }

  function guard(promise, what) {
    promise.catch((err) => showMessage("error", describeError(err, what)));
  }

  async function init() {
    const tokenInput = $("whatif-token");
    try {
      tokenInput.value = window.sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (_err) {
      // storage disabled: the field still works for this page
    }
    tokenInput.addEventListener("input", () => {
      try {
        window.sessionStorage.setItem(TOKEN_KEY, tokenInput.value);
      } catch (_err) {
        // ignore
      }
    });
    on("plan-select", "change", () => loadPlan($("plan-select").value));
    on("plans-refresh", "click", () => guard(loadPlans(), "Loading the plan list"));
    on("queue-select", "change", () => guard(renderCharts(), "Loading the coverage"));
    on("chart-day-select", "change", () => guard(renderCharts(), "Loading the coverage"));
    on("team-filter", "change", () => guard(renderRoster(), "Loading the roster"));
    on("day-filter", "change", () => guard(renderRoster(), "Loading the roster"));
    on("whatif-queue", "change", fillTarget);
    on("whatif-form", "submit", submitWhatIf);
    on("open-scenario", "click", () => {
      if (!state.scenarioPlanId) return;
      $("plan-select").value = state.scenarioPlanId;
      loadPlan(state.scenarioPlanId);
      $("plan-heading").scrollIntoView();
    });

    try {
      const linked = new URLSearchParams(window.location.hash.slice(1)).get("plan");
      const plans = await loadPlans(linked || undefined);
      if (!plans.length) {
        showMessage("status", "The store holds no plans yet: add one with `staffplan plans add`.");
        document.body.dataset.state = "empty";
        return;
      }
      await loadPlan($("plan-select").value);
    } catch (err) {
      showMessage("error", describeError(err, "Loading the plan list"));
      document.body.dataset.state = "error";
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
