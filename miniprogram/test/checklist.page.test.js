// miniprogram-simulate (j-component in jsdom) with a fake case API; one page per test file, since
// each load of a page registers its card component again.
const { installWx, flush, texts, renderPage } = require('./helpers')

describe('checklist page', () => {
  test('choose items, get the checklist; questions still needed point to the chat', async () => {
    const net = installWx({
      'GET /api/v1/items': {
        data: [
          { key: 'hukou_cancel', name: '户口注销', colloquial_name: '注销户口', extended: false },
          { key: 'funeral_grant', name: '丧葬补助金领取', colloquial_name: '领丧葬费', extended: false },
          { key: 'stock', name: '证券查询', colloquial_name: '查股份', extended: true },
        ],
      },
      'POST /api/v1/checklist': {
        data: {
          items: [{ key: 'hukou_cancel', status: 'selected', reason: null }],
          materials: [{ key: 'hukou_book', name: '户口簿', copies: 1, medium: 'original', exempt: false }],
          estimate: { together_days: 5, separately_days: 5, finish_by: '2026-12-07' },
          missing_fields: ['death_place'],
        },
      },
    })
    const page = renderPage('checklist')
    await page.instance.ready
    expect(texts(page, '.name')).toEqual(['注销户口', '领丧葬费'])

    await page.instance.onMake()
    expect(texts(page, '.error')).toEqual(['请先点选要办的事（可以选几件）。'])

    page.querySelector('.choice').dispatchEvent('tap')
    await flush()
    expect(page.querySelector('.choice').dom.className).toMatch('checked')
    await page.instance.onMake()
    const call = net.calls.find((c) => c.url.endsWith('/api/v1/checklist'))
    expect(call.data).toEqual({ situation: {}, items: ['hukou_cancel'] })
    await flush()
    const card = page.querySelector('.card-host').dom.textContent
    expect(card).toMatch('注销户口')
    expect(card).toMatch('户口簿')
    expect(card).toMatch('预计 2026-12-07 前办完')
    expect(texts(page, '.missing')[0]).toMatch('还需要了解 1 个情况')
  })
})

