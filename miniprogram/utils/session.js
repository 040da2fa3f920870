// What the mini-program keeps on the phone (wx storage): the conversation's sender id and its recent
// messages (so the chat survives closing the app), our WeChat session, and the last case followed
// (number and the short-lived token the progress code gave; never the progress code itself).

const KEYS = { sender: 'gz.sender', history: 'gz.history', login: 'gz.login', lastCase: 'gz.case' }
const HISTORY_MAX = 60
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function wxStorage() {
  return {
    get: (key) => wx.getStorageSync(key),
    set: (key, value) => wx.setStorageSync(key, value),
    remove: (key) => wx.removeStorageSync(key),
  }
}

function randomId(length, random) {
  const rnd = random || Math.random
  let out = ''
  for (let i = 0; i < length; i += 1) out += ALPHABET[Math.floor(rnd() * ALPHABET.length)]
  return out
}

function createSession(options) {
  const opts = options || {}
  const store = opts.storage || wxStorage()
  const now = opts.now || (() => Date.now())

  return {
    // the id of this phone's conversation with the assistant: 'mp-' + 24 letters and digits
    senderId() {
      let id = store.get(KEYS.sender)
      if (typeof id !== 'string' || !/^mp-[A-Za-z0-9]{24}$/.test(id)) {
        id = 'mp-' + randomId(24, opts.random)
        store.set(KEYS.sender, id)
      }
      return id
    },
    history() {
      const kept = store.get(KEYS.history)
      return Array.isArray(kept) ? kept : []
    },
    saveHistory(messages) {
      const list = Array.isArray(messages) ? messages.slice(-HISTORY_MAX) : []
      store.set(KEYS.history, list)
      return list
    },
    // our session from POST /api/v1/wechat/session, while it is valid
    login() {
      const s = store.get(KEYS.login)
      if (!s || typeof s !== 'object' || !s.session) return null
      if (!s.expires_at || s.expires_at * 1000 <= now()) {
        store.remove(KEYS.login)
        return null
      }
      return s
    },
    saveLogin(s) {
      if (s && s.session) store.set(KEYS.login, { session: s.session, expires_at: s.expires_at, user: s.user })
    },
    lastCase() {
      const c = store.get(KEYS.lastCase)
      if (!c || typeof c !== 'object' || !c.caseNo) return null
      const tokenValid = !!c.token && c.expiresAt > now()
      return { caseNo: c.caseNo, token: tokenValid ? c.token : null }
    },
    saveCase(caseNo, token, expiresInSeconds) {
      const expiresAt = token ? now() + Math.max(0, (expiresInSeconds || 0) - 30) * 1000 : 0
      store.set(KEYS.lastCase, { caseNo, token: token || null, expiresAt })
    },
    // "清空记录": a new conversation, nothing of the old one kept
    clear() {
      Object.keys(KEYS).forEach((k) => store.remove(KEYS[k]))
    },
  }
}

module.exports = { createSession, wxStorage, KEYS, HISTORY_MAX }
