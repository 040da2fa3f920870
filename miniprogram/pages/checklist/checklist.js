// The checklist: the one the assistant made in the chat (kept on the phone), or one made here by
// choosing items (POST /api/v1/checklist). The questions the chosen items still need (missing_fields)
// are asked here one under the other, each answered with one tap; every answer recomputes the list.
const { createApi } = require('../../utils/request')
const { checklistCard, questionsFrom } = require('../../utils/messages')
const prefs = require('../../utils/prefs')

Component({
  data: {
    items: [],
    card: null,
    questions: [],
    situation: {},
    error: '',
    loading: false,
    large: false,
  },
  lifetimes: {
    attached() {
      this.api = createApi()
      const kept = wx.getStorageSync('gz.checklist')
      this.setData({ card: kept && kept.type === 'checklist' ? kept : null, large: prefs.large() })
      this.ready = this.loadItems()
    },
  },
  methods: {
    loadItems() {
      return this.api
        .items()
        .then((list) => {
          const items = (list || [])
            .filter((i) => !i.extended)
            .map((i) => ({ key: i.key, name: i.colloquial_name || i.name, official: i.name, checked: false }))
          this.setData({ items, error: '' })
        })
        .catch((err) => this.setData({ error: err.message }))
    },
    onToggle(e) {
      const key = e.currentTarget.dataset.key
      const items = this.data.items.map((i) => (i.key === key ? Object.assign({}, i, { checked: !i.checked }) : i))
      this.setData({ items })
    },
    onAnswer(e) {
      const d = e.currentTarget.dataset
      const q = this.data.questions[Number(d.q)]
      const option = q && q.options[Number(d.o)]
      if (!option) return Promise.resolve()
      this.setData({ situation: Object.assign({}, this.data.situation, { [q.key]: option.value }) })
      return this.onMake()
    },
    onMake() {
      const chosen = this.data.items.filter((i) => i.checked).map((i) => i.key)
      if (!chosen.length) {
        this.setData({ error: '请先点选要办的事（可以选几件）。' })
        return Promise.resolve()
      }
      const names = {}
      this.data.items.forEach((i) => (names[i.key] = i.name))
      this.setData({ loading: true, error: '' })
      return this.api
        .checklist(this.data.situation, chosen)
        .then((result) => {
          const card = checklistCard(result, names)
          wx.setStorageSync('gz.checklist', card)
          this.setData({ card, questions: questionsFrom(result.missing_fields), loading: false })
        })
        .catch((err) => this.setData({ error: err.message, loading: false }))
    },
  },
})
