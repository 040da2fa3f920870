// A fake network and storage for the mini-program's `wx` (routes answer like the case API does), and
// the pages rendered by miniprogram-simulate.
const path = require('path')
// defines the global `wx` (its mocks) and `Component`
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '..')

function installWx(routes) {
  const calls = []
  const storage = new Map()
  const table = Object.assign({}, routes || {})
  wx.request = (options) => {
    calls.push({ url: options.url, method: options.method, data: options.data, header: options.header })
    const key = options.method + ' ' + options.url.replace(/^https?:\/\/[^/]+/, '')
    const route = table[key]
    setTimeout(() => {
      if (!route) return options.fail && options.fail({ errMsg: 'request:fail ' + key })
      const res = typeof route === 'function' ? route(options) : route
      if (res === 'NETWORK') return options.fail && options.fail({ errMsg: 'request:fail timeout' })
      options.success && options.success({ statusCode: res.status || 200, data: res.data })
    }, 0)
    return { abort() {} }
  }
  wx.getStorageSync = (k) => (storage.has(k) ? JSON.parse(JSON.stringify(storage.get(k))) : '')
  wx.setStorageSync = (k, v) => storage.set(k, JSON.parse(JSON.stringify(v)))
  wx.removeStorageSync = (k) => storage.delete(k)
  return { calls, storage, routes: table }
}

function pagePath(name) {
  return path.join(ROOT, 'pages', name, name)
}

// let every pending promise and timer of the fake network run
function flush(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms || 5))
}

// wait until a condition holds (the fake network answers on timers; the machine may be busy)
async function until(check, timeoutMs) {
  const deadline = Date.now() + (timeoutMs || 3000)
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await flush(5)
  }
}

function texts(comp, selector) {
  return comp.querySelectorAll(selector).map((n) => n.dom.textContent.trim())
}

// a page (a Component, as mini-program pages may be) rendered and attached; loaded once per page
const loaded = {}
function renderPage(name) {
  loaded[name] = loaded[name] || simulate.load(pagePath(name), { rootPath: ROOT })
  const comp = simulate.render(loaded[name])
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

module.exports = { installWx, pagePath, flush, until, texts, renderPage, ROOT }
