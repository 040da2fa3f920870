// The one module that talks to the network: the chat, the catalog and checklist, progress by case
// number + short code, and the wx.login exchange. Every failure becomes an ApiError with a Chinese
// message a family can act on. Paths live here only, so pointing the app elsewhere is one edit.
const defaults = require('../config')

const NETWORK_DOWN = '网络不太好，没有连上服务。请检查网络后再试，或拨打 12345 咨询。'
const SERVICE_DOWN = '服务暂时不可用，请稍后再试，或拨打 12345 咨询。'

class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

// wx.request as a promise of {status, data}; network failures reject.
function wxTransport(options) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: options.url,
      method: options.method,
      data: options.data,
      header: options.header,
      timeout: options.timeout,
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(err || new Error('request:fail')),
    })
  })
}

function trimSlash(url) {
  return String(url || '').replace(/\/+$/, '')
}

function createApi(options) {
  const opts = options || {}
  const cfg = Object.assign({}, defaults, opts.config || {})
  const transport = opts.transport || wxTransport
  const base = trimSlash(cfg.apiBase)
  const chatUrl = cfg.chatUrl || base + '/api/v1/chat'

  async function call(method, url, data, header) {
    let res
    try {
      res = await transport({
        url,
        method,
        data,
        header: Object.assign({ 'content-type': 'application/json' }, header || {}),
        timeout: cfg.timeoutMs,
      })
    } catch (err) {
      throw new ApiError(0, 'network', NETWORK_DOWN)
    }
    const body = res.data
    if (res.status >= 200 && res.status < 300) return body
    const message = body && typeof body === 'object' && typeof body.message === 'string' ? body.message : SERVICE_DOWN
    const code = body && typeof body === 'object' && body.code ? body.code : 'http_' + res.status
    throw new ApiError(res.status, code, message)
  }

  return {
    config: cfg,
    // the assistant's replies as a list of {text, buttons, custom}, whichever endpoint answers
    async chat(sender, message) {
      const body = await call('POST', chatUrl, { sender, message })
      if (Array.isArray(body)) return body
      if (body && Array.isArray(body.messages)) return body.messages
      return []
    },
    phrases() {
      return call('GET', base + '/api/v1/chat/phrases')
    },
    items() {
      return call('GET', base + '/api/v1/items')
    },
    checklist(situation, items) {
      return call('POST', base + '/api/v1/checklist', { situation: situation || {}, items: items || null })
    },
    // case number + the 6-character progress code → {case, access_token, expires_in, ...}
    progressByCode(caseNo, code) {
      const no = encodeURIComponent(String(caseNo || '').trim())
      return call('POST', base + '/api/v1/cases/' + no + '/progress-code', { code: String(code || '').trim() })
    },
    // the progress again with the short-lived token the code gave
    caseProgress(caseNo, token) {
      const no = encodeURIComponent(String(caseNo || '').trim())
      return call('GET', base + '/api/v1/cases/' + no, undefined, { Authorization: 'Bearer ' + token })
    },
    // wx.login's code → our own session {session, expires_at, user}
    login(code) {
      return call('POST', base + '/api/v1/wechat/session', { code })
    },
  }
}

module.exports = { createApi, ApiError, wxTransport, NETWORK_DOWN, SERVICE_DOWN }
