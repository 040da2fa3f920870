// app.js: the quiet sign-in on launch (wx.login → POST /api/v1/wechat/session → our session kept).
const { installWx, ROOT } = require('./helpers')

function loadApp() {
  let definition = null
  global.App = (def) => {
    definition = def
  }
  jest.isolateModules(() => require(ROOT + '/app.js'))
  return definition
}

describe('sign-in on launch', () => {
  test('the wx.login code is exchanged once; our session is kept, nothing of WeChat', async () => {
    const net = installWx({
      'POST /api/v1/wechat/session': { data: { session: 'wx1.sealed', expires_at: Date.now() / 1000 + 3600, user: 'u1' } },
    })
    wx.login = ({ success }) => success({ code: '081code' })
    const app = loadApp()
    expect(await app.signIn()).toMatchObject({ session: 'wx1.sealed' })
    expect(net.calls).toHaveLength(1)
    expect(net.calls[0].data).toEqual({ code: '081code' })
    expect(wx.getStorageSync('gz.login')).toEqual({ session: 'wx1.sealed', expires_at: expect.any(Number), user: 'u1' })
    await app.signIn() // still valid: no second exchange
    expect(net.calls).toHaveLength(1)
  })

  test('sign-in not configured or WeChat busy: the app goes on without it', async () => {
    installWx({
      'POST /api/v1/wechat/session': { status: 503, data: { code: 'wechat_not_configured', message: '微信登录尚未开通。' } },
    })
    wx.login = ({ success }) => success({ code: '081code' })
    expect(await loadApp().signIn()).toBeNull()
    expect(wx.getStorageSync('gz.login')).toBe('')
    wx.login = ({ fail }) => fail({ errMsg: 'login:fail' })
    expect(await loadApp().signIn()).toBeNull()
  })
})
