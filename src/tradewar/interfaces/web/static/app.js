/* tradewar dashboard: vanilla JavaScript, inline SVG charts, no external code.
 *
 * Every figure comes from the service's JSON API (/api/...). Pages whose capability
 * has not landed call their endpoint, get a 501 with a plain message, and show that
 * message: they never show placeholder figures. Text from the API is inserted with
 * textContent only.
 */
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const COLORS = { US: "#1f4e99", CN: "#c0392b", other: "#8e979f", collected: "#16a085" };
const LABEL_MIN_PP = 0.05; // a measure "steps" on a date when its part moves by more
const state = { info: null, seq: 0 };

/* ---------- DOM helpers ---------- */

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, kids) {
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
}

function table(headers, rows, attrs) {
  return h("table", attrs,
    h("thead", null, h("tr", null, headers.map((x) => h("th", { text: x })))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) =>
      c instanceof Node ? h("td", null, c)
        : typeof c === "number" ? h("td", { class: "num", text: String(c) })
          : h("td", { text: c === null || c === undefined ? "" : String(c) }))))));
}

/* ---------- formatting ---------- */

const pct = (v, d = 2) => (v === null || v === undefined ? "n/a" : `${v.toFixed(d)}%`);
const frac = (v, d = 4) => (v === null || v === undefined ? "n/a" : `${+(v * 100).toPrecision(d)}%`);
const bn = (v) => (v === null || v === undefined ? "n/a"
  : `${v < 0 ? "\u2212" : ""}$${(Math.abs(v) / 1e9).toFixed(1)}bn`);
const day = (iso) => new Date(`${iso}T00:00:00Z`);
const iso = (d) => d.toISOString().slice(0, 10);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const monthLabel = (d) => `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
const shortMeasure = (id) => id.split(".").slice(-1)[0];

/* ---------- API ---------- */

async function api(path, options) {
  let res;
  try {
    res = await fetch(path, options);
  } catch (err) {
    return { ok: false, status: 0, body: { error: `the service did not answer (${err})` } };
  }
  let body = null;
  try { body = await res.json(); } catch (err) { body = { error: `HTTP ${res.status}` }; }
  return { ok: res.ok, status: res.status, body };
}

function errorBox(result, what) {
  const message = (result.body && result.body.error) || `HTTP ${result.status}`;
  if (result.status === 501) {
    const text = message.charAt(0).toUpperCase() + message.slice(1);
    return h("p", { class: "pending", "data-status": "501" }, `${text}. Nothing is shown rather than made-up figures.`);
  }
  const fields = ((result.body && result.body.detail) || [])
    .filter((d) => d.loc && d.loc.length > 1).map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`);
  return h("div", { class: "error", "data-status": String(result.status) },
    h("strong", { text: `${what}: ` }), message,
    fields.length ? h("ul", null, fields.map((f) => h("li", { text: f }))) : null);
}

/* ---------- page frame ---------- */

function asOfText() {
  const info = state.info;
  if (!info) return "as of: unknown (the service's /api/info did not answer)";
  const cov = info.coverage.map((c) => `${c.importer} ${c.from} to ${c.until}`).join("; ");
  return `Store built ${info.store.built_at} (tradewar ${info.store.tradewar_version}); schedules cover ${cov}`;
}

function sources(items) {
  return h("footer", { class: "sources" },
    h("strong", { text: "Data sources" }),
    h("ul", null, items.map((x) => h("li", { text: x }))),
    h("div", { class: "asof", text: `As of: ${asOfText()}.` }));
}

function page(id, title, lead) {
  const el = h("section", { class: "page", id: `page-${id}`, "data-page": id },
    h("h2", { text: title }), lead ? h("p", { class: "lead", text: lead }) : null);
  return el;
}

/* ---------- the step chart (inline SVG) ---------- */

function niceStep(max) {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

/* series: [{key, label, color, dashed, points: [{x: Date, y, info}], end: Date}]
 * markers: [{x: Date, y, color, label, lines: [..]}] */
function stepChart(opts) {
  const W = opts.width || 980, H = opts.height || 400;
  const m = { l: 50, r: 34, t: 26, b: 44 };
  const x0 = opts.x0.getTime(), x1 = opts.x1.getTime();
  const ymax = Math.max(opts.yMin || 1, ...opts.series.flatMap((sr) => sr.points.map((p) => p.y || 0))) * 1.18;
  const X = (d) => m.l + ((d.getTime() - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v) => H - m.b - (v / ymax) * (H - m.t - m.b);
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": opts.title || "chart", "data-chart": opts.id || "" });
  const grid = s("g", { class: "grid" });
  const step = niceStep(ymax);
  for (let v = 0; v <= ymax; v += step) {
    grid.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v) }));
    grid.appendChild(s("text", { x: m.l - 6, y: Y(v) + 4, "text-anchor": "end", text: `${+v.toFixed(2)}` }));
  }
  const start = new Date(opts.x0);
  const span = (x1 - x0) / (86400000 * 30.4);
  const every = span > 24 ? 6 : span > 9 ? 3 : 1; // months between ticks
  const first = Math.floor(start.getUTCMonth() / every) * every;
  for (let d = new Date(Date.UTC(start.getUTCFullYear(), first, 1));
    d.getTime() <= x1; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + every, 1))) {
    if (d.getTime() < x0) continue;
    grid.appendChild(s("line", { x1: X(d), x2: X(d), y1: m.t, y2: H - m.b }));
    grid.appendChild(s("text", { x: X(d), y: H - m.b + 16, "text-anchor": "middle", text: monthLabel(d) }));
  }
  svg.appendChild(grid);
  svg.appendChild(s("text", { x: 12, y: m.t - 10, text: opts.yLabel || "" }));
  for (const sr of opts.series) {
    let d = "";
    let open = false;
    sr.points.forEach((p, i) => {
      const next = i + 1 < sr.points.length ? sr.points[i + 1].x : sr.end;
      if (p.y === null || p.y === undefined) { open = false; return; }
      const x = X(p.x).toFixed(1), y = Y(p.y).toFixed(1), xn = X(next).toFixed(1);
      d += open ? `V${y} H${xn} ` : `M${x} ${y} H${xn} `;
      open = true;
    });
    svg.appendChild(s("path", { class: `series-line${sr.dashed ? " dashed" : ""}`, d: d.trim(),
      stroke: sr.color, "data-series": sr.key, "data-points": sr.points.length }));
  }
  for (const mk of opts.markers || []) {
    const g = s("g", { class: "marker-group", "data-date": iso(mk.x) });
    g.appendChild(s("circle", { class: "marker", cx: X(mk.x), cy: Y(mk.y), r: 4.5, fill: mk.color },
      s("title", { text: [`${iso(mk.x)}: ${mk.label}`, ...mk.lines].join("\n") })));
    g.appendChild(s("text", { class: "marker-label", x: X(mk.x) + 3, y: Y(mk.y) - 7,
      transform: `rotate(-35 ${X(mk.x) + 3} ${Y(mk.y) - 7})`, fill: mk.color, text: mk.label }));
    svg.appendChild(g);
  }
  const cross = s("line", { class: "crosshair", x1: 0, x2: 0, y1: m.t, y2: H - m.b, visibility: "hidden" });
  svg.appendChild(cross);
  const overlay = s("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b,
    fill: "transparent", class: "hover-area" });
  svg.appendChild(overlay);
  const tip = h("div", { class: "tooltip", role: "tooltip" });
  const wrap = h("div", { class: "chart-wrap" }, svg, tip);
  overlay.addEventListener("mousemove", (ev) => {
    const box = svg.getBoundingClientRect();
    const px = ((ev.clientX - box.left) / box.width) * W;
    const t = new Date(x0 + ((px - m.l) / (W - m.l - m.r)) * (x1 - x0));
    cross.setAttribute("x1", px); cross.setAttribute("x2", px); cross.setAttribute("visibility", "visible");
    tip.replaceChildren(h("div", { class: "t-date", text: iso(t) }));
    for (const sr of opts.series) {
      const at = [...sr.points].reverse().find((p) => p.x <= t);
      if (!at || t > sr.end) continue;
      tip.appendChild(h("div", null, h("span", { text: "\u25A0 " , class: "sw" }),
        `${sr.label}: ${at.y === null ? "n/a" : at.y.toFixed(2)}${opts.unit || ""}`
        + (at.info ? ` (${at.info})` : "")));
      tip.lastChild.firstChild.style.color = sr.color;
    }
    const near = (opts.markers || []).filter((mk) => Math.abs(X(mk.x) - px) < 7);
    for (const mk of near) {
      tip.appendChild(h("div", { class: "t-step", text: `Step ${iso(mk.x)}: ${mk.label}` }));
      for (const line of mk.lines) tip.appendChild(h("div", { class: "t-step", text: line }));
    }
    tip.style.display = "block";
    const left = ((ev.clientX - box.left) / box.width) * wrap.clientWidth;
    tip.style.left = `${Math.min(left + 14, wrap.clientWidth - 370)}px`;
    tip.style.top = `${ev.clientY - box.top + 10}px`;
  });
  overlay.addEventListener("mouseleave", () => {
    tip.style.display = "none"; cross.setAttribute("visibility", "hidden");
  });
  return wrap;
}

function legend(series) {
  return h("div", { class: "legend" }, series.map((sr) => {
    const sw = h("i", { class: sr.dashed ? "dashed" : "" });
    if (sr.dashed) sw.style.borderColor = sr.color; else sw.style.background = sr.color;
    return h("span", null, sw, sr.label);
  }));
}

/* the measures whose contribution moved at each point of a series */
function stepMarkers(points, color, side) {
  const out = [];
  let before = {};
  points.forEach((p, i) => {
    const now = Object.fromEntries(p.by_measure.map((b) => [b.measure_id, b]));
    const ids = [...new Set([...Object.keys(now), ...Object.keys(before)])].sort();
    const moved = ids.filter((id) => Math.abs(((now[id] || {}).contribution || 0)
      - ((before[id] || {}).contribution || 0)) > LABEL_MIN_PP);
    if (i > 0 && moved.length) {
      out.push({
        x: day(p.date), y: p.avg_trade_weighted, color,
        label: moved.map(shortMeasure).join(", "),
        lines: moved.map((id) => {
          const b = now[id] || before[id];
          const was = (before[id] || {}).contribution || 0, is = (now[id] || {}).contribution || 0;
          return `${side}: ${b.name} (${b.heading || ""}) ${was.toFixed(2)} \u2192 ${is.toFixed(2)} pp`;
        }),
      });
    }
    before = now;
  });
  return out;
}

/* ---------- pages ---------- */

async function timelinesPage(root) {
  const el = page("timelines", "Tariff timelines",
    "The trade-weighted average tariff each side levied on the other's goods, by date of " +
    "entry, with a marker at each step where a measure's part of the average moved, and " +
    "the duty the US actually collected on imports from China. Hover over the chart for " +
    "the values on a date and the measures behind a step.");
  const status = h("p", { class: "loading", text: "Computing the series\u2026" });
  el.appendChild(status);
  root.appendChild(el);
  const [cn, cnOther, us, collected, cover] = await Promise.all([
    api("/api/series?importer=CN&origin=US&step=event"),
    api("/api/series?importer=CN&origin=other&step=event"),
    api("/api/series?importer=US&origin=CN&step=event"),
    api("/api/series/collected?from=2017-01-01&to=2020-12-31"),
    api("/api/coverage?importer=CN"),
  ]);
  status.remove();
  for (const [r, what] of [[cn, "China's tariff on US goods"], [us, "US tariff on Chinese goods"]]) {
    if (!r.ok) { el.appendChild(errorBox(r, what)); return; }
  }
  const end = (pts) => new Date(day(pts[pts.length - 1].to).getTime() + 86400000);
  const mk = (pts, key, label, color) => ({ key, label, color, end: end(pts),
    points: pts.map((p) => ({ x: day(p.date), y: p.avg_trade_weighted,
      info: `additional ${p.avg_additional.toFixed(2)} pp, covered ${(100 * p.covered_share).toFixed(1)}% of trade` })) });
  const weighted = (pts) => `statutory, ${pts[0].weights.level} weights ${pts[0].weights.year}`;
  const series = [
    mk(us.body, "us-cn", `US tariff on Chinese goods (${weighted(us.body)})`, COLORS.US),
    mk(cn.body, "cn-us", `China's tariff on US goods (${weighted(cn.body)})`, COLORS.CN),
  ];
  if (cnOther.ok) series.push(mk(cnOther.body, "cn-other", "China's tariff on other exporters", COLORS.other));
  if (collected.ok && collected.body.length) {
    const c = collected.body;
    series.push({ key: "collected", label: "US duty collected on imports from China (Census)",
      color: COLORS.collected, dashed: true,
      end: new Date(Date.UTC(day(c[c.length - 1].month).getUTCFullYear(), day(c[c.length - 1].month).getUTCMonth() + 1, 1)),
      points: c.map((p) => ({ x: day(p.month), y: p.rate, info: `${bn(p.duty_usd)} on ${bn(p.value_usd)}` })) });
  }
  const markers = [...stepMarkers(us.body, COLORS.US, "US"), ...stepMarkers(cn.body, COLORS.CN, "China")];
  el.appendChild(legend(series));
  el.appendChild(stepChart({ id: "timelines", title: "Average tariffs both ways", x0: day("2017-01-01"),
    x1: new Date(Math.max(...series.map((sr) => sr.end.getTime()))), yLabel: "average tariff, percent", unit: "%", series, markers }));
  el.appendChild(h("h3", { text: "The steps" }));
  el.appendChild(table(["date", "side", "measures that moved", "average after"],
    markers.sort((a, b) => a.x - b.x).map((x) => [iso(x.x), x.color === COLORS.US ? "US on China" : "China on US",
      x.lines.map((l) => l.replace(/^(US|China): /, "")).join("; "), pct(x.y)])));
  if (cover.ok) {
    el.appendChild(h("h3", { text: `China's retaliation: ${cover.body.weights.year} US trade covered by each round` }));
    el.appendChild(table(["measure", "first in force", "lines", "covered", "announced"],
      cover.body.measures.filter((x) => x.lines > 0).map((x) => [x.name, x.first_date || "",
        x.lines, bn(x.covered_value_usd), x.announced_value_usd_bn === null ? "" : `$${x.announced_value_usd_bn}bn`])));
  }
  const wsrc = [cn.body[0].weights, us.body[0].weights];
  el.appendChild(sources([
    ...wsrc.map((w) => `Weights ${w.name}: ${w.description}; source ${w.source}.`),
    ...(collected.ok && collected.body.length
      ? [`Collected duty: ${collected.body[0].statistic}; source ${collected.body[0].source}.`] : []),
    "Schedules: the tradewar store (US: HTS revisions, Section 301 and 232 lists; China: " +
    "PIIE HS10 file, HS6 approximations to 2019, then the 2025 HS8 lines with rounds " +
    "reconstructed from the ITA matrix and MFN carried forward). Goods taken as exported on the entry date; " +
    "Section 301 exclusions are not modelled. Method: docs/series.md.",
  ]));
}

function sideTotalChart(sched) {
  // total rate by entry date, for goods exported on the entry date
  const byStart = new Map();
  for (const t of sched.timeline) {
    const from = t.valid_from;
    const fits = (!t.export_from || t.export_from <= from) && (!t.export_until || t.export_until > from);
    if (!byStart.has(from) || fits) byStart.set(from, t);
  }
  const rows = [...byStart.values()].sort((a, b) => (a.valid_from < b.valid_from ? -1 : 1));
  const points = rows.map((t) => ({ x: day(t.valid_from),
    y: t.total_rate === null ? null : 100 * t.total_rate,
    info: t.ambiguous ? "lines beneath differ" : (t.s301_heading || t.ret_heading || t.s232_heading || "MFN only") }));
  const last = rows[rows.length - 1];
  const color = sched.importer === "US" ? COLORS.US : COLORS.CN;
  const sr = { key: `total-${sched.importer}`, label: "total rate", color, points, end: day(last.valid_until) };
  const first = day(rows[0].valid_from);
  return stepChart({ id: `product-${sched.importer}`, title: `total rate of ${sched.code_formatted}`,
    width: 560, height: 250, x0: first < day("2018-01-01") ? first : day("2018-01-01"),
    x1: day(last.valid_until) > day("2021-01-01") ? day(last.valid_until) : day("2021-01-01"),
    yLabel: "total rate, percent", unit: "%", series: [sr], yMin: 5 });
}

function sidePanel(title, result) {
  const box = h("div", { class: "side", "data-importer": result.body && result.body.importer });
  box.appendChild(h("h3", { text: title }));
  if (!result.ok) { box.appendChild(errorBox(result, "no schedule")); return box; }
  const sched = result.body;
  box.appendChild(h("p", null, h("strong", { text: sched.code_formatted }), ` ${sched.description || ""}`));
  if (sched.timeline.some((t) => t.ambiguous)) {
    box.appendChild(h("p", { class: "warn", text: "On some dates the lines beneath this code differ in duty: " +
      "the total is shown only where they agree (look up a full line for one rate)." }));
  }
  box.appendChild(sideTotalChart(sched));
  box.appendChild(table(["authority", "heading", "from", "until", "rate", "code", "citation"],
    sched.layers.map((y) => [y.authority, y.heading || "", y.from, y.until || "",
      y.rate_text + (y.status !== "in_force" ? ` (${y.status})` : ""), y.code,
      h("span", { class: "cite", text: `${y.citation} \u2014 ${y.source}${y.source_row ? ` row ${y.source_row}` : ""}` })]),
  { class: "layers" }));
  return box;
}

async function showProduct(out, code, importer) {
  out.replaceChildren(h("p", { class: "loading", text: `Loading ${code}\u2026` }));
  const other = importer === "US" ? "CN" : "US";
  const otherCode = code.slice(0, 6);
  const [mine, theirs] = await Promise.all([
    api(`/api/schedule?code=${encodeURIComponent(code)}&importer=${importer}`),
    api(`/api/schedule?code=${encodeURIComponent(otherCode)}&importer=${other}`),
  ]);
  const names = { US: "US tariff on goods of China", CN: "China's tariff on goods of the US" };
  const panels = { [importer]: sidePanel(`${names[importer]} (${importer} ${code})`, mine),
    [other]: sidePanel(`${names[other]} (same HS6, ${otherCode})`, theirs) };
  out.replaceChildren(h("div", { class: "sides", id: "product-sides" }, panels.US, panels.CN));
  // the duty on one date
  const form = h("form", { class: "inline", id: "duty-form" },
    h("label", null, "entry date", h("input", { type: "date", name: "entered", value: "2019-06-20", required: true })),
    h("label", null, "value (USD)", h("input", { type: "number", name: "value", min: "0", step: "any", value: "10000" })),
    h("button", { type: "submit", text: `Duty on ${code} (${importer})` }));
  const res = h("div", { id: "duty-result" });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const q = new URLSearchParams({ code, importer, entered: data.get("entered") });
    if (data.get("value")) q.set("value", data.get("value"));
    const r = await api(`/api/duty?${q}`);
    if (!r.ok) { res.replaceChildren(errorBox(r, "duty")); return; }
    const d = r.body;
    res.replaceChildren(
      d.ambiguous ? h("p", { class: "warn", text: (d.warnings || []).join(" ") }) : table(["authority", "heading", "rate", "citation", "why"],
        d.layers.map((y) => [y.authority, y.heading || "", y.rate_kind === "ad_valorem" ? frac(y.rate) : y.rate_text,
          h("span", { class: "cite", text: y.citation }), y.why])),
      h("p", null, h("strong", { text: `total ${frac(d.total_rate)}` }), d.duty !== undefined ? `, duty USD ${d.duty.toLocaleString("en-US")}` : ""),
      (d.warnings || []).length && !d.ambiguous ? h("ul", { class: "warn" }, d.warnings.map((w) => h("li", { text: w }))) : null);
  });
  out.appendChild(h("h3", { text: "The duty on one shipment" }));
  out.appendChild(form);
  out.appendChild(res);
}

async function productsPage(root) {
  const el = page("products", "Product lookup",
    "Search by code (HS6, HTS8 or HTS10, dots allowed) or by words of the description, then " +
    "see the product's dated layers on both sides, each with its legal citation and source row.");
  const out = h("div", { id: "product-detail" });
  const results = h("div", { id: "product-results" });
  const form = h("form", { class: "inline", id: "product-form" },
    h("label", null, "code or description", h("input", { id: "product-q", name: "q", required: true, minlength: "2", size: "30", placeholder: "9403.60.80.81 or furniture" })),
    h("label", null, "schedule", h("select", { name: "importer", id: "product-importer" },
      h("option", { value: "", text: "both" }), h("option", { value: "US", text: "US (HTS)" }), h("option", { value: "CN", text: "China (HS)" }))),
    h("button", { type: "submit", id: "product-search", text: "Search" }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const q = new URLSearchParams({ q: data.get("q"), limit: "50" });
    if (data.get("importer")) q.set("importer", data.get("importer"));
    results.replaceChildren(h("p", { class: "loading", text: "Searching\u2026" }));
    const r = await api(`/api/products?${q}`);
    if (!r.ok) { results.replaceChildren(errorBox(r, "search")); return; }
    if (!r.body.length) { results.replaceChildren(h("p", { text: "No tariff line matches." })); return; }
    results.replaceChildren(table(["schedule", "code", "description", "in the schedule"],
      r.body.map((x) => [x.importer,
        h("button", { class: "link product-hit", type: "button", "data-code": x.code, "data-importer": x.importer,
          text: x.code, onclick: () => showProduct(out, x.code, x.importer) }),
        x.description || "", `${x.from} to ${x.until || "\u2026"}`]), { id: "product-table" }));
    if (r.body.length === 1) showProduct(out, r.body[0].code, r.body[0].importer);
  });
  el.append(form, results, out);
  el.appendChild(sources([
    "Tariff lines and descriptions: US HTS revisions 2018-2020 (USITC) and the 2017 tariff " +
    "database; China: the PIIE HS10 file (Bown, Jung & Zhang, 2019) and the HS6 file.",
    "Layers: the tradewar store; each row names its citation (Federal Register notice or " +
    "Tariff Commission announcement) and its source file and row.",
  ]));
  root.appendChild(el);
}

async function listsPage(root) {
  const el = page("lists", "Lists and rounds",
    "Every US list and every Chinese retaliation round: heading, tariff lines covered at each " +
    "code level, and dated steps with their citations.");
  root.appendChild(el);
  const r = await api("/api/lists");
  if (!r.ok) { el.appendChild(errorBox(r, "lists")); return; }
  const rate = (x) => (Array.isArray(x) ? x.map((v) => frac(v, 3)).join(" / ") : frac(x, 3));
  el.appendChild(table(["importer", "measure", "heading", "lines", "dated steps"],
    r.body.map((m) => [m.importer, m.name, m.heading || "",
      Object.entries(m.lines).map(([k, v]) => `${k.replace("level_", "HS")}: ${v}`).join(", "),
      h("div", null, m.steps.map((st) => h("div", null,
        `${st.from}${st.until ? ` to ${st.until}` : ""}: ${rate(st.rate)} (${st.governs}${st.status !== "in_force" ? `, ${st.status}` : ""}) `,
        h("span", { class: "cite", text: st.citation }))))]), { id: "lists-table" }));
  el.appendChild(sources(["Authored measure files (data/measures/**.yaml), each step cited; product " +
    "scopes from the USITC China Tariffs list, the USTR annexes and China's Tariff Commission lists."]));
}

const VERDICT_RANK = ["contradicted", "partly", "supported", "not_checkable"];

function verdictBadge(v) {
  return h("span", { class: `verdict v-${v}`, "data-verdict": v, text: v.replace("_", " ") });
}

function fmtEvidence(v, unit) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (unit === "fraction") return frac(v);
    if (unit === "USD") return bn(v);
    if (unit === "percent") return `${+v.toPrecision(4)}%`;
    return String(+v.toPrecision(6));
  }
  if (typeof v === "object") return Object.entries(v).filter(([, x]) => x !== null)
    .map(([k, x]) => `${k}: ${fmtEvidence(x, /_usd$/.test(k) ? "USD"
      : /rate$|^change$/.test(k) ? "fraction" : /_pct$/.test(k) ? "percent" : null)}`).join("; ");
  return String(v);
}

function evidenceTable(items) {
  return table(["statistic", "figure", "source", "citation", "tolerance", "note"],
    (items || []).map((e) => [e.statistic, fmtEvidence(e.value, e.unit), e.source, e.citation || "",
      e.tolerance || "", e.note || ""]), { class: "evidence" });
}

function highlighted(body) {
  const text = body.article.text;
  const claims = body.claims;
  const cuts = new Set([0, text.length]);
  for (const c of claims) { cuts.add(c.start); cuts.add(c.end); }
  const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
  const box = h("div", { class: "article-text" });
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    const mine = claims.map((c, k) => [c, k]).filter(([c]) => c.start <= a && b <= c.end);
    if (!mine.length) { box.append(text.slice(a, b)); continue; }
    const worst = mine.map(([c]) => c.verdict).sort((x, y) => VERDICT_RANK.indexOf(x) - VERDICT_RANK.indexOf(y))[0];
    box.append(h("mark", { class: `v-${worst}${mine.length > 1 ? " multi" : ""}`,
      title: mine.map(([c, k]) => `claim ${k + 1}: ${c.kind}, ${c.verdict}`).join("; "), text: text.slice(a, b) }));
    for (const [c, k] of mine) if (c.end === b) box.append(h("sup", { text: `[${k + 1}]` }));
  }
  return box;
}

function reading(title, r) {
  return h("div", { class: "reading" }, h("h4", null, `${title} `, r ? verdictBadge(r.verdict) : "does not apply"),
    r ? h("p", { text: r.summary }) : null);
}

function checkedView(body) {
  const a = body.article;
  const counts = {};
  for (const c of body.claims) counts[c.verdict] = (counts[c.verdict] || 0) + 1;
  const out = h("div", { class: "checked", "data-claims": String(body.claims.length) },
    h("p", { text: `Date: ${a.date || "unknown"} (${a.date_basis}${a.date_note ? `: ${a.date_note}` : ""}); ` +
      `${body.claims.length} claims, ${body.events.length} events.` }),
    h("p", null, VERDICT_RANK.map((v) => [verdictBadge(v), ` ${counts[v] || 0}  `])),
    highlighted(body));
  body.claims.forEach((c, k) => {
    out.append(h("div", { class: `claim v-${c.verdict}`, "data-kind": c.kind },
      h("h3", null, `[${k + 1}] ${c.kind} `, verdictBadge(c.verdict)),
      h("blockquote", { text: c.text }),
      c.reason ? h("p", { class: "reason", text: c.reason }) : null,
      evidenceTable(c.evidence),
      (c.as_of_article || c.as_turned_out) ? h("div", { class: "readings" },
        reading("As of the article", c.as_of_article), reading("As it turned out", c.as_turned_out)) : null));
  });
  if (body.events.length) {
    out.append(h("h3", { text: "Events" }), table(["date", "actor", "action", "target", "text"],
      body.events.map((e) => [e.date || "", e.actor || "", e.action, e.target || "", e.text])));
  }
  return out;
}

async function articlesPage(root) {
  const el = page("articles", "Article checker",
    "Paste an article's text to see its claims highlighted with verdicts and evidence, and the events it mentions.");
  const text = h("textarea", { id: "article-text", name: "text", maxlength: "50000",
    placeholder: "Paste the article here (plain text or HTML)" });
  const date = h("input", { id: "article-date", type: "date", name: "date" });
  const out = h("div", { id: "article-result" });
  const button = h("button", { type: "button", id: "article-check", text: "Check the article" });
  button.addEventListener("click", async () => {
    out.replaceChildren(h("p", { class: "loading", text: "Checking\u2026" }));
    const payload = { text: text.value };
    if (date.value) payload.date = date.value;
    const r = await api("/api/articles/check", { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
    out.replaceChildren(r.ok ? checkedView(r.body) : errorBox(r, "Article check"));
  });
  el.append(text, h("p", null, h("label", { for: "article-date", text: "Article date (optional): " }), date,
    " ", button), out);
  el.appendChild(sources(["Verdicts from the schedule (data/measures, with the history of announced steps), " +
    "the coverage engine, the trade flows table (Census, UN Comtrade) and the commitment records " +
    "(data/commitments); events from data/news. Each evidence row names its source and citation."]));
  root.appendChild(el);
}

async function enginePage(root) {
  const el = page("engine-check", "2024 engine check",
    "The duty our 2024 rates imply on 2024 US imports from China, line by line, against the " +
    "duty Census calculated, and each Section 301 list's covered value at 2024 weights.");
  const status = h("p", { class: "loading", text: "Running the comparison\u2026" });
  el.appendChild(status);
  root.appendChild(el);
  const r = await api("/api/check-engine");
  status.remove();
  if (!r.ok) { el.appendChild(errorBox(r, "engine check")); return; }
  const c = r.body;
  el.appendChild(h("div", { class: "figures" },
    h("div", null, h("span", { text: "computed duty" }), h("b", { class: "figure", text: bn(c.computed_duty) })),
    h("div", null, h("span", { text: "Census calculated duty" }), h("b", { class: "figure", text: bn(c.census_duty) })),
    h("div", null, h("span", { text: "ratio" }), h("b", { class: "figure", text: c.ratio.toFixed(3) })),
    h("div", null, h("span", { text: "import value within 1 pp" }), h("b", { class: "figure", text: `${(100 * c.share_value_within_1pp).toFixed(1)}%` }))));
  el.appendChild(h("h3", { text: "Gaps by explanation" }));
  el.appendChild(table(["category", "lines", "value", "computed", "Census", "gap"],
    c.explanations.map((e) => [e.category, e.lines, bn(e.value), bn(e.computed_duty), bn(e.census_duty), bn(e.gap)])));
  if (c.lists && c.lists.lists) {
    el.appendChild(h("h3", { text: "Section 301 lists at 2024 weights" }));
    el.appendChild(table(["heading", "list", "lines", "2024 value (ours)", "announced"],
      c.lists.lists.map((x) => [x.heading, x.list, x.lines_2024, `$${x.value_2024_usd_bn.ours.toFixed(1)}bn`,
        x.announced_usd_bn === null || x.announced_usd_bn === undefined ? "" : `$${x.announced_usd_bn}bn`])));
  }
  el.appendChild(sources([`2024 imports: ${c.weights.source} (${c.weights.via}).`,
    "2024 rates: the store's us_rates_2024 table (MFN, Section 301 and 232 per HTS10 line). See docs/check_engine.md."]));
}

async function commitmentsPage(root) {
  const el = page("commitments", "Commitments tracker",
    "Cumulative purchases against the pro-rated targets, by category and month, for a " +
    "commitment and a statistic (basis). A commitment that names no checkable schedule says so.");
  root.appendChild(el);
  const list = await api("/api/commitments/agreements");
  if (!list.ok) {
    el.appendChild(errorBox(list, "Commitments"));
    el.appendChild(sources(["None: this page shows no figures until its capability lands."]));
    return;
  }
  const agreement = h("select", { id: "commitment-agreement", name: "agreement" },
    list.body.map((a) => h("option", { value: a.id, text: `${a.id}${a.verifiable ? "" : " (not checkable)"}` })));
  const basis = h("select", { id: "commitment-basis", name: "basis" },
    h("option", { value: "us-exports", text: "US exports to China (Census)" }),
    h("option", { value: "china-imports", text: "China's imports from the US" }));
  const form = h("form", { class: "inline", id: "commitment-form" },
    h("label", null, "commitment", agreement), h("label", null, "basis", basis),
    h("button", { type: "submit", text: "Show" }));
  const out = h("div", { id: "commitment-result" });
  el.append(form, out);
  const show = async () => {
    out.replaceChildren(h("p", { class: "loading", text: "Computing attainment\u2026" }));
    const q = new URLSearchParams({ agreement: agreement.value, basis: basis.value });
    const r = await api(`/api/commitments?${q}`);
    if (!r.ok) { out.replaceChildren(errorBox(r, "Commitments")); return; }
    const c = r.body;
    const parts = [h("p", null, h("strong", { text: c.name }))];
    if (!c.verifiable) {
      parts.push(h("p", { class: "pending", text: c.message || c.note || "Not checkable." }));
      parts.push(h("p", { class: "cite", text: c.citation || "" }));
      out.replaceChildren(...parts, sources([c.citation || c.file]));
      return;
    }
    parts.push(h("p", { class: "lead", text: c.note || "" }));
    parts.push(h("div", { class: "figures" },
      h("div", null, h("span", { text: `${c.total.name}, through ${c.through}` }),
        h("b", { class: "figure", text: `${c.total.attainment_pct.toFixed(1)}%` })),
      h("div", null, h("span", { text: "actual" }), h("b", { class: "figure", text: bn(c.total.actual) })),
      h("div", null, h("span", { text: "target" }), h("b", { class: "figure", text: bn(c.total.target) }))));
    const charts = h("div", { class: "grid2 commitments-charts" });
    for (const cat of [c.total, ...c.categories].filter((x) => x.checkable && x.monthly.length)) {
      const month = (m) => day(`${m}-01`);
      const last = cat.monthly[cat.monthly.length - 1].month;
      const end = new Date(Date.UTC(month(last).getUTCFullYear(), month(last).getUTCMonth() + 1, 1));
      const series = [
        { key: "actual", label: "cumulative purchases", color: COLORS.US, end,
          points: cat.monthly.map((m) => ({ x: month(m.month), y: m.actual_cum / 1e9, info: `${m.attainment_pct.toFixed(1)}% of target` })) },
        { key: "target", label: "cumulative target", color: COLORS.CN, dashed: true, end,
          points: cat.monthly.map((m) => ({ x: month(m.month), y: m.target_cum / 1e9 })) },
      ];
      charts.appendChild(h("div", { class: "side" }, h("h3", { text: cat.name }), legend(series),
        stepChart({ id: `commitment-${cat.id}`, title: cat.name, width: 560, height: 240,
          x0: month(cat.monthly[0].month), x1: end, yLabel: "USD bn", unit: " bn", series })));
    }
    parts.push(charts);
    parts.push(table(["category", "2017 baseline", "increment", "target", "actual", "attainment"],
      [...c.categories, c.total].map((x) => x.checkable
        ? [x.name, bn(x.baseline_2017), bn(x.increment), bn(x.target), bn(x.actual), `${x.attainment_pct.toFixed(1)}%`]
        : [x.name, "", bn(x.increment), "not checkable", "", x.reason || ""]), { id: "commitment-table" }));
    out.replaceChildren(...parts, sources([
      `Basis ${c.basis.id}: ${c.basis.description}; source ${c.basis.source}.`,
      `Targets: ${c.citation}; pro-rating ${c.prorate.method}: ${c.prorate.description}.`,
      `Commitment file: ${c.file}. Method: docs/policy.md.`]));
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); show(); });
  await show();
}

async function scenariosPage(root) {
  const el = page("scenarios", "Scenario comparison",
    "Pick a shipped scenario, then see the baseline and the scenario side by side: the " +
    "trade-weighted average tariff over the scenario's period and the impact figures.");
  root.appendChild(el);
  const list = await api("/api/scenarios");
  if (!list.ok) {
    el.appendChild(errorBox(list, "Scenarios"));
    el.appendChild(sources(["None: this page shows no figures until its capability lands."]));
    return;
  }
  const select = h("select", { id: "scenario-name", name: "scenario" },
    list.body.map((x) => h("option", { value: x.name, text: `${x.name}${x.period ? ` (${x.period.from} to ${x.period.to})` : ""}` })));
  const about = h("p", { class: "lead", id: "scenario-about" });
  const describe = () => { const x = list.body.find((y) => y.name === select.value); about.textContent = x ? (x.description || x.error || "") : ""; };
  select.addEventListener("change", describe);
  describe();
  const out = h("div", { id: "scenario-result" });
  const button = h("button", { type: "button", id: "scenario-run", text: "Run against the baseline" });
  el.append(h("form", { class: "inline" }, h("label", null, "scenario", select), button), about, out);
  button.addEventListener("click", async () => {
    out.replaceChildren(h("p", { class: "loading", text: "Running the scenario (a few seconds)\u2026" }));
    const r = await api("/api/scenarios/run", { method: "POST",
      headers: { "content-type": "application/json" }, body: JSON.stringify({ scenario: select.value }) });
    if (!r.ok) { out.replaceChildren(errorBox(r, "Scenario")); return; }
    const x = r.body;
    const end = new Date(day(x.period.to).getTime() + 86400000);
    const mk = (pts, key, label, color, dashed) => ({ key, label, color, dashed, end,
      points: pts.map((p) => ({ x: day(p.date), y: p.avg_trade_weighted, info: `covered ${bn(p.covered_value)}` })) });
    const side = x.importer === "US" ? "US tariff on Chinese goods" : "China's tariff on US goods";
    const series = [mk(x.baseline, "baseline", `${side}: baseline`, COLORS.other, false),
      mk(x.scenario, "scenario", `${side}: scenario`, x.importer === "US" ? COLORS.US : COLORS.CN, true)];
    const d = x.delta;
    out.replaceChildren(...[
      h("h3", { text: `${x.name}: ${x.period.from} to ${x.period.to} (${x.period.days} days)` }),
      legend(series),
      stepChart({ id: "scenario", title: "baseline and scenario", x0: day(x.period.from), x1: end,
        yLabel: "trade-weighted average tariff, percent", unit: "%", series }),
      h("div", { class: "figures", id: "scenario-figures" },
        h("div", null, h("span", { text: "average tariff, scenario minus baseline" }), h("b", { class: "figure", text: `${d.avg_tariff_pp >= 0 ? "+" : ""}${d.avg_tariff_pp.toFixed(2)} pp` })),
        h("div", null, h("span", { text: "imports" }), h("b", { class: "figure", text: bn(d.import_change) })),
        h("div", null, h("span", { text: "tariff revenue" }), h("b", { class: "figure", text: bn(d.revenue) })),
        h("div", null, h("span", { text: "consumer cost" }), h("b", { class: "figure", text: bn(d.consumer_cost) })),
        h("div", null, h("span", { text: "deadweight loss" }), h("b", { class: "figure", text: bn(d.deadweight_loss) }))),
      h("h3", { text: "What the scenario changes" }),
      table(["change", "measure", "rate", "from"], x.changes.map((c) => [c.op, c.measure || "", c.rate === undefined ? "" : frac(c.rate), c.from || ""])),
      h("h3", { text: "Lines most affected" }),
      table(["code", "description", "value", "baseline", "scenario", "import change"],
        x.impact.top_lines.map((l) => [l.code, l.description || "", bn(l.value_usd), pct(l.baseline_rate_pct, 1), pct(l.scenario_rate_pct, 1), bn(l.import_change)])),
      x.warnings.length ? h("ul", { class: "warn" }, x.warnings.map((w) => h("li", { text: w }))) : null,
      sources([
        `Scenario file: ${x.file}.`,
        x.weights ? `Weights ${x.weights.name}: ${x.weights.description}; source ${x.weights.source}.` : "",
        `Impact model: ${x.impact.model || "see docs/policy.md"}.`,
        ...Object.entries(x.parameters.sources || {}).map(([k, v]) => `${k} = ${x.parameters[k]}: ${v}`),
      ].filter(Boolean))].filter(Boolean));
  });
  out.appendChild(sources(["Shipped scenario files (scenarios/*.yaml); a run lists the weights and " +
    "impact parameters it used, with their sources."]));
}

const PAGES = {
  timelines: timelinesPage,
  products: productsPage,
  lists: listsPage,
  commitments: commitmentsPage,
  scenarios: scenariosPage,
  articles: articlesPage,
  "engine-check": enginePage,
};

async function route() {
  const name = (location.hash.replace(/^#\/?/, "") || "timelines").split("?")[0];
  const render = PAGES[name] || PAGES.timelines;
  const seq = ++state.seq;
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.dataset.page === (PAGES[name] ? name : "timelines"));
  }
  const main = document.getElementById("main");
  const root = h("div", { class: "page-root" });
  main.replaceChildren(root);
  try {
    await render(root);
  } catch (err) {
    if (seq === state.seq) root.appendChild(h("div", { class: "error", text: `This page failed: ${err}` }));
    throw err;
  }
  if (seq === state.seq) document.body.dataset.ready = name;
}

async function start() {
  const info = await api("/api/info");
  state.info = info.ok ? info.body : null;
  document.getElementById("asof").textContent = `As of: ${asOfText()}`;
  window.addEventListener("hashchange", () => { delete document.body.dataset.ready; route(); });
  await route();
}

start();
