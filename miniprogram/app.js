// 个人身后“一件事” mini-program: chat with the assistant, a checklist of materials, progress by case
// number + short code. On launch it signs in quietly (wx.login → our server → our own session); the
// chat and the progress pages work without it.
const { createApi } = require('./utils/request')
const { createSession } = require('./utils/session')

App({
  onLaunch() {
    this.signIn()
  },
  signIn() {
    const session = createSession()
    if (session.login()) return Promise.resolve(session.login())
    const api = createApi()
    return new Promise((resolve) => {
      wx.login({
        success: ({ code }) => {
          api
            .login(code)
            .then((s) => {
              session.saveLogin(s)
              resolve(s)
            })
            .catch(() => resolve(null)) // not configured or WeChat busy: everything else still works
        },
        fail: () => resolve(null),
      })
    })
  },
})
