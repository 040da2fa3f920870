const { createApi, ApiError, NETWORK_DOWN, SERVICE_DOWN } = require('../utils/request')

function fakeTransport(answer) {
  const calls = []
  const transport = (options) => {
    calls.push(options)
    const res = typeof answer === 'function' ? answer(options) : answer
    return res instanceof Error ? Promise.reject(res) : Promise.resolve(res)
  }
  return { calls, transport }
}

describe('the request module', () => {
  test('chat goes to the case API proxy with {sender, message} and reads {messages}', async () => {
    const { calls, transport } = fakeTransport({
      status: 200,
      data: { messages: [{ text: '请节哀。', buttons: [{ title: '是', payload: '/affirm' }] }] },
    })
    const api = createApi({ config: { apiBase: 'https://gz.example.cn/' }, transport })
    const replies = await api.chat('mp-abc', '老人走了要办啥')
    expect(replies).toEqual([{ text: '请节哀。', buttons: [{ title: '是', payload: '/affirm' }] }])
    expect(calls[0].url).toBe('https://gz.example.cn/api/v1/chat')
    expect(calls[0].method).toBe('POST')
    expect(calls[0].data).toEqual({ sender: 'mp-abc', message: '老人走了要办啥' })
    expect(calls[0].timeout).toBe(15000)
  })

  test("Rasa's REST webhook answers a plain list: read the same way", async () => {
    const { calls, transport } = fakeTransport({ status: 200, data: [{ text: '您好' }, { custom: { items: [] } }] })
    const api = createApi({
      config: { chatUrl: 'http://127.0.0.1:5005/webhooks/rest/webhook' },
      transport,
    })
    expect(await api.chat('mp-x', '你好')).toEqual([{ text: '您好' }, { custom: { items: [] } }])
    expect(calls[0].url).toBe('http://127.0.0.1:5005/webhooks/rest/webhook')
  })

  test('progress by case number and short code, then by the token it gave', async () => {
    const { calls, transport } = fakeTransport({ status: 200, data: { access_token: 'ps1.x', case: {} } })
    const api = createApi({ config: { apiBase: 'http://api' }, transport })
    await api.progressByCode(' SH20261129-48273-5 ', ' 4k7p2m ')
    expect(calls[0].url).toBe('http://api/api/v1/cases/SH20261129-48273-5/progress-code')
    expect(calls[0].data).toEqual({ code: '4k7p2m' })
    await api.caseProgress('SH20261129-48273-5', 'ps1.x')
    expect(calls[1].method).toBe('GET')
    expect(calls[1].header.Authorization).toBe('Bearer ps1.x')
    await api.checklist(null, ['hukou_cancel'])
    expect(calls[2].data).toEqual({ situation: {}, items: ['hukou_cancel'] })
    await api.login('081code')
    expect(calls[3].url).toBe('http://api/api/v1/wechat/session')
    expect(calls[3].data).toEqual({ code: '081code' })
  })

  test("the API's own Chinese message is passed on", async () => {
    const { transport } = fakeTransport({
      status: 404,
      data: { code: 'wrong_progress_code', message: '案件号或查询码不对，请核对后再试。' },
    })
    const api = createApi({ transport })
    await expect(api.progressByCode('SH1', 'AAAAAA')).rejects.toMatchObject({
      status: 404,
      code: 'wrong_progress_code',
      message: '案件号或查询码不对，请核对后再试。',
    })
  })

  test('a network failure or a page that is not JSON becomes a plain sentence', async () => {
    const down = createApi({ transport: fakeTransport(new Error('request:fail timeout')).transport })
    const err = await down.chat('mp-x', '你好').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.message).toBe(NETWORK_DOWN)
    const gateway = createApi({ transport: fakeTransport({ status: 502, data: '<html>Bad Gateway</html>' }).transport })
    const err2 = await gateway.items().catch((e) => e)
    expect(err2.status).toBe(502)
    expect(err2.message).toBe(SERVICE_DOWN)
    expect(err2.message).not.toMatch(/html|Gateway/)
  })

  test('wx.request is the default transport', async () => {
    const seen = []
    global.wx = {
      request: (o) => {
        seen.push(o)
        o.success({ statusCode: 200, data: [] })
      },
    }
    const api = createApi({ config: { apiBase: 'http://h' } })
    expect(await api.items()).toEqual([])
    expect(seen[0].url).toBe('http://h/api/v1/items')
    expect(seen[0].header['content-type']).toBe('application/json')
    delete global.wx
  })
})
