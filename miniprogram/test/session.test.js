const { createSession, HISTORY_MAX } = require('../utils/session')

function memory() {
  const m = new Map()
  return {
    map: m,
    get: (k) => (m.has(k) ? m.get(k) : ''),
    set: (k, v) => m.set(k, v),
    remove: (k) => m.delete(k),
  }
}

describe('what the phone keeps', () => {
  test('one sender id per phone, kept across restarts, in the format the chat proxy accepts', () => {
    const storage = memory()
    const id = createSession({ storage }).senderId()
    expect(id).toMatch(/^mp-[A-Za-z0-9]{24}$/)
    expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/) // api/chat/schemas.py SENDER_PATTERN
    expect(createSession({ storage }).senderId()).toBe(id)
    storage.set('gz.sender', 'broken value')
    expect(createSession({ storage }).senderId()).not.toBe('broken value')
  })

  test('the conversation survives a restart and is capped', () => {
    const storage = memory()
    const s = createSession({ storage })
    const msgs = Array.from({ length: HISTORY_MAX + 10 }, (_, i) => ({ id: 'm' + i, text: String(i) }))
    s.saveHistory(msgs)
    const kept = createSession({ storage }).history()
    expect(kept).toHaveLength(HISTORY_MAX)
    expect(kept[kept.length - 1].id).toBe('m' + (HISTORY_MAX + 9))
  })

  test('our WeChat session is used only until it expires', () => {
    const storage = memory()
    let now = 1_000_000_000_000
    const s = createSession({ storage, now: () => now })
    s.saveLogin({ session: 'wx1.abc', expires_at: now / 1000 + 60, user: 'u', extra: 'dropped' })
    expect(s.login()).toEqual({ session: 'wx1.abc', expires_at: now / 1000 + 60, user: 'u' })
    now += 61_000
    expect(s.login()).toBeNull()
    expect(storage.map.has('gz.login')).toBe(false)
  })

  test('the last case keeps its number; the short-lived token only while valid; clear forgets all', () => {
    const storage = memory()
    let now = 5_000_000
    const s = createSession({ storage, now: () => now })
    s.saveCase('SH20261129-48273-5', 'ps1.token', 1800)
    expect(s.lastCase()).toEqual({ caseNo: 'SH20261129-48273-5', token: 'ps1.token' })
    now += 1800 * 1000
    expect(s.lastCase()).toEqual({ caseNo: 'SH20261129-48273-5', token: null })
    expect(JSON.stringify([...storage.map.values()])).not.toMatch(/4K7P2M/)
    s.senderId()
    s.clear()
    expect(storage.map.size).toBe(0)
  })
})
