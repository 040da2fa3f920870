// miniprogram-simulate (j-component in jsdom) with a fake case API; one page per test file, since
// each load of a page registers its card component again.
const { installWx, flush, until, texts, renderPage } = require('./helpers')

const CHECKLIST_REPLY = {
  messages: [
    {
      text: '按您说的情况，要办这两件事。就按这个清单提交申请吗？',
      buttons: [
        { title: '好的，就这样办', payload: '/affirm' },
        { title: '先不办', payload: '/deny' },
      ],
    },
    {
      custom: {
        items: ['hukou_cancel'],
        checklist: {
          items: [
            { key: 'hukou_cancel', status: 'selected', colloquial_name: '注销户口' },
            { key: 'death_cert_normal', status: 'added_prerequisite', colloquial_name: '开死亡证明', reason: '要先开死亡证明' },
          ],
          materials: [
            { key: 'death_certificate', name: '居民死亡医学证明书', copies: 1, medium: 'paper', exempt: false },
            { key: 'hukou_book', name: '户口簿', copies: 1, medium: 'paper', exempt: true, reason: '已共享' },
          ],
          estimate: { together_days: 7, separately_days: 14, finish_by: '2026-12-09' },
        },
      },
    },
  ],
}

describe('chat page', () => {
  test('a typed question, the answer with options and a checklist card, an option tapped', async () => {
    const net = installWx({
      'GET /api/v1/chat/phrases': { data: { suggestions: [], frequent: ['老人走了要办哪些事', '户口怎么注销'] } },
      'POST /api/v1/chat': (o) =>
        o.data.message === '/affirm' ? { data: { messages: [{ text: '好的，请告诉我逝者的姓名。' }] } } : { data: CHECKLIST_REPLY },
    })
    const page = renderPage('chat')
    await page.instance.ready
    await flush()
    expect(texts(page, '.bubble')[0]).toMatch('请节哀')
    expect(texts(page, '.faq')).toEqual(['老人走了要办哪些事', '户口怎么注销'])

    page.instance.onInput({ detail: { value: '我爸走了，要注销户口' } })
    await page.instance.onSend()
    await flush()
    const chat = net.calls.filter((c) => c.url.endsWith('/api/v1/chat'))
    expect(chat[0].data.message).toBe('我爸走了，要注销户口')
    expect(chat[0].data.sender).toMatch(/^mp-[A-Za-z0-9]{24}$/)
    expect(page.data.input).toBe('')

    const bubbles = texts(page, '.bubble')
    expect(bubbles[1]).toBe('我爸走了，要注销户口')
    expect(bubbles[2]).toMatch('就按这个清单提交申请吗')
    expect(texts(page, '.option')).toEqual(['好的，就这样办', '先不办'])
    const card = page.querySelector('.card-host')
    expect(card).toBeTruthy()
    const cardText = card.dom.textContent
    expect(cardText).toMatch('注销户口')
    expect(cardText).toMatch('【需要先办】')
    expect(cardText).toMatch('要带的材料（1 份）')
    expect(cardText).toMatch('不用带的材料')
    expect(cardText).toMatch('一起办大约 7 个工作日，分开办要 14 个工作日')
    // kept for the checklist page
    expect(wx.getStorageSync('gz.checklist').type).toBe('checklist')

    // tapping an option sends its payload and shows its title as the family's message
    page.querySelector('.option').dispatchEvent('tap')
    await until(() => net.calls.filter((c) => c.url.endsWith('/api/v1/chat')).length === 2 && !page.data.sending)
    expect(net.calls.filter((c) => c.url.endsWith('/api/v1/chat'))[1].data.message).toBe('/affirm')
    const after = texts(page, '.bubble')
    expect(after[after.length - 2]).toBe('好的，就这样办')
    expect(after[after.length - 1]).toBe('好的，请告诉我逝者的姓名。')
  })

  test('the conversation survives closing the app; the same sender goes on', async () => {
    const net = installWx({
      'GET /api/v1/chat/phrases': { data: { frequent: [] } },
      'POST /api/v1/chat': { data: { messages: [{ text: '您好，请问有什么可以帮您？' }] } },
    })
    const first = renderPage('chat')
    await first.instance.send('你好', '你好')
    const again = renderPage('chat')
    await again.instance.ready
    expect(texts(again, '.bubble')).toEqual(texts(first, '.bubble'))
    await again.instance.send('户口怎么注销', '户口怎么注销')
    const senders = net.calls.filter((c) => c.url.endsWith('/api/v1/chat')).map((c) => c.data.sender)
    expect(new Set(senders).size).toBe(1)
    again.instance.onClear()
    expect(texts(again, '.bubble')).toHaveLength(1)
    expect(wx.getStorageSync('gz.sender')).toBe('')
  })

  test('the assistant being down is said in words, and the page keeps working', async () => {
    installWx({
      'GET /api/v1/chat/phrases': 'NETWORK',
      'POST /api/v1/chat': { status: 503, data: { code: 'assistant_unavailable', message: '在线助手暂时没有响应，请稍后再试，或拨打 12345。' } },
    })
    const page = renderPage('chat')
    await page.instance.ready
    await page.instance.send('你好', '你好')
    const bubbles = texts(page, '.bubble')
    expect(bubbles[bubbles.length - 1]).toBe('在线助手暂时没有响应，请稍后再试，或拨打 12345。')
    expect(page.data.sending).toBe(false)
    expect(page.querySelectorAll('.faq')).toHaveLength(0)
  })

  test('larger text is a switch that is remembered', () => {
    installWx({ 'GET /api/v1/chat/phrases': { data: { frequent: [] } } })
    const page = renderPage('chat')
    expect(page.querySelector('.page').dom.className).not.toMatch('large')
    page.instance.onToggleLarge()
    expect(page.querySelector('.page').dom.className).toMatch('large')
    expect(renderPage('chat').data.large).toBe(true)
  })
})

