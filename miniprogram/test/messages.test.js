const { toViewMessages, checklistCard, estimateText } = require('../utils/messages')

describe('rendering the assistant\'s payloads', () => {
  test('text with buttons, and a custom payload joined to the bubble before it', () => {
    const view = toViewMessages([
      { recipient_id: 'x', text: '就按这个清单提交申请吗？', buttons: [{ title: '好的，就这样办', payload: '/affirm' }] },
      {
        recipient_id: 'x',
        custom: {
          items: ['hukou_cancel'],
          checklist: {
            items: [
              { key: 'hukou_cancel', status: 'selected', reason: null, colloquial_name: '注销户口' },
              { key: 'death_cert_normal', status: 'added_prerequisite', reason: '注销户口要先有死亡证明', colloquial_name: '开死亡证明' },
              { key: 'survivor_benefits', status: 'ineligible', reason: '没有参加养老保险', colloquial_name: '领抚恤金', instead: '问问村里' },
            ],
            materials: [
              { key: 'death_certificate', name: '居民死亡医学证明书', copies: 1, medium: 'paper', exempt: false, promise_allowed: true },
              { key: 'hukou_book', name: '户口簿', copies: 1, medium: 'paper', exempt: true, reason: '公安部门已共享' },
            ],
            estimate: { together_days: 7, separately_days: 14, finish_by: '2026-12-09' },
            reduction: '材料从 20 份减到 6 份',
          },
        },
      },
    ])
    expect(view).toHaveLength(1)
    const [m] = view
    expect(m.role).toBe('bot')
    expect(m.buttons).toEqual([{ title: '好的，就这样办', payload: '/affirm' }])
    expect(m.card.type).toBe('checklist')
    expect(m.card.items.map((i) => [i.name, i.statusText, i.active])).toEqual([
      ['注销户口', '要办', true],
      ['开死亡证明', '需要先办', true],
      ['领抚恤金', '不能办', false],
    ])
    expect(m.card.items[2].instead).toBe('问问村里')
    expect(m.card.needed.map((x) => x.name)).toEqual(['居民死亡医学证明书'])
    expect(m.card.needed[0].medium).toBe('纸质')
    expect(m.card.needed[0].promiseNote).toMatch('容缺')
    expect(m.card.exempt).toEqual([expect.objectContaining({ name: '户口簿', reason: '公安部门已共享' })])
    expect(m.card.estimate).toBe('一起办大约 7 个工作日，分开办要 14 个工作日，预计 2026-12-09 前办完')
    expect(m.card.reduction).toBe('材料从 20 份减到 6 份')
  })

  test('a filed case and a progress view become task lists', () => {
    const tasks = [
      { item: 'hukou_cancel', colloquial_name: '注销户口', department_name: '公安', status: 'accepted', status_text: '部门已受理，正在办理', due_date: '2026-12-05', overdue: false },
      { item: 'death_cert_normal', colloquial_name: '开死亡证明', status: 'completed', status_text: '已办结' },
      { item: 'survivor_benefits', colloquial_name: '领抚恤金', status: 'supplement_requested', status_text: '需要补充材料', note: '请补交户口簿复印件' },
    ]
    const [filed] = toViewMessages([{ text: '已经提交好了。' }, { custom: { case_no: 'SH20261129482735', case_no_readable: 'SH20261129-48273-5', tasks } }])
    expect(filed.card.type).toBe('case')
    expect(filed.card.caseNo).toBe('SH20261129-48273-5')
    expect(filed.card.summary).toBe('共 3 件事，已办结 1 件')
    expect(filed.card.tasks[0]).toMatchObject({ name: '注销户口', department: '公安', due: '2026-12-05', done: false })
    expect(filed.card.tasks[2]).toMatchObject({ needsAction: true, note: '请补交户口簿复印件' })
    const [progress] = toViewMessages([{ text: '进度如下' }, { custom: { progress: { case_no: 'SH20261129-48273-5', tasks } } }])
    expect(progress.card.type).toBe('progress')
  })

  test('payloads with nothing to draw, empty replies and stray values are skipped', () => {
    expect(toViewMessages([{ custom: { items: ['hukou_cancel'] } }, null, 'x', { text: '  ' }])).toEqual([])
    const view = toViewMessages([{ text: '第一段' }, { text: '第二段', buttons: [{ payload: '/deny' }] }])
    expect(view.map((m) => m.text)).toEqual(['第一段', '第二段'])
    expect(view[1].buttons).toEqual([{ title: '/deny', payload: '/deny' }])
    expect(view[0].id).not.toBe(view[1].id)
    // a card with no text before it is a bubble of its own
    const [alone] = toViewMessages([{ custom: { checklist: { items: [], materials: [] } } }])
    expect(alone.card.type).toBe('checklist')
  })

  test('the estimate reads naturally when parts are missing', () => {
    expect(estimateText({ together_days: 5, separately_days: 5 })).toBe('一起办大约 5 个工作日')
    expect(estimateText(null)).toBe('')
    expect(checklistCard({ items: [{ key: 'k', status: 'selected' }] }, { k: '名字' }).items[0].name).toBe('名字')
  })
})
