// miniprogram-simulate (j-component in jsdom) with a fake case API; one page per test file, since
// each load of a page registers its card component again.
const { installWx, flush, texts, renderPage } = require('./helpers')

describe('progress page', () => {
  const caseView = {
    case_no: 'SH20261129482735',
    case_no_readable: 'SH20261129-48273-5',
    tasks: [
      { item: 'hukou_cancel', colloquial_name: '注销户口', department_name: '县公安局', status: 'accepted', status_text: '部门已受理，正在办理', due_date: '2026-12-05' },
      { item: 'death_cert_normal', colloquial_name: '开死亡证明', status: 'completed', status_text: '已办结' },
    ],
  }

  test('case number + short code → the tasks; the token is kept, the code is not', async () => {
    const net = installWx({
      'POST /api/v1/cases/SH20261129-48273-5/progress-code': (o) =>
        o.data.code === '4K7P2M'
          ? { data: { case_no: 'SH20261129482735', access_token: 'ps1.1.2.mac', expires_in: 1800, case: caseView } }
          : { status: 404, data: { code: 'wrong_progress_code', message: '案件号或查询码不对，请核对后再试。' } },
      'GET /api/v1/cases/SH20261129-48273-5': { data: caseView },
    })
    const page = renderPage('progress')
    await page.instance.onQuery()
    expect(texts(page, '.error')[0]).toMatch('请填写案件号和 6 位查询码')

    page.instance.onCaseNo({ detail: { value: 'SH20261129-48273-5' } })
    page.instance.onCode({ detail: { value: '4K7 P2Z' } })
    await page.instance.onQuery()
    expect(texts(page, '.error')).toEqual(['案件号或查询码不对，请核对后再试。'])

    page.instance.onCode({ detail: { value: '4K7 P2M' } })
    await page.instance.onQuery()
    expect(net.calls.filter((c) => c.url.endsWith('/progress-code')).pop().data).toEqual({ code: '4K7P2M' })
    await flush()
    const card = page.querySelector('.card-host').dom.textContent
    expect(card).toMatch('案件号：SH20261129-48273-5')
    expect(card).toMatch('共 2 件事，已办结 1 件')
    expect(card).toMatch('注销户口')
    expect(card).toMatch('办理部门：县公安局')
    expect(card).toMatch('预计 2026-12-05 前办完')
    expect(page.querySelectorAll('.error')).toHaveLength(0)
    expect(JSON.stringify(wx.getStorageSync('gz.case'))).not.toMatch('4K7P2M')

    // opened again: the number is filled in and the progress shown with the kept token
    const again = renderPage('progress')
    await again.instance.ready
    expect(again.data.caseNo).toBe('SH20261129-48273-5')
    const get = net.calls.filter((c) => c.method === 'GET').pop()
    expect(get.header.Authorization).toBe('Bearer ps1.1.2.mac')
    expect(again.querySelector('.card-host').dom.textContent).toMatch('注销户口')
  })
})
