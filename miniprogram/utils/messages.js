// The assistant's replies ({text, buttons, custom}) as what the pages draw: bubbles with text,
// big option buttons, and cards built from the custom payloads (checklist, filed case, progress).

const ITEM_STATUS = {
  selected: '要办',
  added_prerequisite: '需要先办',
  already_done: '已经办好，不用再办',
  ineligible: '不能办',
}

// knowledge/materials.yaml: only what it names as paper must be brought on paper
const MEDIUM = { paper: '纸质', electronic: '电子的就行', any: '纸质或电子都行' }

let counter = 0
function nextId(prefix) {
  counter += 1
  return prefix + '-' + Date.now().toString(36) + '-' + counter
}

function estimateText(estimate) {
  if (!estimate || typeof estimate !== 'object') return ''
  const parts = []
  if (estimate.together_days != null) parts.push('一起办大约 ' + estimate.together_days + ' 个工作日')
  if (estimate.separately_days != null && estimate.separately_days !== estimate.together_days) {
    parts.push('分开办要 ' + estimate.separately_days + ' 个工作日')
  }
  let text = parts.join('，')
  if (estimate.finish_by) text += (text ? '，' : '') + '预计 ' + estimate.finish_by + ' 前办完'
  return text
}

// a checklist (the assistant's compact one, or POST /api/v1/checklist's answer) as a card
function checklistCard(checklist, names) {
  const known = names || {}
  const items = (checklist.items || []).map((i) => ({
    key: i.key,
    name: i.colloquial_name || known[i.key] || i.name || i.key,
    status: i.status,
    statusText: ITEM_STATUS[i.status] || i.status || '',
    reason: i.reason || '',
    instead: i.instead || '',
    active: i.status === 'selected' || i.status === 'added_prerequisite',
  }))
  const materials = (checklist.materials || []).map((m) => ({
    key: m.key,
    name: m.name || m.key,
    copies: m.copies || 1,
    medium: MEDIUM[m.medium] || m.medium || '',
    exempt: !!m.exempt,
    reason: m.reason || '',
    promise: !!m.promise_allowed,
    promiseNote: m.promise_note || (m.promise_allowed ? '暂时缺这份材料也可以先受理（容缺），之后补交' : ''),
  }))
  return {
    type: 'checklist',
    items,
    needed: materials.filter((m) => !m.exempt),
    exempt: materials.filter((m) => m.exempt),
    estimate: estimateText(checklist.estimate),
    reduction: typeof checklist.reduction === 'string' ? checklist.reduction : '',
  }
}

// POST /api/v1/checklist's missing_fields → questions with big answer buttons
function questionsFrom(missing) {
  return (missing || [])
    .filter((f) => f && f.key && Array.isArray(f.values) && f.values.length)
    .map((f) => ({
      key: f.key,
      question: f.question || f.label || f.key,
      options: f.values.map((v) => ({ label: v.label || String(v.value), value: v.value })),
    }))
}

function taskRows(tasks) {
  return (tasks || []).map((t) => ({
    item: t.item,
    name: t.colloquial_name || t.name || t.item,
    department: t.department_name || t.department || '',
    status: t.status,
    statusText: t.status_text || t.status || '',
    due: t.due_date || '',
    overdue: !!t.overdue,
    done: t.status === 'completed',
    needsAction: t.status === 'supplement_requested',
    note: t.note || '',
  }))
}

function progressCard(caseNo, tasks) {
  const rows = taskRows(tasks)
  return {
    type: 'progress',
    caseNo: caseNo || '',
    tasks: rows,
    summary: rows.length ? '共 ' + rows.length + ' 件事，已办结 ' + rows.filter((r) => r.done).length + ' 件' : '',
  }
}

function cardFrom(custom) {
  if (!custom || typeof custom !== 'object') return null
  if (custom.checklist && typeof custom.checklist === 'object') return checklistCard(custom.checklist)
  if (custom.progress && typeof custom.progress === 'object') {
    return progressCard(custom.progress.case_no, custom.progress.tasks)
  }
  if (custom.case_no && Array.isArray(custom.tasks)) {
    const card = progressCard(custom.case_no_readable || custom.case_no, custom.tasks)
    card.type = 'case'
    return card
  }
  return null
}

function buttonsOf(reply) {
  return (Array.isArray(reply.buttons) ? reply.buttons : [])
    .filter((b) => b && (b.title || b.payload))
    .map((b) => ({ title: b.title || b.payload, payload: b.payload || b.title }))
}

// replies of one turn → bubbles; a custom-only reply belongs to the bubble before it (Rasa sends a
// message's text and buttons first, its custom payload as a separate reply)
function toViewMessages(replies) {
  const out = []
  for (const reply of replies || []) {
    if (!reply || typeof reply !== 'object') continue
    const text = typeof reply.text === 'string' ? reply.text.trim() : ''
    const buttons = buttonsOf(reply)
    const card = cardFrom(reply.custom)
    const last = out[out.length - 1]
    if (!text && !buttons.length) {
      if (!card) continue
      if (last && !last.card) last.card = card
      else out.push({ id: nextId('bot'), role: 'bot', text: '', buttons: [], card })
      continue
    }
    out.push({ id: nextId('bot'), role: 'bot', text, buttons, card })
  }
  return out
}

function userMessage(text) {
  return { id: nextId('me'), role: 'user', text, buttons: [], card: null }
}

function noticeMessage(text) {
  return { id: nextId('note'), role: 'notice', text, buttons: [], card: null }
}

module.exports = {
  toViewMessages,
  userMessage,
  noticeMessage,
  checklistCard,
  progressCard,
  estimateText,
  questionsFrom,
  ITEM_STATUS,
}
