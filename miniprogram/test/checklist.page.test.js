// miniprogram-simulate (j-component in jsdom) with a fake case API; one page per test file, since
// each load of a page registers its card component again.
const { installWx, flush, until, texts, renderPage } = require('./helpers')

const ITEMS = [
  { key: 'hukou_cancel', name: '户口注销', colloquial_name: '注销户口', extended: false },
  { key: 'funeral_grant', name: '丧葬补助金领取', colloquial_name: '领丧葬费', extended: false },
  { key: 'stock', name: '证券查询', colloquial_name: '查股份', extended: true },
]

const QUESTION = {
  key: 'hukou_in_guizhou',
  label: '户口在贵州',
  question: '亲人的户口是在贵州吗？',
  type: 'bool',
  values: [
    { value: true, label: '是' },
    { value: false, label: '否' },
  ],
}

function checklistAnswer(options) {
  const answered = options.data.situation.hukou_in_guizhou !== undefined
  return {
    data: {
      items: [
        answered && options.data.situation.hukou_in_guizhou === false
          ? { key: 'hukou_cancel', status: 'ineligible', reason: '户口不在贵州，请到户口所在地办理' }
          : { key: 'hukou_cancel', status: 'selected', reason: null },
      ],
      materials: [{ key: 'hukou_book', name: '户口簿', copies: 1, medium: 'paper', exempt: false }],
      estimate: { together_days: 5, separately_days: 5, finish_by: '2026-12-07' },
      missing_fields: answered ? [] : [QUESTION],
    },
  }
}

describe('checklist page', () => {
  test('choose items, get the checklist, answer what it still needs with one tap', async () => {
    const net = installWx({ 'GET /api/v1/items': { data: ITEMS }, 'POST /api/v1/checklist': checklistAnswer })
    const page = renderPage('checklist')
    await page.instance.ready
    expect(texts(page, '.name')).toEqual(['注销户口', '领丧葬费'])

    await page.instance.onMake()
    expect(texts(page, '.error')).toEqual(['请先点选要办的事（可以选几件）。'])

    page.querySelector('.choice').dispatchEvent('tap')
    await flush()
    expect(page.querySelector('.choice').dom.className).toMatch('checked')
    await page.instance.onMake()
    await flush()
    const calls = () => net.calls.filter((c) => c.url.endsWith('/api/v1/checklist'))
    expect(calls()[0].data).toEqual({ situation: {}, items: ['hukou_cancel'] })
    const card = page.querySelector('.card-host').dom.textContent
    expect(card).toMatch('注销户口')
    expect(card).toMatch('户口簿')
    expect(card).toMatch('纸质')
    expect(card).toMatch('预计 2026-12-07 前办完')
    expect(texts(page, '.missing')[0]).toMatch('还要问您 1 个情况')
    expect(texts(page, '.ask')).toEqual(['亲人的户口是在贵州吗？'])
    expect(texts(page, '.answer')).toEqual(['是', '否'])

    // "否" tapped: the answer (a real boolean) goes with the next request, and the list changes
    page.querySelectorAll('.answer')[1].dispatchEvent('tap')
    await until(() => calls().length === 2 && !page.data.loading)
    expect(calls()[1].data).toEqual({ situation: { hukou_in_guizhou: false }, items: ['hukou_cancel'] })
    expect(page.querySelectorAll('.ask')).toHaveLength(0)
    const after = page.querySelector('.card-host').dom.textContent
    expect(after).toMatch('【不能办】')
    expect(after).toMatch('户口不在贵州，请到户口所在地办理')
  })

  test('the checklist made in the chat is shown; the catalog being down is said in words', async () => {
    installWx({ 'GET /api/v1/items': { status: 503, data: { code: 'x', message: '服务正在维护，请稍后再试。' } } })
    wx.setStorageSync('gz.checklist', {
      type: 'checklist',
      items: [{ key: 'hukou_cancel', name: '注销户口', statusText: '要办', active: true }],
      needed: [],
      exempt: [],
      estimate: '',
      reduction: '',
    })
    const page = renderPage('checklist')
    await page.instance.ready
    await flush()
    expect(texts(page, '.error')).toEqual(['服务正在维护，请稍后再试。'])
    expect(page.querySelector('.card-host').dom.textContent).toMatch('注销户口')
  })
})
