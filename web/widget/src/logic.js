// Pure logic of the widget (no DOM, no React): what the assistant's messages become on screen.
// Unit-tested by test/logic.test.js (`npm test`).

export const STORAGE_KEY = "gz-afterlife-chat:v1";
export const MAX_KEPT_MESSAGES = 200;

export const STATUS_TEXT = {
  selected: "这次办理",
  added_prerequisite: "已自动加上",
  already_done: "已经办好",
  ineligible: "不用办或暂时办不了",
};

const MEDIUM_TEXT = { paper: "纸质原件", electronic: "电子", any: "原件或电子证照" };

// A random id a server accepts (^[A-Za-z0-9_-]{8,64}$); crypto.getRandomValues works on plain http too.
export function randomId(prefix = "", bytes = 16, cryptoObj = globalThis.crypto) {
  const buf = new Uint8Array(bytes);
  if (cryptoObj && cryptoObj.getRandomValues) cryptoObj.getRandomValues(buf);
  else for (let i = 0; i < bytes; i += 1) buf[i] = Math.floor(Math.random() * 256);
  return prefix + Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Rasa's REST channel sends a message's text (and buttons) and its custom payload as separate
// outputs; one message on screen carries all three.
export function mergeBotOutputs(outputs, newId = () => randomId("m", 8)) {
  const merged = [];
  for (const out of outputs || []) {
    if (!out || typeof out !== "object") continue;
    const hasText = typeof out.text === "string" && out.text.length > 0;
    const buttons = Array.isArray(out.buttons) ? out.buttons.filter((b) => b && b.title) : [];
    const custom = out.custom && typeof out.custom === "object" ? out.custom : null;
    const last = merged[merged.length - 1];
    if (!hasText && custom && last && !last.custom) {
      last.custom = custom;
      if (buttons.length) last.buttons = [...last.buttons, ...buttons];
      continue;
    }
    if (!hasText && !custom && !buttons.length) continue;
    merged.push({ id: newId(), from: "bot", text: hasText ? out.text : "", buttons, custom });
  }
  return merged;
}

function days(n) {
  if (n === null || n === undefined) return "";
  return n === 0 ? "当场办结" : `${n} 个工作日`;
}

function nameOf(byKey, key) {
  return (byKey[key] && byKey[key].colloquial_name) || key;
}

// custom.checklist → the checklist card: items by status, materials grouped, the estimate.
export function checklistCard(checklist) {
  if (!checklist || !Array.isArray(checklist.items)) return null;
  const byKey = Object.fromEntries(checklist.items.map((i) => [i.key, i]));
  const item = (i) => ({
    key: i.key,
    name: i.colloquial_name || i.key,
    status: i.status,
    statusText: STATUS_TEXT[i.status] || i.status,
    reason: i.reason || "",
    instead: i.instead || "",
    timeLimit: days(i.time_limit_days),
    waitsFor: (i.waits_for || []).map((k) => nameOf(byKey, k)),
  });
  const of = (...statuses) => checklist.items.filter((i) => statuses.includes(i.status)).map(item);
  const materials = Array.isArray(checklist.materials) ? checklist.materials : [];
  const material = (m) => ({
    key: m.key,
    name: m.name || m.key,
    copies: m.copies ?? 1,
    form: m.form || MEDIUM_TEXT[m.medium] || "",
    reason: m.reason || "",
    promise: m.promise_allowed ? m.promise_note || "可以先签告知承诺书，后补材料（容缺受理）" : "",
  });
  const est = checklist.estimate || null;
  return {
    kind: "checklist",
    active: of("selected", "added_prerequisite"),
    done: of("already_done"),
    ineligible: of("ineligible"),
    materials: {
      needed: materials.filter((m) => !m.exempt).map(material),
      exempt: materials.filter((m) => m.exempt).map(material),
    },
    estimate: est
      ? {
          togetherDays: est.together_days,
          separatelyDays: est.separately_days,
          finishBy: est.finish_by || "",
          separatelyFinishBy: est.separately_finish_by || "",
          separatelyVisits: est.separately_visits ?? null,
          togetherVisits: est.together_visits ?? null,
        }
      : null,
    reduction: typeof checklist.reduction === "string" ? checklist.reduction : "",
  };
}

function task(t) {
  return {
    item: t.item,
    name: t.colloquial_name || t.item,
    department: t.department_name || "",
    status: t.status || "",
    statusText: t.status_text || t.status || "",
    dueDate: t.due_date || "",
    overdue: Boolean(t.overdue),
    done: t.status === "completed",
    result: Object.entries(t.result || {}).map(([k, v]) => `${k}：${v}`),
  };
}

// The cards of one bot message, in order: checklist, the submitted case, the progress view.
export function cardsFor(custom) {
  if (!custom || typeof custom !== "object") return [];
  const cards = [];
  const checklist = checklistCard(custom.checklist);
  if (checklist) cards.push(checklist);
  if (custom.progress && Array.isArray(custom.progress.tasks)) {
    const tasks = custom.progress.tasks.map(task);
    cards.push({
      kind: "progress",
      caseNo: custom.progress.case_no || custom.case_no || "",
      tasks,
      doneCount: tasks.filter((t) => t.done).length,
    });
  } else if (custom.case_no) {
    cards.push({
      kind: "case",
      caseNo: custom.case_no_readable || custom.case_no,
      link: typeof custom.access_link === "string" && /^https?:\/\//.test(custom.access_link) ? custom.access_link : "",
      tasks: (custom.tasks || []).map(task),
    });
  }
  return cards;
}

// Suggestions while typing, from the catalog's colloquial names and phrasings.
export function suggest(query, suggestions, limit = 5) {
  const q = (query || "").replace(/\s+/g, "");
  if (!q || !Array.isArray(suggestions)) return [];
  const scored = [];
  for (const s of suggestions) {
    let best = 0;
    let matched = "";
    for (const phrase of [s.label, ...(s.phrasings || [])]) {
      if (!phrase) continue;
      let score = 0;
      if (phrase === q) score = 100;
      else if (phrase.startsWith(q)) score = 60 + q.length;
      else if (phrase.includes(q)) score = 40 + q.length;
      else if (q.includes(phrase) && phrase.length >= 2) score = 30 + phrase.length;
      else if (q.length >= 2) {
        // a typed sentence holding most of a phrasing's characters ("公积金怎么取" ~ "取公积金")
        const typed = new Set(q);
        const chars = [...new Set(phrase)];
        const shared = chars.filter((c) => typed.has(c)).length;
        if (shared >= 2 && shared / chars.length >= 0.75) score = 10 + shared;
      }
      if (score > best) {
        best = score;
        matched = phrase;
      }
    }
    if (best > 0) scored.push({ ...s, score: best, matched });
  }
  scored.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label, "zh-CN"));
  return scored.slice(0, limit);
}

// chatui's stylesheet is written for a whole page; inside the widget's shadow root its page-wide
// rules must not apply, its variables hang on the host, and its web fonts (fetched from a CDN) go.
export function scopeChatuiCss(css) {
  return css
    .replace(/@font-face\s*\{[^}]*\}/g, "")
    .replace(/:root\[data-color-scheme=dark\][^{]*\{[^}]*\}/g, "")
    .replace(/:root/g, ":host")
    .replace(/(?<=^|\})\s*html(\[[^\]]*\])?\s*\{[^}]*\}/g, "")
    .replace(/(?<=^|\})\s*#root,\s*body\s*\{[^}]*\}/g, "")
    .replace(/(?<=^|\})\s*body\s*\{[^}]*\}/g, "")
    .replace(/@media \(hover:none\)\{body\{[^}]*\}\}/g, "");
}

// What survives a page reload: the conversation id, the transcript, the reader's settings.
export function loadState(storage) {
  try {
    const raw = storage && storage.getItem(STORAGE_KEY);
    const data = raw ? JSON.parse(raw) : null;
    if (data && typeof data.sender === "string" && /^[A-Za-z0-9_-]{8,64}$/.test(data.sender)) {
      return {
        sender: data.sender,
        messages: Array.isArray(data.messages) ? data.messages.slice(-MAX_KEPT_MESSAGES) : [],
        large: Boolean(data.large),
        open: Boolean(data.open),
      };
    }
  } catch {
    // a broken or blocked storage: start afresh
  }
  return { sender: randomId("w"), messages: [], large: false, open: false };
}

export function saveState(storage, state) {
  try {
    storage.setItem(
      STORAGE_KEY,
      JSON.stringify({ ...state, messages: (state.messages || []).slice(-MAX_KEPT_MESSAGES) }),
    );
    return true;
  } catch {
    return false;
  }
}

// The text a screen reader announces for a new bot message (cards summarised in words).
export function announcement(message) {
  const parts = [message.text || ""];
  for (const card of cardsFor(message.custom)) {
    if (card.kind === "checklist") parts.push(`清单：${card.active.length} 件事一起办，材料 ${card.materials.needed.length} 样。`);
    if (card.kind === "case") parts.push(`案件号 ${card.caseNo}。`);
    if (card.kind === "progress") parts.push(`办理进度：${card.tasks.length} 件事，已办好 ${card.doneCount} 件。`);
  }
  return parts.filter(Boolean).join(" ");
}

// The Chinese voice for read-aloud, when the browser has one.
export function chineseVoice(voices) {
  const zh = (voices || []).filter((v) => /^zh|^cmn/i.test(v.lang || ""));
  return zh.find((v) => /CN|Hans/i.test(v.lang)) || zh[0] || null;
}

// A button's payload is what the assistant reads; the family sees the button's title.
export function buttonMessage(button) {
  return { send: button.payload || button.title, show: button.title };
}
